// A tar reader for untrusted layers and archives: USTAR, PAX ('x', 'g') and GNU long names ('L',
// 'K'), checksums verified, base-256 numbers. berth's own rather than tar-stream's because layers
// need PAX values as bytes (security.capability is binary) and the end-of-archive marker honoured
// as Go's archive/tar does, which is what Docker's reader gives. tar-stream stays for the tests,
// as an independent writer of the archives they feed this reader.
import { Readable } from "node:stream";

export type TarEntryType =
  "file" | "link" | "symlink" | "character-device" | "block-device" | "directory" | "fifo" | "contiguous-file" | `unsupported-${string}`;

export interface TarEntryHeader {
  name: string;
  type: TarEntryType;
  linkname?: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Date;
  devmajor: number;
  devminor: number;
  /** PAX records other than the ones folded into the fields above, as text. */
  pax: Record<string, string>;
  /** SCHILY.xattr.* records, byte for byte. */
  xattrs: Map<string, Buffer>;
}

const BLOCK = 512;
/** Bodies up to this size are read whole before the handler runs (most files of a layer are small). */
const WHOLE_BODY = 256 * 1024;

/** An entry's body; small ones also come as `bytes`, so a handler can skip the stream machinery. */
export type TarBody = Readable & { readonly bytes?: Buffer };

export class TarFormatError extends Error {}

/** Pulls exact byte counts out of an async byte source. */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  constructor(private readonly source: AsyncIterator<Buffer | Uint8Array | string>) {}

  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.done) {
      const next = await this.source.next();
      if (next.done) this.done = true;
      else {
        const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
        this.chunks.push(chunk);
        this.buffered += chunk.length;
      }
    }
    return this.buffered >= n;
  }

  /** Exactly n bytes, or undefined at a clean end before any of them. */
  async read(n: number): Promise<Buffer | undefined> {
    if (!(await this.fill(n))) {
      if (this.buffered === 0) return undefined;
      throw new TarFormatError("Unexpected end of data");
    }
    const out = this.take(n);
    return out;
  }

  /** Up to `max` bytes of what is already there (or the next chunk): for streaming bodies. */
  async readSome(max: number): Promise<Buffer> {
    if (!(await this.fill(1))) throw new TarFormatError("Unexpected end of data");
    return this.take(Math.min(max, this.buffered));
  }

  /** Reads the source to its end: every byte must pass through the callers' hashes. */
  async drain(): Promise<void> {
    this.chunks = [];
    this.buffered = 0;
    while (!this.done) {
      const next = await this.source.next();
      if (next.done) this.done = true;
    }
  }

  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const use = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, use);
      filled += use;
      if (use === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(use);
    }
    this.buffered -= n;
    return out;
  }
}

function cString(block: Buffer, offset: number, length: number): Buffer {
  const field = block.subarray(offset, offset + length);
  const nul = field.indexOf(0);
  return nul < 0 ? field : field.subarray(0, nul);
}

/** Octal, or base-256 when the high bit of the first byte is set (GNU, for big sizes and ids). */
function number(block: Buffer, offset: number, length: number): number {
  const field = block.subarray(offset, offset + length);
  if (field[0]! & 0x80) {
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = cString(block, offset, length).toString("latin1").trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError("Invalid tar header: bad number");
  return parseInt(text, 8);
}

function checksumOk(block: Buffer): boolean {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  const stored = number(block, 148, 8);
  return stored === unsigned || stored === signed;
}

/**
 * Whether a block is a tar header (its checksum holds): how the docker CLI tells a tar on stdin
 * from a bare Dockerfile. An all-zero block (an empty archive's end marker) is not one.
 */
export function isTarHeaderBlock(block: Buffer): boolean {
  if (block.length < BLOCK || block.subarray(0, BLOCK).every((b) => b === 0)) return false;
  try {
    return checksumOk(block.subarray(0, BLOCK));
  } catch {
    return false;
  }
}

function parsePax(data: Buffer, into: { records: Map<string, Buffer> }): void {
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) throw new TarFormatError("Invalid tar header: bad PAX record");
    const length = Number(data.subarray(at, space).toString("latin1"));
    if (!Number.isInteger(length) || length <= 0 || at + length > data.length)
      throw new TarFormatError("Invalid tar header: bad PAX record length");
    const record = data.subarray(space + 1, at + length - 1); // without the trailing newline
    const eq = record.indexOf(0x3d);
    if (eq < 0) throw new TarFormatError("Invalid tar header: bad PAX record");
    into.records.set(record.subarray(0, eq).toString("utf8"), Buffer.from(record.subarray(eq + 1)));
    at += length;
  }
}

const TYPES: Record<string, TarEntryType> = {
  "0": "file",
  "\0": "file",
  "1": "link",
  "2": "symlink",
  "3": "character-device",
  "4": "block-device",
  "5": "directory",
  "6": "fifo",
  "7": "contiguous-file",
};

/** The largest metadata entry (PAX or GNU long name) read into memory. */
const MAX_META = 1 << 20;

/**
 * Calls `onEntry` for each entry in order. The handler reads `body` (or not: what it leaves is
 * skipped). Reading stops at the end-of-archive marker, then the source is read to its end.
 */
export async function readTar(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  onEntry: (header: TarEntryHeader, body: TarBody) => Promise<void>,
  opts: { signal?: AbortSignal } = {},
): Promise<void> {
  const reader = new ByteReader(source[Symbol.asyncIterator]());
  let pax = new Map<string, Buffer>();
  let longName: string | undefined;
  let longLink: string | undefined;
  let sawEntry = false;
  for (;;) {
    opts.signal?.throwIfAborted();
    const block = await reader.read(BLOCK);
    if (!block) {
      if (!sawEntry) return; // an empty stream is an empty archive, as Docker's import takes it
      return; // a missing end marker is tolerated, as GNU tar and Go do
    }
    if (block.every((b) => b === 0)) {
      await reader.read(BLOCK).catch(() => undefined);
      await reader.drain();
      return;
    }
    if (!checksumOk(block)) throw new TarFormatError("Invalid tar header: checksum mismatch");
    sawEntry = true;
    const flag = String.fromCharCode(block[156]!);
    const size = number(block, 124, 12);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
      if (size > MAX_META) throw new TarFormatError("Invalid tar header: metadata entry too large");
      const data = (await reader.read(padded)) ?? Buffer.alloc(0);
      if (data.length < padded) throw new TarFormatError("Unexpected end of data");
      const body = data.subarray(0, size);
      if (flag === "x") {
        const records = { records: new Map<string, Buffer>() };
        parsePax(body, records);
        pax = records.records;
      } else if (flag === "L") longName = cString(body, 0, body.length).toString("utf8");
      else if (flag === "K") longLink = cString(body, 0, body.length).toString("utf8");
      continue; // global PAX headers carry nothing berth uses
    }
    const ustar = block.subarray(257, 262).toString("latin1") === "ustar";
    const prefix = ustar ? cString(block, 345, 155).toString("utf8") : "";
    const baseName = cString(block, 0, 100).toString("utf8");
    const header: TarEntryHeader = {
      name: longName ?? (prefix ? `${prefix}/${baseName}` : baseName),
      type: TYPES[flag] ?? `unsupported-${JSON.stringify(flag)}`,
      mode: number(block, 100, 8),
      uid: number(block, 108, 8),
      gid: number(block, 116, 8),
      size,
      mtime: new Date(number(block, 136, 12) * 1000),
      devmajor: number(block, 329, 8),
      devminor: number(block, 337, 8),
      pax: {},
      xattrs: new Map(),
    };
    const link = longLink ?? cString(block, 157, 100).toString("utf8");
    if (link) header.linkname = link;
    for (const [key, value] of pax) {
      if (key === "path") header.name = value.toString("utf8");
      else if (key === "linkpath") header.linkname = value.toString("utf8");
      else if (key === "size") header.size = Number(value.toString("latin1"));
      else if (key === "uid") header.uid = Number(value.toString("latin1"));
      else if (key === "gid") header.gid = Number(value.toString("latin1"));
      else if (key === "mtime") header.mtime = new Date(Number(value.toString("latin1")) * 1000);
      else if (key.startsWith("SCHILY.xattr.")) header.xattrs.set(key.slice("SCHILY.xattr.".length), value);
      else header.pax[key] = value.toString("utf8");
    }
    if (!Number.isSafeInteger(header.size) || header.size < 0) throw new TarFormatError("Invalid tar header: bad size");
    pax = new Map();
    longName = undefined;
    longLink = undefined;
    // Links, directories and devices carry no body whatever the size field says.
    const bodySize = header.type === "file" || header.type === "contiguous-file" || header.type.startsWith("unsupported") ? header.size : 0;
    const pad = (BLOCK - (bodySize % BLOCK)) % BLOCK;
    if (bodySize <= WHOLE_BODY) {
      const whole = bodySize + pad === 0 ? Buffer.alloc(0) : await reader.read(bodySize + pad);
      if (!whole) throw new TarFormatError("Unexpected end of data");
      const bytes = whole.subarray(0, bodySize);
      await onEntry(header, Object.assign(Readable.from(bytes.length ? [bytes] : []), { bytes }));
      continue;
    }
    let remaining = bodySize;
    const body = Readable.from(
      (async function* () {
        while (remaining > 0) {
          const chunk = await reader.readSome(Math.min(remaining, 1 << 20));
          remaining -= chunk.length;
          yield chunk;
        }
      })(),
      { objectMode: false },
    );
    await onEntry(header, body);
    // What the handler left unread is read through the same generator: one reader at a time.
    if (!body.readableEnded && remaining > 0) {
      body.resume();
      await new Promise<void>((resolve, reject) => {
        body.once("end", resolve);
        body.once("error", reject);
      });
    }
    if (pad && !(await reader.read(pad))) throw new TarFormatError("Unexpected end of data");
  }
}
