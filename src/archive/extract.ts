// Unpacks a layer tar into a fresh directory in overlay's on-disk form: OCI whiteouts become
// character devices 0/0 and opaque markers become trusted.overlay.opaque. Hostile archives are
// rejected (moby's policy): names that climb out, links that leave the layer, writes through a
// symlink, duplicates. `dest` must be a private, empty directory that nothing else writes while
// this runs, which is what makes lstat-based path checks free of races here. For cp (`copy`), it
// is a directory of a container or of the host instead, and each file replaces the one it lands
// on only once it is whole.
import * as fs from "node:fs";
import { posix } from "node:path";
import { Readable } from "node:stream";
import { randomBytes } from "node:crypto";
import { InvalidArgumentError, SystemError, errorAt } from "../errors.js";
import { S_IFBLK, S_IFCHR, S_IFIFO, lsetxattr, mknod } from "../sys/linux.js";
import { readTarEntries, type TarEntryHeader } from "./read-tar.js";
import { pathBoundsProblem } from "./path-bounds.js";
import type { TarBody } from "./tar-reader.js";

export interface ExtractResult {
  /** Bytes of regular files plus symlink targets: Docker's layer "size". */
  size: number;
  entries: number;
}

export interface ExtractOptions {
  signal?: AbortSignal;
  /**
   * docker cp: `dest` is an existing directory (of a stopped or paused container, or the host);
   * entries replace what is there (files are unlinked first, never written through), whiteout names
   * are ordinary names, and `owner` (when given) replaces the archive's uid and gid.
   */
  copy?: CopyOptions;
}

export interface CopyOptions {
  owner?: { uid: number; gid: number };
  /** `dest` as the user names it (a path inside the container, or on the host), for messages. */
  at?: string;
  /**
   * Mount points below `dest` (a container's volumes and binds): entries that land in one are
   * written to its host directory, and into a read-only one not at all (EROFS, as the kernel
   * would refuse them under the mount).
   */
  mounts?: readonly CopyMount[];
}

/** A mount point below a cp destination: `name` relative to it, `host` the mount's source. */
export interface CopyMount {
  name: string;
  host: string;
  readOnly: boolean;
}

export class InvalidLayerError extends InvalidArgumentError {}

/** A tar entry's body as the reader gives it, or the bytes of a file being packed. */
type EntryBody = Readable | Iterable<Buffer> | AsyncIterable<Buffer>;

const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";
const AUFS_META = ".wh..wh.";
/** Xattrs that would let a layer forge overlay metadata for the mount above it. */
const FORBIDDEN_XATTR = /^(trusted|user)\.overlay\./;

export async function extractLayer(tar: Readable, dest: string, opts: ExtractOptions = {}): Promise<ExtractResult> {
  const state = new ExtractState(dest, opts.copy);
  try {
    await readTarEntries(tar, (header, body) => state.apply(header, body), opts.signal ? { signal: opts.signal } : {});
    state.finish();
    return { size: state.size, entries: state.entries };
  } catch (err) {
    throw asLayerError(err);
  }
}

/**
 * extractLayer for entries that are already parsed (a tree being packed, whose tar is written
 * beside): the same checks, the same directory as extracting their tar would make, without
 * encoding and parsing the bytes in between. `dest` as for extractLayer; call finish() once.
 */
export class LayerWriter {
  private readonly state: ExtractState;

  constructor(dest: string) {
    this.state = new ExtractState(dest, undefined);
  }

  /** One entry; a file's body is read to its end. */
  async add(header: TarEntryHeader, body: Iterable<Buffer> | AsyncIterable<Buffer>): Promise<void> {
    try {
      await this.state.apply(header, body);
    } catch (err) {
      throw asLayerError(err);
    }
  }

  finish(): ExtractResult {
    this.state.finish();
    return { size: this.state.size, entries: this.state.entries };
  }
}

function asLayerError(err: unknown): Error {
  if (err instanceof InvalidArgumentError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/Unexpected end of data|Invalid tar header|Invalid header|not a tar|checksum/i.test(message)) {
    return new InvalidLayerError(`invalid tar archive: ${message}`, { cause: err });
  }
  // A source that ends or fails mid-entry surfaces as a destroyed or prematurely closed stream.
  if (/Stream was destroyed|Premature close/.test(message)) {
    return new InvalidLayerError("invalid tar archive: unexpected end of data", { cause: err });
  }
  return err instanceof Error ? err : new SystemError(message);
}

class ExtractState {
  size = 0;
  entries = 0;
  /** Relative paths known to be real directories made by this extraction. */
  private readonly dirs = new Set<string>([""]);
  /** Every path an entry named: a second entry for one is an error. */
  private readonly seen = new Set<string>();
  /** Each directory's mtime, applied at the end; a later entry for the same directory replaces it. */
  private readonly dirTimes = new Map<string, number>();
  /** Innermost first, so that the first match is the mount an entry really lands in. */
  private readonly mounts: readonly CopyMount[];

  constructor(
    private readonly dest: string,
    private readonly copy: ExtractOptions["copy"],
  ) {
    this.mounts = [...(copy?.mounts ?? [])].sort((a, b) => b.name.length - a.name.length);
  }

  private mountOf(name: string): CopyMount | undefined {
    return this.mounts.find((m) => name === m.name || name.startsWith(`${m.name}/`));
  }

  /** Where entry `name` lives on the host: below `dest`, or in the mount it falls in. */
  private hostOf(name: string): string {
    if (name === "") return this.dest;
    const mount = this.mountOf(name);
    if (!mount) return `${this.dest}/${name}`;
    return `${mount.host}${name.slice(mount.name.length)}`;
  }

  /** `name` as the user sees it, for messages: under `at` (the container's or the host's path). */
  private shown(name: string): string {
    return posix.join(this.copy?.at ?? "/", name);
  }

  /**
   * Refuses a write to `name` under a read-only mount with the error the kernel gives there
   * (EROFS), worded as Go's os package words it: "<op> [<link target>] <path>: …".
   */
  private writable(op: string, name: string, linkTarget?: string): void {
    if (!this.mountOf(name)?.readOnly) return;
    throw new SystemError(`${op} ${linkTarget === undefined ? "" : `${linkTarget} `}${this.shown(name)}: read-only file system`);
  }

  async apply(header: TarEntryHeader, body: EntryBody): Promise<void> {
    this.entries++;
    const name = cleanName(header.name);

    const base = posix.basename(name);
    if (!this.copy) {
      // aufs metadata at the root (.wh..wh.plnk/, .wh..wh.aufs) and all beneath it: Docker skips it too.
      if (name.startsWith(AUFS_META) && name !== OPAQUE) return drain(body);
      refuseInsideWhiteout(name, header.name);
      if (base.startsWith(WHITEOUT)) {
        refuseMalformedWhiteout(header);
        await drain(body);
        return this.whiteout(name, base);
      }
    }
    if (this.seen.has(name) && !(header.type === "directory" && this.dirs.has(name))) {
      throw new InvalidLayerError(`invalid tar archive: duplicate entry ${JSON.stringify(header.name)}`);
    }
    this.seen.add(name);
    const abs = this.ensureParent(name, header.name);
    if (this.copy) {
      this.makeRoom(abs, name, header);
      if (this.copy.owner) Object.assign(header, { uid: this.copy.owner.uid, gid: this.copy.owner.gid });
    }
    if (header.type === "directory") {
      await drain(body);
      if (name === "") return;
      if (!this.dirs.has(name)) {
        this.writable("mkdir", name);
        exclusive(header.name, () => fs.mkdirSync(abs, { mode: 0o700 }));
        this.dirs.add(name);
      }
      this.setMetadata(name, abs, header);
      return;
    }
    // A layer is made in a private, empty directory whose failure discards it all. cp writes among
    // the container's files: each entry is made whole under a temporary name beside its place and
    // renamed over what is there, so a copy that fails (a full disk, a cut stream) leaves the old
    // file as it was.
    const at = this.copy ? temporaryBeside(abs) : abs;
    try {
      await this.make(name, at, header, body);
    } catch (err) {
      if (at !== abs) removeIfThere(at);
      throw err;
    }
    if (at !== abs) replaceWith(at, abs);
  }

  /** Makes a non-directory entry at `at` (its place, or a temporary name beside it), with its metadata. */
  private async make(name: string, at: string, header: TarEntryHeader, body: EntryBody): Promise<void> {
    switch (header.type) {
      case "file":
      case "contiguous-file":
        await this.writeFile(name, at, header, body);
        return;
      case "symlink":
        await drain(body);
        this.writable("symlink", name, header.linkname ?? "");
        exclusive(header.name, () => fs.symlinkSync(header.linkname ?? "", at));
        // Docker's layer size counts a symlink's own bytes (its target's length), as du's apparent size does.
        this.size += Buffer.byteLength(header.linkname ?? "");
        break;
      case "link":
        await drain(body);
        this.hardlink(name, at, header);
        return;
      case "character-device":
      case "block-device":
      case "fifo": {
        await drain(body);
        const kind = header.type === "fifo" ? S_IFIFO : header.type === "block-device" ? S_IFBLK : S_IFCHR;
        this.writable("mknod", name);
        exclusive(header.name, () => mknod(at, kind | ((header.mode ?? 0o600) & 0o7777), header.devmajor ?? 0, header.devminor ?? 0));
        break;
      }
      default:
        await drain(body);
        throw new InvalidLayerError(
          `invalid tar archive: unsupported entry type ${String(header.type)} for ${JSON.stringify(header.name)}`,
        );
    }
    this.setMetadata(name, at, header);
  }

  /**
   * docker cp over existing files: a non-directory in the way is replaced by a rename, never
   * written through (nor through a symlink the container planted); an existing directory takes a
   * directory entry. The refusals are the ones dockerd gives, which unlinks first.
   */
  private makeRoom(abs: string, name: string, header: TarEntryHeader): void {
    if (name === "") return;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(abs);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      if (header.type !== "directory") {
        throw new InvalidLayerError(
          `cannot overwrite directory ${JSON.stringify(this.shown(name))} with non-directory ${JSON.stringify(this.shown(""))}`,
        );
      }
      this.dirs.add(name);
      return;
    }
    if (header.type === "directory") {
      throw new InvalidLayerError(
        `cannot overwrite non-directory ${JSON.stringify(this.shown(name))} with directory ${JSON.stringify(this.shown(""))}`,
      );
    }
    // A file bind-mounted there is a mount point: the kernel will not unlink it.
    if (this.mounts.some((m) => m.name === name)) throw new SystemError(`unlinkat ${this.shown(name)}: device or resource busy`);
    this.writable("unlinkat", name);
  }

  /**
   * Directory times last, once nothing more is created in them (a child written after its
   * directory's entry would change the directory's mtime). Setting a time changes no parent's.
   */
  finish(): void {
    for (const [abs, mtime] of this.dirTimes) fs.utimesSync(abs, mtime, mtime);
  }

  /** O_EXCL refuses an existing path (and so a symlink planted there); metadata goes through the fd. */
  private async writeFile(name: string, abs: string, header: TarEntryHeader, body: EntryBody): Promise<void> {
    this.writable("open", name);
    const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
    const fd = exclusive(header.name, () => fs.openSync(abs, flags, 0o600));
    try {
      await this.fillFile(fd, abs, header, body);
    } catch (err) {
      // Node names no file for a failed write on a descriptor: the entry's own path says which.
      throw errorAt(err, this.copy ? this.shown(name) : abs);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The entry's bytes, then its owner, mode, xattrs and time. */
  private async fillFile(fd: number, abs: string, header: TarEntryHeader, body: EntryBody): Promise<void> {
    const whole = body instanceof Readable ? (body as TarBody).bytes : undefined;
    for await (const chunk of whole ? [whole] : (body as AsyncIterable<Buffer> | Iterable<Buffer>)) {
      for (let off = 0; off < chunk.length;) off += fs.writeSync(fd, chunk, off);
      this.size += chunk.length;
    }
    fs.fchownSync(fd, header.uid ?? 0, header.gid ?? 0);
    // chmod after chown, xattrs last: chown clears setuid, setgid and file capabilities.
    fs.fchmodSync(fd, (header.mode ?? 0o644) & 0o7777);
    this.setXattrs(abs, header);
    const mtime = header.mtime.getTime() / 1000;
    fs.futimesSync(fd, mtime, mtime);
  }

  private hardlink(name: string, abs: string, header: TarEntryHeader): void {
    const target = cleanName(header.linkname ?? "", "link target");
    if (!this.seen.has(target) || this.dirs.has(target)) {
      throw new InvalidLayerError(
        `invalid tar archive: hard link ${JSON.stringify(header.name)} points to ${JSON.stringify(header.linkname)}, which is not a file of this layer`,
      );
    }
    this.writable("link", name, this.shown(target));
    exclusive(header.name, () => fs.linkSync(this.hostOf(target), abs));
  }

  private whiteout(name: string, base: string): void {
    const dir = posix.dirname(name) === "." ? "" : posix.dirname(name);
    this.ensureParent(dir === "" ? base : `${dir}/${base}`, name);
    if (base === OPAQUE) {
      lsetxattr(this.hostOf(dir), "trusted.overlay.opaque", Buffer.from("y"));
      return;
    }
    if (base.startsWith(AUFS_META)) return; // aufs metadata (.wh..wh.plnk): Docker skips it too
    const target = base.slice(WHITEOUT.length);
    if (!target || target === "." || target === "..") {
      throw new InvalidLayerError(`invalid tar archive: invalid whiteout ${JSON.stringify(name)}`);
    }
    const rel = dir ? `${dir}/${target}` : target;
    if (this.seen.has(rel))
      throw new InvalidLayerError(`invalid tar archive: whiteout ${JSON.stringify(name)} deletes an entry of the same layer`);
    this.seen.add(rel);
    exclusive(name, () => mknod(this.hostOf(rel), S_IFCHR | 0o000, 0, 0));
  }

  /**
   * Makes the parent directories of `name` and returns its absolute path. A component that is a
   * symlink stops the extraction: following it could write anywhere on the host.
   */
  private ensureParent(name: string, original: string): string {
    const parts = name.split("/");
    let rel = "";
    for (let i = 0; i < parts.length - 1; i++) {
      rel = rel ? `${rel}/${parts[i]}` : parts[i]!;
      if (this.dirs.has(rel)) continue;
      const abs = this.hostOf(rel);
      let st: fs.Stats | undefined;
      try {
        st = fs.lstatSync(abs);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
      if (!st) {
        this.writable("mkdir", rel);
        fs.mkdirSync(abs, { mode: 0o755 });
      } else if (st.isSymbolicLink()) {
        throw new InvalidLayerError(
          `invalid tar archive: ${JSON.stringify(original)} would be written through the symlink ${JSON.stringify(rel)}`,
        );
      } else if (!st.isDirectory()) {
        throw new InvalidLayerError(`invalid tar archive: ${JSON.stringify(original)}: ${JSON.stringify(rel)} is not a directory`);
      }
      this.dirs.add(rel);
    }
    return this.hostOf(name);
  }

  private setXattrs(abs: string, header: TarEntryHeader): void {
    for (const [attr, value] of header.xattrs) {
      if (FORBIDDEN_XATTR.test(attr)) continue;
      lsetxattr(abs, attr, value);
    }
  }

  private setMetadata(name: string, abs: string, header: TarEntryHeader): void {
    this.writable("lchown", name);
    fs.lchownSync(abs, header.uid ?? 0, header.gid ?? 0);
    this.setXattrs(abs, header);
    const mtime = header.mtime.getTime() / 1000;
    if (header.type === "symlink") {
      fs.lutimesSync(abs, mtime, mtime);
      return;
    }
    // chmod after chown: chown clears setuid and setgid bits.
    fs.chmodSync(abs, (header.mode ?? 0o644) & 0o7777);
    if (header.type === "directory") this.dirTimes.set(abs, mtime);
    else fs.utimesSync(abs, mtime, mtime);
  }
}

/**
 * A whiteout says only "the name is gone": an empty regular file, or a hard link to another
 * whiteout (aufs hard-links its whiteouts together, and Docker's tar writer keeps such links).
 * A whiteout name on a directory, a symlink, a device or a file with content is a layer that says
 * two things at once; most often it is a user's own file from a flattened export, whose content
 * would be silently dropped. Refused, so that nothing is lost without a word.
 */
function refuseMalformedWhiteout(header: TarEntryHeader): void {
  const file = header.type === "file" || header.type === "contiguous-file";
  if (file && header.size === 0) return;
  if (header.type === "link" && posix.basename(header.linkname ?? "").startsWith(WHITEOUT)) return;
  const what = file
    ? `a file with ${header.size} bytes of content`
    : header.type === "link"
      ? `a hard link to ${JSON.stringify(header.linkname)}`
      : `a ${header.type}`;
  throw new InvalidLayerError(
    `invalid tar archive: ${JSON.stringify(header.name)} has a whiteout name (.wh. prefix) but is ${what}; a whiteout must be an empty file`,
  );
}

/** Nothing can live inside a whiteout: a name below one is a user's directory that a layer cannot hold. */
function refuseInsideWhiteout(name: string, original: string): void {
  const dirs = name.split("/").slice(0, -1);
  if (dirs.some((part) => part.startsWith(WHITEOUT))) {
    throw new InvalidLayerError(
      `invalid tar archive: ${JSON.stringify(original)} lies inside a directory with a whiteout name (.wh. prefix)`,
    );
  }
}

/**
 * A fresh name in the directory of `path`, so that a rename from it is atomic: a fixed length
 * whatever the entry's name (which may be as long as a name can be), and unguessable to what
 * runs in the container.
 */
function temporaryBeside(path: string): string {
  return `${posix.dirname(path)}/.berth-cp-${randomBytes(8).toString("hex")}`;
}

/** The entry, whole, takes its place: the rename replaces a non-directory there, never following it. */
function replaceWith(temporary: string, path: string): void {
  fs.renameSync(temporary, path);
  // rename() does nothing when both names are links to one file: the temporary name must still go.
  removeIfThere(temporary);
}

function removeIfThere(path: string): void {
  try {
    fs.unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

/** Runs a create call that must not find its path taken; EEXIST becomes a clear archive error. */
function exclusive<T>(original: string, create: () => T): T {
  try {
    return create();
  } catch (err) {
    if ((err as { code?: string }).code === "EEXIST") {
      throw new InvalidLayerError(`invalid tar archive: ${JSON.stringify(original)} conflicts with an earlier entry`);
    }
    throw err;
  }
}

/**
 * Absolute names count from the layer's root; a name that climbs above it, or is longer or deeper
 * than a layer may hold (path-bounds.ts), is refused before anything is made for it.
 */
export function cleanName(raw: string, what = "entry"): string {
  if (raw.includes("\0")) throw new InvalidLayerError(`invalid tar archive: ${what} name contains a NUL byte`);
  if (raw.includes("\ufffd")) throw new InvalidLayerError(`invalid tar archive: ${what} name ${JSON.stringify(raw)} is not valid UTF-8`);
  const trimmed = raw.replace(/^\/+/, "");
  const clean = posix.normalize(trimmed === "" ? "." : trimmed).replace(/\/+$/, "");
  if (clean === "." || clean === "") return "";
  if (clean === ".." || clean.startsWith("../")) {
    throw new InvalidLayerError(`invalid tar archive: ${what} ${JSON.stringify(raw)} climbs out of the layer`);
  }
  const tooBig = pathBoundsProblem(clean);
  if (tooBig) throw new InvalidLayerError(`invalid tar archive: ${what} ${tooBig}`);
  return clean;
}

async function drain(body: EntryBody): Promise<void> {
  if (!(body instanceof Readable)) {
    for await (const chunk of body) void chunk;
    return;
  }
  body.resume();
  if (body.readableEnded) return;
  await new Promise<void>((resolve, reject) => {
    body.once("end", resolve);
    body.once("error", reject);
  });
}
