// Where a `RUN --mount=type=bind` (and a cache's from= seed) takes its files: a path of the build
// context or of another stage's or image's filesystem, looked up with chroot semantics so that
// neither "../.." nor a symlink ever reaches the host. What the container may write to is a copy:
// BuildKit throws a rw bind's writes away, and the context's own files must never change.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { NotFoundError, SystemError } from "../../errors.js";
import type { BuildContext, ContextEntry } from "../../build/context/index.js";
import { resolveInRoot } from "../../runtime/resolve-in-root.js";

const run = promisify(execFile);

/** The context entry `source` names ("" or "." = the root), following symlinks inside the context. */
export async function resolveContextSource(context: BuildContext, source: string): Promise<ContextEntry> {
  const entry = await context.resolve(source);
  if (!entry) throw new NotFoundError(`failed to compute cache key: "${path.posix.join("/", source)}": not found`);
  return entry;
}

/**
 * Whether the context's own directory can be bound as it is: only when the ignore rules hide
 * nothing (BuildKit's container sees only what the rules leave, as a COPY would).
 */
export function contextBindable(context: BuildContext): boolean {
  return context.ignore.patterns.length === 0;
}

/**
 * Copies a context entry (a file, or a directory and what the ignore rules leave below it) to
 * `dest`, which must not exist, with modes, owners and times. Symlinks are copied as links,
 * never followed; devices, FIFOs and sockets are left out (a context holds none worth reading).
 */
export async function copyContextEntry(context: BuildContext, start: ContextEntry, dest: string): Promise<void> {
  const dirs: { at: string; stat: ContextEntry["stat"] }[] = [];
  for await (const e of context.walk(start)) {
    const below = start.rel === "" ? e.rel : e.rel.slice(start.rel.length).replace(/^\//, "");
    const at = below === "" ? dest : path.join(dest, below);
    const st = e.stat;
    if (st.isDirectory()) {
      await fs.promises.mkdir(at, { mode: 0o700 });
      dirs.push({ at, stat: st });
    } else if (st.isFile()) {
      await fs.promises.copyFile(e.host, at, fs.constants.COPYFILE_FICLONE);
      await settle(at, st);
    } else if (st.isSymbolicLink()) {
      await fs.promises.symlink(await fs.promises.readlink(e.host), at);
      await fs.promises.lchown(at, Number(st.uid), Number(st.gid));
    }
  }
  // Directories last, deepest first: writing into them moved their times.
  for (const d of dirs.reverse()) await settle(d.at, d.stat);
}

async function settle(at: string, st: ContextEntry["stat"]): Promise<void> {
  await fs.promises.chown(at, Number(st.uid), Number(st.gid));
  await fs.promises.chmod(at, Number(st.mode) & 0o7777);
  await fs.promises.utimes(at, Number(st.atimeMs) / 1000, Number(st.mtimeMs) / 1000);
}

/**
 * The host path of `source` inside a mounted stage or image (`root`), resolved as the kernel would
 * after chroot(root); it must exist.
 */
export function resolveFromSource(root: string, source: string, from: string): string {
  const host = resolveInRoot(root, source === "" ? "/" : source);
  try {
    fs.lstatSync(host);
  } catch {
    throw new NotFoundError(`failed to compute cache key: "${path.posix.join("/", source)}": not found in ${from}`);
  }
  return host;
}

/** A copy of a tree (or file) of a stage or image with everything it carries: `cp -a`. */
export async function copyTree(from: string, dest: string): Promise<void> {
  const isDir = fs.lstatSync(from).isDirectory();
  try {
    if (isDir) {
      await fs.promises.mkdir(dest, { recursive: true });
      await run("cp", ["-a", "--reflink=auto", "--", `${from}/.`, `${dest}/`]);
    } else {
      await run("cp", ["-a", "--reflink=auto", "--", from, dest]);
    }
  } catch (err) {
    throw new SystemError(`copying a mount source: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`, {
      cause: err,
    });
  }
}
