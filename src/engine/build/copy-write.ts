// Writes a copy's entries into a step's rootfs. Every path is an image path resolved as after
// chroot(rootfs): a directory on the way that is a symlink is followed inside the rootfs, so a
// link to /etc in the image leads to the rootfs's /etc, never the host's. A non-directory takes
// its place by unlinking what is there and creating itself with O_EXCL|O_NOFOLLOW: a symlink in
// the way is replaced, never written through. Nothing else writes the rootfs meanwhile (the
// step's container is not running), which is what makes lstat-based checks sound here.
import * as fs from "node:fs";
import { posix } from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { InvalidArgumentError, errorAt } from "../../errors.js";
import { S_IFBLK, S_IFCHR, S_IFIFO, majorMinor, mknod } from "../../sys/linux.js";
import { resolveInRoot } from "../../runtime/resolve-in-root.js";
import type { ModeChange } from "./copy-mode.js";
import type { Owner } from "./copy-owner.js";
import type { SourceEntry } from "./copy-sources.js";

const open = promisify(fs.open);

export interface WriteOptions {
  /** Who owns every entry written and every directory made on the way. */
  readonly owner: Owner;
  readonly chmod?: ModeChange | undefined;
  readonly signal?: AbortSignal | undefined;
}

export class RootfsWriter {
  private readonly root: string;
  /** Image path → host path of directories known to be real directories (made or resolved). */
  private readonly dirs = new Map<string, string>();
  /** Directories whose times are set last: writing inside them changes them. */
  private readonly dirTimes: { host: string; mtime: number }[] = [];

  constructor(
    rootfs: string,
    private readonly opts: WriteOptions,
  ) {
    this.root = resolveInRoot(rootfs, "/");
    this.dirs.set("/", this.root);
  }

  /** Where `imagePath` is on the host, following symlinks inside the rootfs; it may not exist. */
  resolve(imagePath: string): string {
    return resolveInRoot(this.root, imagePath);
  }

  /** Whether `imagePath` is (or leads, through symlinks in the rootfs, to) a directory. */
  isDirectory(imagePath: string): boolean {
    return statOrUndefined(this.resolve(imagePath))?.isDirectory() ?? false;
  }

  /**
   * Makes `imagePath` and its missing parents as directories 0755 owned by the copy's owner (BUILD-API
   * §9: a parent made by `COPY --chown` is the owner's), and returns its host path. A directory that
   * exists, or a symlink leading to one, is used as it is. `made` is told whether the last was made.
   */
  ensureDirectory(imagePath: string, made?: (created: boolean) => void): string {
    const path = posix.normalize(`/${imagePath}`).replace(/\/+$/, "") || "/";
    const known = this.dirs.get(path);
    if (known) {
      made?.(false);
      return known;
    }
    const parent = this.ensureDirectory(posix.dirname(path));
    const host = `${parent}/${posix.basename(path)}`;
    const st = lstatOrUndefined(host);
    let resolved = host;
    if (!st) {
      fs.mkdirSync(host, { mode: 0o755 });
      fs.lchownSync(host, this.opts.owner.uid, this.opts.owner.gid);
      fs.chmodSync(host, 0o755);
      made?.(true);
    } else {
      if (st.isSymbolicLink()) {
        // Followed inside the rootfs; a link to a missing directory makes it there, as mkdir -p would.
        resolved = resolveInRoot(this.root, host.slice(this.root.length));
        const target = statOrUndefined(resolved);
        if (!target) resolved = this.ensureDirectory(resolved.slice(this.root.length), made);
        else if (!target.isDirectory()) throw notADirectory(path);
        else made?.(false);
      } else if (!st.isDirectory()) throw notADirectory(path);
      else made?.(false);
    }
    this.dirs.set(path, resolved);
    return resolved;
  }

  /**
   * Writes one entry at `imagePath`. A directory merges with one that is there; `ownMetadata`
   * says whether it takes the source directory's mode and time when it already existed (entries
   * below a copied directory do, the destination of a directory's contents does not).
   */
  async write(imagePath: string, entry: SourceEntry, ownMetadata: boolean): Promise<void> {
    this.opts.signal?.throwIfAborted();
    const path = posix.normalize(`/${imagePath}`);
    if (entry.type === "dir") {
      let created = false;
      const host = this.ensureDirectory(path, (c) => (created = c));
      if (created || ownMetadata) this.setMetadata(host, entry);
      return;
    }
    if (path === "/") throw new InvalidArgumentError(`cannot copy a ${describeType(entry)} to /`);
    const parent = this.ensureDirectory(posix.dirname(path));
    const host = `${parent}/${posix.basename(path)}`;
    const there = lstatOrUndefined(host);
    if (there?.isDirectory()) throw new InvalidArgumentError(`cannot overwrite directory ${path} with non-directory`);
    if (there) fs.unlinkSync(host);
    switch (entry.type) {
      case "file":
        await this.writeFile(host, entry);
        break;
      case "symlink":
        fs.symlinkSync(await fs.promises.readlink(entry.host!), host);
        break;
      case "socket":
        return; // a socket is an endpoint of a running program: there is nothing to copy, as tar skips it
      default: {
        const kind = entry.type === "fifo" ? S_IFIFO : entry.type === "block" ? S_IFBLK : S_IFCHR;
        const { major, minor } = majorMinor(entry.rdev ?? 0);
        mknod(host, kind | 0o600, major, minor);
      }
    }
    this.setMetadata(host, entry);
  }

  private async writeFile(host: string, entry: SourceEntry): Promise<void> {
    const fd = await open(host, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
    const out = fs.createWriteStream("", { fd });
    try {
      if (entry.data) {
        await pipeline([entry.data], out, this.opts.signal ? { signal: this.opts.signal } : {});
        return;
      }
      const src = await open(entry.host!, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      await pipeline(fs.createReadStream("", { fd: src }), out, this.opts.signal ? { signal: this.opts.signal } : {});
    } catch (err) {
      out.destroy();
      throw errorAt(err, host);
    }
  }

  private setMetadata(host: string, entry: SourceEntry): void {
    const { uid, gid } = this.opts.owner;
    fs.lchownSync(host, uid, gid);
    if (entry.type === "symlink") {
      fs.lutimesSync(host, entry.mtime, entry.mtime);
      return;
    }
    // After the chown, which clears setuid and setgid.
    const isDirectory = entry.type === "dir";
    fs.chmodSync(host, this.opts.chmod ? this.opts.chmod(entry.mode, isDirectory) : entry.mode);
    if (isDirectory) this.dirTimes.push({ host, mtime: entry.mtime });
    else fs.utimesSync(host, entry.mtime, entry.mtime);
  }

  /** Sets the copied directories' times, innermost last written first, once nothing more is written in them. */
  finish(): void {
    for (const { host, mtime } of this.dirTimes.reverse()) fs.utimesSync(host, mtime, mtime);
    this.dirTimes.length = 0;
  }
}

function describeType(entry: SourceEntry): string {
  return entry.type === "file" ? "file" : entry.type;
}

function notADirectory(path: string): InvalidArgumentError {
  return new InvalidArgumentError(`mkdir ${path}: not a directory`);
}

function lstatOrUndefined(host: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(host);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

function statOrUndefined(host: string): fs.Stats | undefined {
  try {
    return fs.statSync(host);
  } catch {
    return undefined;
  }
}
