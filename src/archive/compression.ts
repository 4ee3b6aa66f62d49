// Recognises compressed layer streams by their magic bytes, as Docker's DecompressStream does.
import { PassThrough, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { NotImplementedError } from "../errors.js";
import type { Compression } from "../image/media-types.js";

const GZIP = [0x1f, 0x8b];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];
const BZIP2 = [0x42, 0x5a, 0x68];
const XZ = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];

function startsWith(buf: Buffer, magic: readonly number[]): boolean {
  return buf.length >= magic.length && magic.every((b, i) => buf[i] === b);
}

export function detectCompression(head: Buffer): Compression | "bzip2" | "xz" {
  if (startsWith(head, GZIP)) return "gzip";
  if (startsWith(head, ZSTD)) return "zstd";
  if (startsWith(head, BZIP2)) return "bzip2";
  if (startsWith(head, XZ)) return "xz";
  return "none";
}

/** Reads the first bytes, puts them back, and says what the stream is compressed with. */
export async function sniff(source: Readable): Promise<{ compression: ReturnType<typeof detectCompression>; stream: Readable }> {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const iterator = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let done = false;
  while (head.length < 6 && !done) {
    const next = await iterator.next();
    if (next.done) done = true;
    else head = Buffer.concat([head, Buffer.from(next.value as Uint8Array)]);
  }
  const rest = Readable.from((async function* () {
    if (head.length) yield head;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value as Buffer;
    }
  })());
  rest.on("error", (err) => out.destroy(err));
  rest.pipe(out);
  return { compression: detectCompression(head), stream: out };
}

/** A stream of the uncompressed bytes. */
export function decompress(stream: Readable, compression: ReturnType<typeof detectCompression>): Readable {
  switch (compression) {
    case "none":
      return stream;
    case "gzip": {
      const gunzip = createGunzip();
      stream.on("error", (err) => gunzip.destroy(err));
      return stream.pipe(gunzip);
    }
    default:
      throw new NotImplementedError(`${compression}-compressed archives are not supported`);
  }
}
