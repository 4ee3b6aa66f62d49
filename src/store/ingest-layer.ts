// Takes one layer tar in, in a single pass: the bytes are hashed (digest and diff ID), kept as a
// blob, and unpacked into overlay form, all inside a work dir. Nothing is visible until commitImage.
import * as fs from "node:fs";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extractLayer } from "../archive/extract.js";
import { decompress, sniff } from "../archive/compression.js";
import { HashingStream, DigestMismatchError, type Digest } from "../image/digest.js";
import { checkExpected, fsyncPath, type FileContentStore, type StagedBlob } from "./content-store.js";
import type { StagedLayer } from "./layer-store.js";
import type { WorkDir } from "./work-dir.js";
import { errorAt } from "../errors.js";

export interface IngestLayerOptions {
  /**
   * Keep the blob as it came ("as-is", e.g. gzip from an archive), uncompressed (import), or not at
   * all ("none": the caller has the bytes staged already and only wants them hashed and unpacked).
   */
  keep: "as-is" | "uncompressed" | "none";
  expected?: { digest?: Digest; size?: number; diffId?: Digest };
  signal?: AbortSignal;
}

export interface IngestedLayer {
  /** Absent with keep "none". */
  blob: StagedBlob | undefined;
  layer: StagedLayer;
  compressed: boolean;
}

export async function ingestLayer(
  source: Readable,
  deps: { content: FileContentStore; work: WorkDir },
  opts: IngestLayerOptions,
): Promise<IngestedLayer> {
  const blobPath = deps.work.child("blob");
  const layerPath = deps.work.child("layer");
  fs.mkdirSync(`${layerPath}`, { mode: 0o700 });
  const diffDir = `${layerPath}/diff`;
  fs.mkdirSync(diffDir, { mode: 0o755 });

  const raw = new HashingStream();
  const fd = opts.keep === "none" ? -1 : fs.openSync(blobPath, "wx", 0o444);
  const diff = new HashingStream();
  let extracted;
  let compression: Awaited<ReturnType<typeof sniff>>["compression"];
  try {
    // Each pipeline's errors reach the reader of its last stream, so its own promise is not needed;
    // and a reader that gives up (extraction destroys its input when it fails) destroys every
    // stream before it, the source too, so that a download or a tar writer stops.
    // Kept as-is: every byte from the first, so the tee sits before the compression sniffing.
    const hashing: Transform[] = opts.keep === "as-is" ? [raw, new FileTee(fd, blobPath)] : [raw];
    pipeline([source, ...hashing]).catch(() => undefined);
    const sniffed = await sniff(hashing.at(-1)!);
    compression = sniffed.compression;
    const plain = decompress(sniffed.stream, compression);
    const unpacking: Transform[] = opts.keep === "uncompressed" ? [diff, new FileTee(fd, blobPath)] : [diff];
    pipeline([plain, ...unpacking]).catch(() => undefined);
    extracted = await extractLayer(unpacking.at(-1)!, diffDir, opts.signal ? { signal: opts.signal } : {});
    if (fd >= 0) fs.fsyncSync(fd);
  } catch (err) {
    source.destroy();
    throw err;
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
  if (fd >= 0) fsyncPath(blobPath);
  const blobDigest = opts.keep === "uncompressed" ? diff.digest() : raw.digest();
  const checked = checkExpected(
    { digest: blobDigest, size: opts.keep === "uncompressed" ? diff.size : raw.size, path: blobPath },
    opts.expected && {
      ...(opts.expected.digest ? { digest: opts.expected.digest } : {}),
      ...(opts.expected.size !== undefined ? { size: opts.expected.size } : {}),
    },
  );
  const diffId = diff.digest();
  if (opts.expected?.diffId && opts.expected.diffId !== diffId) {
    throw new DigestMismatchError(opts.expected.diffId, diffId, "layer diff ID");
  }
  return {
    blob: opts.keep === "none" ? undefined : checked,
    layer: { diffId, size: extracted.size, path: diffDir },
    compressed: compression !== "none",
  };
}

function writeAll(fd: number, chunk: Buffer): void {
  for (let off = 0; off < chunk.length;) off += fs.writeSync(fd, chunk, off);
}

/** Passes bytes on while writing them to a file descriptor. */
class FileTee extends Transform {
  constructor(
    private readonly fd: number,
    private readonly path: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    try {
      writeAll(this.fd, chunk);
      done(null, chunk);
    } catch (err) {
      done(errorAt(err, this.path) as Error);
    }
  }
}
