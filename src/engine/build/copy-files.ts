// One COPY or ADD step's file work, for the builder core (build-image.ts): planCopy() resolves the
// sources and computes the cache key and the CREATED BY text before the step's container exists;
// applyCopy() writes into the step's mounted rootfs. The rules are the Dockerfile reference's and
// BuildKit's, with the classic builder's measured results (BUILD-API §3, §5.1, §9):
//
// - A destination ending in "/" (or "/.") is a directory; so is an existing directory. More than
//   one source, or a pattern matching more than one, needs a "/" at the end. A directory source
//   copies its contents. Missing parents are made 0755, owned by the --chown owner.
// - Entries are owned by 0:0 unless --chown says otherwise; modes and mtimes are kept (--chmod
//   replaces modes). --parents keeps each source's path (from a "/./" pivot when there is one).
// - ADD extracts a local tar (by content: plain, gzip, bzip2, xz) keeping its owners and times;
//   a URL is downloaded and written as a file, mode 0600, never extracted unless --unpack=true.
//
//   const planned = await planCopy(step);            // errors for missing sources, downloads ADD URLs
//   ... cache lookup with planned.cacheKey ...
//   await applyCopy(step, planned, mountedRootfs);    // on a miss
import * as fs from "node:fs";
import { createHash } from "node:crypto";
import { posix } from "node:path";
import { InvalidArgumentError } from "../../errors.js";
import type { Instruction } from "../../build/dockerfile/instructions.js";
import { type BuildContext, type FileDigestCache, cleanPath, resolveCopySource } from "../../build/context/index.js";
import type { ProgressSink } from "../progress.js";
import { archiveKind, extractArchive } from "./copy-archive.js";
import { download, isGitSource, isUrlSource, parseChecksum, refuseGit } from "./copy-download.js";
import { type ModeChange, parseChmod } from "./copy-mode.js";
import { resolveChown } from "./copy-owner.js";
import { Excludes, type PlannedSource, contextSource, downloadSource, heredocSource, rootfsSources } from "./copy-sources.js";
import { RootfsWriter } from "./copy-write.js";

export interface CopyStep {
  /** The instruction with its arguments already expanded (expandInstruction). */
  readonly instruction: Extract<Instruction, { kind: "COPY" | "ADD" }>;
  /** The stage's WORKDIR ("/" when unset): a relative destination is below it. */
  readonly workingDir: string;
  /** Where sources come from: the build context, or another stage's / image's rootfs (COPY --from), mounted read-only at `rootfs`. */
  readonly from: { kind: "context"; context: BuildContext } | { kind: "rootfs"; rootfs: string; imageId: string };
  readonly digests: FileDigestCache;
  readonly signal?: AbortSignal;
  /** Download progress of ADD <url> (Docker's "Downloading" JSON progress). */
  readonly progress?: ProgressSink;
  /** A private directory for downloads and staging (removed by the caller). */
  readonly workDir: string;
}

export interface PlannedCopy {
  /**
   * sha256 hex over what the step copies (content, names, modes, owners, link targets, never
   * mtimes), plus the flags and the destination: the cache key's content part. For a --from
   * rootfs source, the image ID and the source paths.
   */
  readonly cacheKey: string;
  /** The classic builder's CREATED BY text: "/bin/sh -c #(nop) COPY file:<64hex> in /dest ". */
  readonly createdBy: string;
}

interface Destination {
  /** Absolute, normalized, no trailing slash but the root's. */
  readonly path: string;
  /** A "/" at the end (or "/.", "."), or the root: the copy goes inside it. */
  readonly isDirectory: boolean;
}

interface Plan {
  readonly dest: Destination;
  /** Each source with the path --parents keeps below the destination. */
  readonly sources: readonly { readonly source: PlannedSource; readonly kept: string }[];
  readonly chmod: ModeChange | undefined;
}

const plans = new WeakMap<PlannedCopy, Plan>();

/**
 * Everything knowable before the step's container exists: resolves sources (errors for missing
 * sources in the classic builder's words), downloads ADD URLs (checking --checksum).
 */
export async function planCopy(step: CopyStep): Promise<PlannedCopy> {
  const instr = step.instruction;
  const isAdd = instr.kind === "ADD";
  const parents = instr.kind === "COPY" && instr.parents;
  const chmod = parseChmod(instr.chmod);
  const excludes = new Excludes(instr.excludes);
  const checksum = isAdd ? parseChecksum(instr.checksum) : undefined;
  if (isAdd && instr.keepGitDir !== undefined) refuseGit("--keep-git-dir");
  const dest = destination(instr.dest, step.workingDir, parents);
  const needsDirectory = () =>
    new InvalidArgumentError(
      `When using ${instr.kind} with more than one source file, the destination must be a directory and end with a /`,
    );
  if (instr.sources.length + instr.contents.length > 1 && !dest.isDirectory) throw needsDirectory();
  if (checksum && (instr.sources.length !== 1 || !isUrlSource(instr.sources[0]!) || instr.contents.length > 0))
    throw new InvalidArgumentError("checksum can't be specified for non-HTTP(S) sources");

  const sources: { source: PlannedSource; kept: string }[] = [];
  for (const arg of instr.sources) {
    if (isAdd && isGitSource(arg)) refuseGit(arg);
    if (isUrlSource(arg)) {
      if (!isAdd) throw new InvalidArgumentError("source can't be a URL for COPY");
      await fs.promises.mkdir(step.workDir, { recursive: true });
      const into = await fs.promises.mkdtemp(`${step.workDir}/add-url-`);
      const fetched = await download(arg, `${into}/download`, {
        checksum,
        signal: step.signal,
        progress: step.progress,
      });
      const source = downloadSource(fetched);
      sources.push({ source, kept: source.path });
      continue;
    }
    const pivot = parentsPivot(arg);
    const from = step.from;
    const found =
      from.kind === "context"
        ? (
            await Promise.all(
              (await resolveCopySource(from.context, arg)).map((s) => contextSource(from.context, s, excludes, step.digests)),
            )
          ).filter((s) => s !== undefined)
        : await rootfsSources(from.rootfs, from.imageId, arg, excludes);
    if (found.length > 1 && !dest.isDirectory) throw needsDirectory();
    for (const source of found) sources.push({ source, kept: keptBelow(source.path, pivot) });
  }
  for (const doc of instr.contents) sources.push({ source: heredocSource(doc.path, doc.data), kept: doc.path });

  const hash = createHash("sha256");
  const line = (value: unknown) => hash.update(`${JSON.stringify(value)}\n`);
  line(["berth.copy.v1", instr.kind]);
  line(["dest", dest.path, dest.isDirectory]);
  line([
    "flags",
    instr.chown,
    instr.chmod,
    instr.link,
    parents,
    instr.excludes,
    instr.kind === "ADD" ? [instr.checksum, instr.unpack ?? null] : null,
  ]);
  line(["from", step.from.kind === "rootfs" ? step.from.imageId : "context"]);
  for (const { source, kept } of sources) line([source.kind, source.path, kept, source.hash]);

  const planned: PlannedCopy = { cacheKey: hash.digest("hex"), createdBy: createdBy(instr.kind, instr.chown, instr.dest, sources) };
  plans.set(planned, { dest, sources, chmod });
  return planned;
}

/**
 * Writes the files into `rootfs` (the step's mounted, writable rootfs): every path in the rootfs
 * is resolved with chroot semantics, so a symlink in the image never makes a write land outside it.
 */
export async function applyCopy(step: CopyStep, planned: PlannedCopy, rootfs: string): Promise<void> {
  const plan = plans.get(planned) ?? plans.get(await planCopy(step))!;
  const instr = step.instruction;
  const owner = resolveChown(rootfs, instr.chown);
  const writer = new RootfsWriter(rootfs, { owner, chmod: plan.chmod, signal: step.signal });
  const parents = instr.kind === "COPY" && instr.parents;
  const { dest } = plan;
  for (const { source, kept } of plan.sources) {
    step.signal?.throwIfAborted();
    const compression = instr.kind === "ADD" ? await extraction(source, instr.unpack) : undefined;
    if (compression) {
      const at = writer.ensureDirectory(dest.path);
      // Modes stay the archive's: BuildKit's unpack applies --chown, not --chmod.
      await extractArchive(source.host!, compression, at, dest.path, instr.chown ? owner : undefined, step.signal);
      continue;
    }
    if (source.isDirectory) {
      const into = parents ? posix.join(dest.path, kept) : dest.path;
      for await (const entry of source.entries()) await writer.write(posix.join(into, entry.below), entry, entry.below !== "");
      continue;
    }
    let target = dest.path;
    if (dest.isDirectory || writer.isDirectory(dest.path)) {
      const name = parents ? kept : source.name;
      if (!name)
        throw new InvalidArgumentError(
          `cannot determine a file name for ${source.kind === "url" ? "the URL" : source.path}: name the destination file`,
        );
      target = posix.join(dest.path, name);
    }
    for await (const entry of source.entries()) await writer.write(target, entry, true);
  }
  writer.finish();
}

/** ADD extracts a local tar unless --unpack=false, and a URL's only with --unpack=true: its compression when it does. */
async function extraction(source: PlannedSource, unpack: boolean | undefined): ReturnType<typeof archiveKind> {
  if (source.isDirectory || !source.host || unpack === false || source.kind === "heredoc") return undefined;
  if (source.kind === "url" && unpack !== true) return undefined;
  return archiveKind(source.host);
}

function destination(raw: string, workingDir: string, parents: boolean): Destination {
  if (raw === "") throw new InvalidArgumentError("destination can't be empty");
  const absolute = raw.startsWith("/") ? raw : posix.join(workingDir || "/", raw);
  const path = cleanPath(absolute);
  const isDirectory = parents || path === "/" || /\/\.?$/.test(raw) || raw === "." || raw === "..";
  return { path, isDirectory };
}

/**
 * --parents keeps the source's path from the context (or rootfs) root, or from a "/./" pivot in
 * the argument ("src/./app/*.js" keeps "app/x.js"). The pivot's prefix, cleaned, or "".
 */
function parentsPivot(arg: string): string {
  const at = arg.indexOf("/./");
  if (at < 0) return "";
  return cleanPath(`/${arg.slice(0, at)}`).slice(1);
}

function keptBelow(path: string, pivot: string): string {
  if (pivot === "") return path;
  return path === pivot ? "" : path.startsWith(`${pivot}/`) ? path.slice(pivot.length + 1) : path;
}

/**
 * moby's commentStr: "<CMD> <--chown=x><hash> in <dest> ", the chown glued to the hash and a
 * space at the end; one source's hash as it is, several as "multi:" + sha256 of their hashes
 * joined by ",".
 */
function createdBy(kind: string, chown: string, dest: string, sources: readonly { source: PlannedSource }[]): string {
  const hashes = sources.map((s) => s.source.hash);
  const hash = hashes.length === 1 ? hashes[0]! : `multi:${createHash("sha256").update(hashes.join(",")).digest("hex")}`;
  const chownComment = chown ? `--chown=${chown}` : "";
  return `/bin/sh -c #(nop) ${kind} ${chownComment}${hash} in ${dest} `;
}
