// Removes a directory tree that berth owns (work dirs, layer dirs, container dirs, volumes), at
// any depth and any size. Node's recursive rm recurses on the JS stack and hands the kernel whole
// paths, so a tree a few thousand levels deep (a hostile layer, or a container's process running
// `mkdir d; cd d` in a loop) overflows the stack or hits ENAMETOOLONG. This walk keeps its own
// stack on the heap and never names a path longer than SHALLOW_BYTES (see below).
import * as fs from "node:fs";
import { SystemError } from "../errors.js";
import { clearImmutable } from "./linux.js";
import { mountsBelow } from "./mount.js";

/**
 * No path handed to the kernel is longer than this plus one name. Linux refuses paths of PATH_MAX
 * (4096) bytes or more; a name is at most NAME_MAX (255) bytes, so 3,500 + 1 + 255 stays below it.
 * A directory found deeper than this is first renamed to the top of the tree (a short path), and
 * the walk continues from there: a rename within one filesystem moves the whole subtree at once.
 */
const SHALLOW_BYTES = 3500;
/**
 * The same, counted in levels: the kernel resolves every component of every path it is given, so
 * a walk that named paths thousands of levels deep would cost depth² lookups.
 */
const SHALLOW_LEVELS = 64;
/** A directory that keeps refilling (a process still writing into it) is given up after this. */
const MAX_RELISTS = 8;
const SLASH = Buffer.from("/");

export class RemoveTreeError extends SystemError {
  constructor(
    readonly path: string,
    readonly failures: readonly string[],
  ) {
    super(`cannot remove ${path}: ${failures[0] ?? "unknown error"}${failures.length > 1 ? ` (and ${failures.length - 1} more)` : ""}`);
  }
}

interface Pending {
  readonly path: Buffer;
  readonly parent: Pending | undefined;
  /** Levels below the top, or below the place it was renamed to. */
  readonly depth: number;
  listed: number;
  /** Something below could not be removed: this directory cannot be either. */
  blocked: boolean;
}

/**
 * Deletes `path` and everything below it; a missing path is not an error. Never follows a symlink
 * (a symlink is unlinked, its target untouched) and never crosses into another mount: a mount point
 * inside the tree is left, with its ancestors, and reported. Directories without permissions and
 * immutable or append-only files are made removable first. Everything removable is removed even when
 * something is not; then RemoveTreeError lists what stayed.
 */
export function removeTree(path: string): void {
  if (path.length > 1) path = path.replace(/\/+$/, "");
  const top = Buffer.from(path);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(top);
  } catch (err) {
    if (code(err) === "ENOENT") return;
    throw new RemoveTreeError(path, [message(err)]);
  }
  const failures: string[] = [];
  if (!st.isDirectory()) {
    removeEntry(top, false, failures, { inTree: false });
    if (failures.length) throw new RemoveTreeError(path, failures);
    return;
  }
  // Most trees removed are empty work dirs: one rmdir, without reading the mount table.
  try {
    fs.rmdirSync(top);
    return;
  } catch {
    // Not empty (or not removable as it is): the walk below finds out which.
  }
  const real = realPath(path);
  const mountPoints = new Set(mountsBelow(readMountinfo(), real).map((m) => m.slice(real.length)));
  // Emptying a mounted directory would delete what the mount shows (a volume, a host directory).
  if (mountPoints.has("")) throw new RemoveTreeError(path, [`${path} is a mount point`]);
  new TreeWalk(top, st.dev, mountPoints, failures).run();
  if (failures.length) throw new RemoveTreeError(path, failures);
}

class TreeWalk {
  private moved = 0;

  constructor(
    private readonly top: Buffer,
    private readonly dev: number,
    /** Mount points below the top, as paths relative to it ("/a/b"), from mountinfo. */
    private readonly mountPoints: ReadonlySet<string>,
    private readonly failures: string[],
  ) {}

  run(): void {
    const stack: Pending[] = [{ path: this.top, parent: undefined, depth: 0, listed: 0, blocked: false }];
    while (stack.length) {
      const dir = stack[stack.length - 1]!;
      if (!dir.blocked && dir.listed === 0) {
        dir.listed++;
        this.expand(dir, stack);
        continue;
      }
      if (dir.blocked) {
        stack.pop();
        if (dir.parent) dir.parent.blocked = true;
        continue;
      }
      const outcome = this.removeDir(dir.path, dir.parent !== undefined);
      if (outcome === "refilled" && dir.listed < MAX_RELISTS) {
        dir.listed++;
        this.expand(dir, stack);
        continue;
      }
      stack.pop();
      if (outcome === "refilled") this.failures.push(`${dir.path.toString()} keeps filling up while it is removed`);
      if (outcome !== "gone" && dir.parent) dir.parent.blocked = true;
    }
  }

  /** Unlinks the non-directories of `dir` and pushes its subdirectories. */
  private expand(dir: Pending, stack: Pending[]): void {
    const entries = this.list(dir.path);
    if (!entries) {
      dir.blocked = true;
      return;
    }
    for (const entry of entries) {
      const name = entry.name as unknown as Buffer;
      const child = Buffer.concat([dir.path, SLASH, name]);
      if (!entry.isDirectory()) {
        if (!removeEntry(child, false, this.failures, { inTree: true })) dir.blocked = true;
        continue;
      }
      const where = this.descendable(child, dir.depth + 1);
      if (!where) {
        dir.blocked = true;
        continue;
      }
      stack.push({ path: where.path, parent: dir, depth: where.depth, listed: 0, blocked: false });
    }
  }

  /**
   * Where the walk continues for directory `child`: its own path when short enough, else the
   * short path it was renamed to. Undefined (and a failure noted) for a mount point.
   */
  private descendable(child: Buffer, depth: number): { path: Buffer; depth: number } | undefined {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(child);
    } catch (err) {
      if (code(err) === "ENOENT") return undefined;
      this.failures.push(message(err));
      return undefined;
    }
    const relative = child.subarray(this.top.length).toString();
    if (st.dev !== this.dev || this.mountPoints.has(relative)) {
      this.failures.push(`${child.toString()} is a mount point`);
      return undefined;
    }
    if (child.length <= SHALLOW_BYTES && depth <= SHALLOW_LEVELS) return { path: child, depth };
    for (;;) {
      const to = Buffer.concat([this.top, Buffer.from(`/.berth-remove-${process.pid}-${this.moved++}`)]);
      try {
        fs.renameSync(child, to);
        return { path: to, depth: 1 };
      } catch (err) {
        // EEXIST/ENOTEMPTY: the tree holds that name already; any other error is the real one.
        if (code(err) === "EEXIST" || code(err) === "ENOTEMPTY") continue;
        if (code(err) !== "ENOENT") this.failures.push(message(err));
        return undefined;
      }
    }
  }

  private list(dir: Buffer): fs.Dirent[] | undefined {
    const read = () => fs.readdirSync(dir, { withFileTypes: true, encoding: "buffer" }) as unknown as fs.Dirent[];
    try {
      return read();
    } catch (err) {
      if (code(err) === "ENOENT") return [];
      if (code(err) !== "EACCES" && code(err) !== "EPERM") {
        this.failures.push(message(err));
        return undefined;
      }
    }
    // A directory made unreadable (chmod 000) inside the tree: the tree is ours, so make it readable.
    try {
      fs.chmodSync(dir, 0o700);
      return read();
    } catch (err) {
      this.failures.push(message(err));
      return undefined;
    }
  }

  private removeDir(dir: Buffer, inTree: boolean): "gone" | "refilled" | "failed" {
    const failures: string[] = [];
    if (removeEntry(dir, true, failures, { inTree })) return "gone";
    if (failures[0]?.startsWith("ENOTEMPTY")) return "refilled";
    this.failures.push(...failures);
    return "failed";
  }
}

/**
 * rmdir or unlink one entry; on EPERM or EACCES makes it removable (immutable and append-only flags
 * cleared, on its directory too when that is inside the tree, which is then made writable) and
 * tries once more. False on failure, with the reason in `failures`; a missing entry counts as removed.
 */
function removeEntry(path: Buffer, isDir: boolean, failures: string[], opts: { inTree: boolean }): boolean {
  const remove = () => (isDir ? fs.rmdirSync(path) : fs.unlinkSync(path));
  try {
    remove();
    return true;
  } catch (err) {
    if (code(err) === "ENOENT") return true;
    if (code(err) !== "EPERM" && code(err) !== "EACCES") {
      failures.push(message(err));
      return false;
    }
  }
  try {
    if (opts.inTree) {
      const parent = path.subarray(0, path.lastIndexOf(0x2f));
      clearImmutable(parent);
      fs.chmodSync(parent, 0o700);
    }
    clearImmutable(path);
    remove();
    return true;
  } catch (err) {
    if (code(err) === "ENOENT") return true;
    failures.push(message(err));
    return false;
  }
}

function readMountinfo(): string {
  try {
    return fs.readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return "";
  }
}

function realPath(path: string): string {
  try {
    return fs.realpathSync(path);
  } catch {
    return path;
  }
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
