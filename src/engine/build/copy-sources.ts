// What one COPY or ADD takes, whatever it comes from: the build context (resolved and walked by
// src/build/context, inside the context), another stage's or image's rootfs (COPY --from, every
// path resolved with chroot semantics), a heredoc, or a downloaded URL. Each source yields its
// entries in name order, the source itself first, with what a copy needs and what a cache key
// hashes; --exclude patterns are applied here, once for both.
import * as fs from "node:fs";
import { createHash } from "node:crypto";
import { posix } from "node:path";
import { NotFoundError, InvalidArgumentError } from "../../errors.js";
import { byBytes } from "../../build/context/build-context.js";
import {
  type BuildContext,
  type ContextEntry,
  type CopySource,
  type FileDigestCache,
  IgnoreMatcher,
  cleanPath,
  containsWildcards,
  globMatch,
} from "../../build/context/index.js";
import { resolveInRoot } from "../../runtime/resolve-in-root.js";
import type { Download } from "./copy-download.js";

export type EntryType = "file" | "dir" | "symlink" | "char" | "block" | "fifo" | "socket";

/** One thing a copy writes. */
export interface SourceEntry {
  /** Its path below the source, slash-separated; "" for the source itself. */
  readonly below: string;
  readonly type: EntryType;
  /** Permission bits (0o7777). */
  readonly mode: number;
  /** Seconds since the epoch, with the fraction. */
  readonly mtime: number;
  /** Where a file's bytes are (open with O_NOFOLLOW), or the symlink to read. */
  readonly host?: string;
  /** A heredoc's bytes. */
  readonly data?: Buffer;
  readonly rdev?: number;
}

export interface PlannedSource {
  readonly kind: "context" | "rootfs" | "heredoc" | "url";
  /**
   * The path as the Dockerfile reached it (context-relative, or rootfs-absolute without its
   * leading "/"): what --parents keeps. A heredoc's or a URL's is its name.
   */
  readonly path: string;
  /** The copy's name in a destination directory; undefined for a URL that has none. */
  readonly name: string | undefined;
  readonly isDirectory: boolean;
  /** The classic builder's source hash for CREATED BY: "file:<hex>", "dir:<hex>", or a URL's bare "<hex>". */
  readonly hash: string;
  /** A file's own host path, for ADD's archive test. */
  readonly host?: string;
  entries(): AsyncGenerator<SourceEntry>;
}

/** --exclude: moby's pattern matcher, tried on the path from the context (or rootfs) root and from the source. */
export class Excludes {
  private readonly matcher: IgnoreMatcher;
  constructor(patterns: readonly string[]) {
    this.matcher = new IgnoreMatcher(patterns);
  }
  get none(): boolean {
    return this.matcher.patterns.length === 0;
  }
  excludes(fromRoot: string, below: string): boolean {
    if (this.none) return false;
    return this.matcher.excludes(fromRoot) || (below !== "" && this.matcher.excludes(below));
  }
  /** Whether a walk must still look inside an excluded directory, for what a "!" pattern brings back. */
  reopens(fromRoot: string, below: string): boolean {
    return this.matcher.mayReincludeBelow(fromRoot) || (below !== "" && this.matcher.mayReincludeBelow(below));
  }
}

function typeOf(st: fs.Stats | fs.BigIntStats): EntryType {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "dir";
  if (st.isSymbolicLink()) return "symlink";
  if (st.isCharacterDevice()) return "char";
  if (st.isBlockDevice()) return "block";
  if (st.isFIFO()) return "fifo";
  return "socket";
}

function join(a: string, b: string): string {
  return a === "" ? b : b === "" ? a : `${a}/${b}`;
}

/** Filters a walk by --exclude; an excluded directory's subtree goes too unless a "!" pattern reopens it. */
async function* withoutExcluded<T extends { below: string }>(
  walk: AsyncIterable<T>,
  root: string,
  excludes: Excludes,
  isDirectory: (e: T) => boolean,
): AsyncGenerator<T> {
  const closed: string[] = [];
  for await (const entry of walk) {
    if (excludes.none) {
      yield entry;
      continue;
    }
    if (closed.some((dir) => entry.below.startsWith(`${dir}/`))) continue;
    const fromRoot = join(root, entry.below);
    if (!excludes.excludes(fromRoot, entry.below)) {
      yield entry;
      continue;
    }
    if (isDirectory(entry) && !excludes.reopens(fromRoot, entry.below)) closed.push(entry.below);
  }
}

// ------------------------------------------------------------------ the build context

/** A source found in the context, with its hash computed over what a copy of it would write. */
export async function contextSource(
  context: BuildContext,
  source: CopySource,
  excludes: Excludes,
  digests: FileDigestCache,
): Promise<PlannedSource | undefined> {
  const base = source.entry.rel;
  const belowOf = (entry: ContextEntry) => (entry.rel === base ? "" : entry.rel.slice(base === "" ? 0 : base.length + 1));
  const walk = async function* () {
    for await (const entry of context.walk(source.entry)) yield { below: belowOf(entry), entry };
  };
  const filtered = () => withoutExcluded(walk(), source.path, excludes, (e) => e.entry.stat.isDirectory());
  // The source itself, excluded: nothing to copy (a pattern's match that --exclude takes back).
  if (excludes.excludes(source.path, "")) return undefined;
  const hash = createHash("sha256");
  for await (const { below, entry } of filtered()) hash.update(`${JSON.stringify(await describe(below, entry, digests))}\n`);
  const isDirectory = source.entry.stat.isDirectory();
  return {
    kind: "context",
    path: source.path,
    name: posix.basename(`/${source.path}`) || undefined,
    isDirectory,
    hash: `${isDirectory ? "dir" : "file"}:${hash.digest("hex")}`,
    ...(source.entry.stat.isFile() ? { host: source.entry.host } : {}),
    async *entries() {
      for await (const { below, entry } of filtered()) {
        const st = entry.stat;
        yield {
          below,
          type: typeOf(st),
          mode: Number(st.mode & 0o7777n),
          mtime: Number(st.mtimeNs) / 1e9,
          host: entry.host,
          rdev: Number(st.rdev),
        };
      }
    },
  };
}

/** What the cache key sees of one entry: never its time. */
async function describe(below: string, entry: ContextEntry, digests: FileDigestCache): Promise<readonly (string | number)[]> {
  const st = entry.stat;
  const head = [below, typeOf(st), Number(st.mode & 0o7777n), Number(st.uid), Number(st.gid)];
  if (st.isFile()) return [...head, await digests.digest(entry)];
  if (st.isSymbolicLink()) return [...head, await fs.promises.readlink(entry.host)];
  if (st.isDirectory()) return head;
  return [...head, Number(st.rdev)];
}

// ------------------------------------------------------------------ another stage's rootfs

/**
 * The sources one COPY --from argument names in `rootfs`: cleaned against "/", each path resolved
 * as after chroot(rootfs), a pattern matched element by element; a trailing "/" wants a directory.
 */
export async function rootfsSources(rootfs: string, imageId: string, source: string, excludes: Excludes): Promise<PlannedSource[]> {
  const rel = cleanPath(`/${source}`).slice(1);
  const found: { path: string; host: string; stat: fs.Stats }[] = [];
  if (!containsWildcards(rel)) {
    const host = resolveInRoot(rootfs, rel);
    const stat = await lstatOrUndefined(host);
    if (!stat) throw new NotFoundError(`file not found in the source image: stat /${rel}: file does not exist`);
    found.push({ path: rel, host, stat });
  } else {
    const parts = rel.split("/");
    let current = [{ path: "", host: resolveInRoot(rootfs, "/") }];
    for (const [i, part] of parts.entries()) {
      const next: typeof current = [];
      for (const at of current) {
        const st = await lstatOrUndefined(at.host);
        if (!st?.isDirectory()) continue;
        const names = containsWildcards(part) ? (await fs.promises.readdir(at.host)).filter((n) => globMatch(part, n)) : [part];
        for (const name of names.sort(byBytes)) {
          const path = join(at.path, name);
          // Every element, the last too, is followed inside the rootfs, as a literal source's would be.
          const host = resolveInRoot(rootfs, path);
          if (i < parts.length - 1 || (await lstatOrUndefined(host))) next.push({ path, host });
        }
      }
      current = next;
    }
    for (const c of current) found.push({ ...c, stat: (await lstatOrUndefined(c.host))! });
  }
  if (found.length === 0) throw new NotFoundError("no source files were specified");
  if (/\/\.?$/.test(source) && found.some((f) => !f.stat.isDirectory())) throw new InvalidArgumentError(`${source}: not a directory`);
  return found
    .filter((f) => !excludes.excludes(f.path, ""))
    .map((f): PlannedSource => {
      const isDirectory = f.stat.isDirectory();
      const hex = createHash("sha256").update(`${imageId}\0/${f.path}`).digest("hex");
      return {
        kind: "rootfs",
        path: f.path,
        name: posix.basename(`/${f.path}`) || undefined,
        isDirectory,
        hash: `${isDirectory ? "dir" : "file"}:${hex}`,
        ...(f.stat.isFile() ? { host: f.host } : {}),
        entries: () => withoutExcluded(walkHost(f.host, "", f.stat), f.path, excludes, (e) => e.type === "dir"),
      };
    });
}

async function lstatOrUndefined(host: string): Promise<fs.Stats | undefined> {
  try {
    return await fs.promises.lstat(host);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw err;
  }
}

/** A rootfs tree, depth first in name order; symlinks are entries, never followed. */
async function* walkHost(host: string, below: string, stat: fs.Stats): AsyncGenerator<SourceEntry> {
  yield { below, type: typeOf(stat), mode: stat.mode & 0o7777, mtime: stat.mtimeMs / 1000, host, rdev: stat.rdev };
  if (!stat.isDirectory()) return;
  for (const name of (await fs.promises.readdir(host)).sort(byBytes)) {
    const child = `${host}/${name}`;
    const st = await lstatOrUndefined(child);
    if (st) yield* walkHost(child, join(below, name), st);
  }
}

// ------------------------------------------------------------------ heredocs and downloads

/** `COPY <<EOF /file`: a file named after its delimiter holding its body, mode 0644 as BuildKit makes it. */
export function heredocSource(name: string, data: string): PlannedSource {
  const bytes = Buffer.from(data);
  const mtime = Date.now() / 1000;
  return {
    kind: "heredoc",
    path: name,
    name,
    isDirectory: false,
    hash: `file:${createHash("sha256").update(bytes).digest("hex")}`,
    async *entries() {
      yield { below: "", type: "file", mode: 0o644, mtime, data: bytes };
    },
  };
}

/** A downloaded URL: a file of mode 0600 whose mtime is the server's Last-Modified. */
export function downloadSource(d: Download): PlannedSource {
  return {
    kind: "url",
    path: d.name ?? "",
    name: d.name,
    isDirectory: false,
    hash: d.sha256,
    host: d.host,
    async *entries() {
      yield { below: "", type: "file", mode: 0o600, mtime: d.mtime.getTime() / 1000, host: d.host };
    },
  };
}
