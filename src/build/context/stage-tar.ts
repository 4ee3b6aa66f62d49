// Unpacks an untrusted tar build context (`berth build - < ctx.tar`, the body of POST /build),
// plain or compressed, into a private empty directory, as a stream: nothing is held in memory
// whole. An entry that could reach outside the directory or make something a context has no use
// for is refused: absolute or climbing names, writes through a symlink, hard links to anything but
// an earlier file of the archive, devices and fifos; oversized names and metadata are refused by
// the tar reader and path-bounds.ts. Symlinks themselves are kept, whatever they point at: the
// build resolves them inside the context (build-context.ts), as Docker does.
import * as fs from "node:fs";
import { posix } from "node:path";
import type { Readable } from "node:stream";
import { InvalidArgumentError } from "../../errors.js";
import { decompress, sniff } from "../../archive/compression.js";
import { readTarEntries, type TarEntryHeader } from "../../archive/read-tar.js";
import { pathBoundsProblem } from "../../archive/path-bounds.js";
import type { TarBody } from "../../archive/tar-reader.js";

export class InvalidContextError extends InvalidArgumentError {}

export interface StageResult {
  entries: number;
  /** Bytes of file content written. */
  bytes: number;
}

/**
 * Writes the archive's entries below `dest`, which must exist, be empty, and be written by nothing
 * else meanwhile (that is what makes the lstat checks free of races). On failure `dest` holds a
 * part of the archive: the caller removes it.
 */
export async function stageTarContext(source: Readable, dest: string, opts: { signal?: AbortSignal } = {}): Promise<StageResult> {
  const { compression, stream } = await sniff(source);
  const tar = decompress(stream, compression);
  const state = new Stager(dest);
  try {
    await readTarEntries(tar, (header, body) => state.apply(header, body), opts.signal ? { signal: opts.signal } : {});
  } catch (err) {
    throw asContextError(err);
  }
  state.finish();
  return { entries: state.entries, bytes: state.bytes };
}

function asContextError(err: unknown): Error {
  if (err instanceof InvalidArgumentError) return err;
  const message = err instanceof Error ? err.message : String(err);
  // Go's archive/tar words, which dockerd answers a cut or garbage body with (BUILD-API §1.3).
  if (/Unexpected end of data|Stream was destroyed|Premature close|unexpected end of file/i.test(message))
    return new InvalidContextError("unexpected EOF", { cause: err });
  if (/Invalid tar header|checksum|bad number|PAX|metadata entry/i.test(message))
    return new InvalidContextError(`archive/tar: invalid tar header: ${message}`, { cause: err });
  if (/incorrect header check|invalid (block|distance|stored)|unknown compression/i.test(message))
    return new InvalidContextError(`gzip: invalid data: ${message}`, { cause: err });
  return err instanceof Error ? err : new InvalidContextError(message);
}

class Stager {
  entries = 0;
  bytes = 0;
  /** Paths this staging made as real directories. */
  private readonly dirs = new Set<string>([""]);
  /** Regular files written so far: the only targets a hard link may name. */
  private readonly files = new Set<string>();
  private readonly dirTimes = new Map<string, number>();
  private readonly root = process.getuid?.() === 0;

  constructor(private readonly dest: string) {}

  private abs(name: string): string {
    return name === "" ? this.dest : `${this.dest}/${name}`;
  }

  async apply(header: TarEntryHeader, body: TarBody): Promise<void> {
    this.entries++;
    const name = contextName(header.name, "entry");
    switch (header.type) {
      case "directory":
        await drain(body);
        if (name === "") return;
        this.parents(name, header.name);
        this.makeDirectory(name, header);
        return;
      case "file":
      case "contiguous-file":
        this.place(name, header.name);
        await this.writeFile(name, header, body);
        return;
      case "symlink":
        await drain(body);
        this.place(name, header.name);
        if (header.linkname === undefined || header.linkname === "" || header.linkname.includes("\0"))
          throw new InvalidContextError(`invalid build context: symlink ${JSON.stringify(header.name)} has no valid target`);
        fs.symlinkSync(header.linkname, this.abs(name));
        this.setTimes(name, header, true);
        return;
      case "link": {
        await drain(body);
        const target = contextName(header.linkname ?? "", "link target");
        if (!this.files.has(target))
          throw new InvalidContextError(
            `invalid build context: hard link ${JSON.stringify(header.name)} points to ${JSON.stringify(header.linkname)}, which is not an earlier file of the archive`,
          );
        this.place(name, header.name);
        fs.linkSync(this.abs(target), this.abs(name));
        this.files.add(name);
        return;
      }
      default:
        await drain(body);
        throw new InvalidContextError(
          `invalid build context: ${JSON.stringify(header.name)} is a ${header.type}; a build context holds only files, directories and links`,
        );
    }
  }

  /**
   * Makes the parents of a new non-directory entry and clears its place: a later entry for the
   * same name replaces an earlier file or link (Go's extraction does the same), never a directory.
   */
  private place(name: string, original: string): void {
    if (name === "") throw new InvalidContextError(`invalid build context: ${JSON.stringify(original)} names the context's root`);
    this.parents(name, original);
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(this.abs(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    if (!st) return;
    if (st.isDirectory())
      throw new InvalidContextError(`invalid build context: ${JSON.stringify(original)} would replace a directory of the archive`);
    fs.unlinkSync(this.abs(name));
    this.files.delete(name);
  }

  /** Each parent is a directory this staging made, or is made now; a symlink on the way stops it. */
  private parents(name: string, original: string): void {
    const parts = name.split("/");
    let rel = "";
    for (let i = 0; i < parts.length - 1; i++) {
      rel = rel ? `${rel}/${parts[i]}` : parts[i]!;
      if (this.dirs.has(rel)) continue;
      let st: fs.Stats | undefined;
      try {
        st = fs.lstatSync(this.abs(rel));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
      if (st?.isSymbolicLink())
        throw new InvalidContextError(
          `invalid build context: ${JSON.stringify(original)} would be written through the symlink ${JSON.stringify(rel)}`,
        );
      if (st)
        throw new InvalidContextError(`invalid build context: ${JSON.stringify(original)}: ${JSON.stringify(rel)} is not a directory`);
      fs.mkdirSync(this.abs(rel), { mode: 0o755 });
      this.dirs.add(rel);
    }
  }

  private makeDirectory(name: string, header: TarEntryHeader): void {
    if (!this.dirs.has(name)) {
      let st: fs.Stats | undefined;
      try {
        st = fs.lstatSync(this.abs(name));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
      if (st) throw new InvalidContextError(`invalid build context: directory ${JSON.stringify(header.name)} would replace a file or link`);
      fs.mkdirSync(this.abs(name), { mode: 0o700 });
      this.dirs.add(name);
    }
    if (this.root) fs.lchownSync(this.abs(name), header.uid, header.gid);
    fs.chmodSync(this.abs(name), header.mode & 0o7777);
    this.dirTimes.set(name, header.mtime.getTime() / 1000);
  }

  /** O_EXCL and O_NOFOLLOW: the place was cleared, so anything found there now is refused. */
  private async writeFile(name: string, header: TarEntryHeader, body: TarBody): Promise<void> {
    const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
    const fd = fs.openSync(this.abs(name), flags, 0o600);
    try {
      for await (const chunk of body.bytes ? [body.bytes] : (body as AsyncIterable<Buffer>)) {
        for (let off = 0; off < chunk.length;) off += fs.writeSync(fd, chunk, off);
        this.bytes += chunk.length;
      }
      if (this.root) fs.fchownSync(fd, header.uid, header.gid);
      // After chown, which clears setuid and setgid.
      fs.fchmodSync(fd, header.mode & 0o7777);
      const mtime = header.mtime.getTime() / 1000;
      fs.futimesSync(fd, mtime, mtime);
    } finally {
      fs.closeSync(fd);
    }
    this.files.add(name);
  }

  private setTimes(name: string, header: TarEntryHeader, link: boolean): void {
    const mtime = header.mtime.getTime() / 1000;
    if (this.root && link) fs.lchownSync(this.abs(name), header.uid, header.gid);
    fs.lutimesSync(this.abs(name), mtime, mtime);
  }

  /** Directory times last: entries written into a directory after its own entry change its mtime. */
  finish(): void {
    for (const [name, mtime] of this.dirTimes) fs.utimesSync(this.abs(name), mtime, mtime);
  }
}

/**
 * An archive name as a path relative to the context: "./a" and "a/" are "a", "." is the root. An
 * absolute name, or one that climbs above the root, is refused rather than clamped: a client that
 * sends one is not sending a build context.
 */
export function contextName(raw: string, what: string): string {
  if (raw.includes("\0")) throw new InvalidContextError(`invalid build context: ${what} name contains a NUL byte`);
  if (raw.includes("\ufffd"))
    throw new InvalidContextError(`invalid build context: ${what} name ${JSON.stringify(raw)} is not valid UTF-8`);
  if (raw.startsWith("/")) throw new InvalidContextError(`invalid build context: ${what} ${JSON.stringify(raw)} is an absolute path`);
  const clean = posix.normalize(raw === "" ? "." : raw).replace(/\/+$/, "");
  if (clean === "." || clean === "") return "";
  if (clean === ".." || clean.startsWith("../"))
    throw new InvalidContextError(`invalid build context: ${what} ${JSON.stringify(raw)} climbs out of the context`);
  const tooBig = pathBoundsProblem(clean);
  if (tooBig) throw new InvalidContextError(`invalid build context: ${what} ${tooBig}`);
  return clean;
}

async function drain(body: Readable): Promise<void> {
  body.resume();
  if (body.readableEnded) return;
  await new Promise<void>((resolve, reject) => {
    body.once("end", resolve);
    body.once("error", reject);
  });
}
