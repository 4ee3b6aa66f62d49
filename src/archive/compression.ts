// Recognises compressed layer streams by their magic bytes, as Docker's DecompressStream does.
import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, deflateRawSync, gzip } from "node:zlib";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";
import { spawn } from "node:child_process";
import { InvalidLayerError } from "./extract.js";
import { NotImplementedError } from "../errors.js";
import type { Compression } from "../image/media-types.js";

const GZIP = [0x1f, 0x8b];
const gzipAsync = promisify(gzip);
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

/**
 * Reads the first bytes, puts them back, and says what the stream is compressed with. The stream
 * returned is the source itself: its errors are the reader's, and a reader that destroys it
 * stops the source (no stream in between to forget either).
 */
export async function sniff(source: Readable): Promise<{ compression: ReturnType<typeof detectCompression>; stream: Readable }> {
  const chunks: Buffer[] = [];
  let size = 0;
  while (size < 6 && !source.readableEnded) {
    const chunk = source.read() as Buffer | null;
    if (chunk === null) await readableOrEnd(source);
    else {
      chunks.push(chunk);
      size += chunk.length;
    }
  }
  const head = Buffer.concat(chunks, size);
  if (size) source.unshift(head);
  return { compression: detectCompression(head), stream: source };
}

/** Waits for more to read, or the end; a source that fails (or failed) rejects. */
function readableOrEnd(source: Readable): Promise<void> {
  if (source.destroyed) return Promise.reject(source.errored ?? new InvalidLayerError("the layer stream was closed before its end"));
  return new Promise((resolve, reject) => {
    const settle = (err?: Error) => {
      source.off("readable", settle);
      source.off("end", settle);
      source.off("error", settle);
      source.off("close", closed);
      if (err) reject(err);
      else resolve();
    };
    const closed = () => settle(source.errored ?? new InvalidLayerError("the layer stream was closed before its end"));
    source.on("readable", settle);
    source.on("end", settle);
    source.on("error", settle);
    source.on("close", closed);
  });
}

/** A stream of the uncompressed bytes. */
export function decompress(stream: Readable, compression: ReturnType<typeof detectCompression>): Readable {
  switch (compression) {
    case "none":
      return stream;
    case "gzip": {
      const gunzip = createGunzip();
      // Errors of either reach the reader through gunzip; a reader that gives up destroys the source.
      pipeline(stream, gunzip).catch(() => undefined);
      return gunzip;
    }
    case "zstd":
      return zstdDecompress(stream);
    default:
      throw new NotImplementedError(`${compression}-compressed archives are not supported`);
  }
}

/**
 * Node 20's zlib has no zstd; Debian's zstd program decompresses as a stream at native speed. A
 * corrupt frame makes it exit non-zero, and the stream fails with its message.
 */
function zstdDecompress(source: Readable): Readable {
  const child = spawn("zstd", ["-d", "-c", "-q"], { stdio: ["pipe", "pipe", "pipe"] });
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const stderr: Buffer[] = [];
  let failure: Error | undefined;
  child.stderr.on("data", (c: Buffer) => stderr.push(c));
  child.on("error", (err) => {
    failure = new NotImplementedError(
      `zstd-compressed layers need the zstd program: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "not installed" : err.message}`,
    );
    out.destroy(failure);
  });
  pipeline(source, child.stdin).catch((err: NodeJS.ErrnoException) => {
    // EPIPE: zstd stopped reading early, and its exit status tells why. Anything else is the
    // source's failure (the pipeline has destroyed both ends by now): it is the reader's too.
    if (err.code === "EPIPE") return;
    child.kill("SIGKILL");
    out.destroy(err);
  });
  let stdoutDone = false;
  // Not ended by the pipeline: the output is whole only when zstd also exits 0 (finish, below).
  pipeline(child.stdout, out, { end: false }).then(
    () => {
      stdoutDone = true;
      finish();
    },
    (err: Error) => out.destroy(err),
  );
  let exit: number | null | undefined;
  const finish = () => {
    if (!stdoutDone || exit === undefined || failure) return;
    if (exit === 0) out.end();
    else out.destroy(new InvalidLayerError(`zstd: ${Buffer.concat(stderr).toString("utf8").trim() || `exit status ${exit}`}`));
  };
  child.on("close", (code) => {
    exit = code;
    finish();
  });
  // A consumer that gives up (an extract error) must not leave zstd running.
  out.on("close", () => {
    if (exit === undefined) child.kill("SIGKILL");
  });
  return out;
}

/**
 * gzip on every core: the stream is cut into blocks that libuv's thread pool compresses side by
 * side, written out in order as gzip members. RFC 1952 allows several members in one file, and
 * every gunzip (Go's, zlib's, Python's) reads them as one stream; the result is deterministic, so
 * the same layer always compresses to the same digest.
 */
export function gzipParallel(source: Readable, opts: { blockSize?: number; inFlight?: number } = {}): Readable {
  const blockSize = opts.blockSize ?? 4 << 20;
  // Twice the cores: a block waiting to be written out must not leave a core idle.
  const inFlight = opts.inFlight ?? Math.max(4, 2 * availableParallelism());
  const produce = async function* (): AsyncGenerator<Buffer> {
    const pending: Promise<Buffer>[] = [];
    let block: Buffer[] = [];
    let size = 0;
    const cut = () => {
      const data = Buffer.concat(block, size);
      block = [];
      size = 0;
      pending.push(gzipAsync(data, { level: looksIncompressible(data) ? 0 : 6 }));
    };
    for await (const chunk of source) {
      let rest = chunk as Buffer;
      while (rest.length) {
        const take = Math.min(rest.length, blockSize - size);
        block.push(rest.subarray(0, take));
        size += take;
        rest = rest.subarray(take);
        if (size === blockSize) cut();
        while (pending.length >= inFlight) yield await pending.shift()!;
      }
    }
    if (size > 0 || pending.length === 0) cut(); // an empty input is one empty member, as gzip makes it
    while (pending.length) yield await pending.shift()!;
  };
  // Read ahead by a few blocks, so compression goes on while the consumer waits (on an upload).
  return Readable.from(produce(), { objectMode: false, highWaterMark: inFlight * blockSize });
}

const SAMPLES = 8;
const SAMPLE_SIZE = 8 << 10;

/**
 * Already-compressed content (archives, images, encrypted data) gains nothing from deflate and
 * costs it the most time; Go's klauspost/compress skips it the same way. A block is stored as it
 * is only when every one of eight samples spread over it fails to shrink by 2% at level 1, so
 * mixed blocks are still compressed. The test depends only on the bytes: output stays deterministic.
 */
export function looksIncompressible(block: Buffer): boolean {
  if (block.length < SAMPLES * SAMPLE_SIZE * 2) return false;
  const step = Math.floor((block.length - SAMPLE_SIZE) / (SAMPLES - 1));
  for (let i = 0; i < SAMPLES; i++) {
    const sample = block.subarray(i * step, i * step + SAMPLE_SIZE);
    if (deflateRawSync(sample, { level: 1 }).length < sample.length * 0.98) return false;
  }
  return true;
}
