// Resolves paths inside a container's root filesystem with chroot semantics, so that reading an
// image's files (/etc/passwd for `-u`, `cp`, volume initialisation) never follows a symlink out of
// the rootfs onto the host (CVE-2024-9676, CVE-2019-10152). Same contract as Go's
// securejoin.SecureJoin: path-based, so callers use it before the container runs, or pair it with
// O_NOFOLLOW as readFileInRoot does.
import * as fs from "node:fs";
import * as path from "node:path";
import { InvalidArgumentError, SystemError } from "../errors.js";

/** securejoin's limit; the kernel's own is 40, but images legitimately chain more than that. */
const MAX_SYMLINK_HOPS = 255;
/** Ample for /etc/passwd and friends; bigger files are streamed by their own readers, not read here. */
const MAX_READ_BYTES = 32 << 20;

/** ELOOP: the path loops inside the rootfs (as /etc → /etc does under chroot). */
export class SymlinkLoopError extends SystemError {}

/**
 * Returns the host path that `unsafePath` names inside `rootfs`, as the kernel would resolve it
 * after chroot(rootfs): every symlink is followed, absolute targets restart at `rootfs`, and `..`
 * never climbs above it. Components that do not exist are appended as they are, so the result may
 * name a missing file. Throws SymlinkLoopError after 255 symlinks.
 *
 *   resolveInRoot("/r", "/etc/passwd")   // /r/etc → "/usr/etc"  → "/r/usr/etc/passwd"
 *   resolveInRoot("/r", "../../x")       // → "/r/x"
 */
export function resolveInRoot(rootfs: string, unsafePath: string): string {
  const root = path.resolve(rootfs);
  const resolved: string[] = [];
  const pending = components(unsafePath).reverse(); // a stack: next component last
  let hops = 0;
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (name === ".") continue;
    if (name === "..") {
      resolved.pop(); // popping past the root is a no-op, as in a chroot
      continue;
    }
    const target = readLinkIfSymlink(path.join(root, ...resolved, name));
    if (target === undefined) {
      resolved.push(name);
      continue;
    }
    if (++hops > MAX_SYMLINK_HOPS) throw new SymlinkLoopError(`resolving ${unsafePath} in ${root}: too many levels of symbolic links`);
    if (target.startsWith("/")) resolved.length = 0; // absolute targets are relative to the rootfs
    pending.push(...components(target).reverse());
  }
  return path.join(root, ...resolved);
}

/**
 * Reads a regular file named by `unsafePath` inside `rootfs` (resolved by resolveInRoot), or
 * returns undefined when it does not exist. The open uses O_NOFOLLOW so a symlink swapped in after
 * resolution is refused (ELOOP), and O_NONBLOCK so a FIFO cannot hang the engine (libuv adds
 * O_CLOEXEC itself). Device nodes, FIFOs and files above 32 MiB are refused: an image whose
 * /etc/passwd is /dev/zero must not exhaust memory.
 */
export function readFileInRoot(rootfs: string, unsafePath: string): string | undefined {
  const hostPath = resolveInRoot(rootfs, unsafePath);
  let fd: number;
  try {
    fd = fs.openSync(hostPath, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw new SystemError(`open ${unsafePath} in container: ${errorMessage(err)}`, { cause: err });
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new InvalidArgumentError(`open ${unsafePath} in container: not a regular file`);
    if (stat.size > MAX_READ_BYTES) throw new InvalidArgumentError(`open ${unsafePath} in container: file too large (${stat.size} bytes)`);
    return readAtMost(fd, MAX_READ_BYTES).toString("utf8");
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads until EOF but never more than `limit` bytes, in case the file grows after fstat. */
function readAtMost(fd: number, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(64 << 10, limit + 1 - total));
    const n = fs.readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    total += n;
    if (total > limit) throw new InvalidArgumentError(`read from container: file larger than ${limit} bytes`);
    chunks.push(chunk.subarray(0, n));
  }
  return Buffer.concat(chunks, total);
}

/** The non-empty components of a path ("/a//b/" → ["a", "b"]). */
export function components(p: string): string[] {
  return p.split("/").filter((c) => c !== "");
}

/** The link target if `p` is a symlink; undefined if it is anything else or does not exist. */
export function readLinkIfSymlink(p: string): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(p);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw new SystemError(`lstat ${p}: ${errorMessage(err)}`, { cause: err });
  }
  return stat.isSymbolicLink() ? fs.readlinkSync(p, "utf8") : undefined;
}

/** ENOTDIR counts as missing: "a/b" where "a" is a file names nothing, as in securejoin. */
function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
