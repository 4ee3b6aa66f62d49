// Takes one layer tar in, in a single pass: the bytes are hashed (digest and diff ID), kept as a
// blob, and unpacked into overlay form, all inside a work dir. Nothing is visible until commitImage.
import * as fs from "node:fs";
import { Transform, type Readable, type TransformCallback } from "node:stream";
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
  source.on("error", (err) => raw.destroy(err));
  const fd = opts.keep === "none" ? -1 : fs.openSync(blobPath, "wx", 0o444);
  const diff = new HashingStream();
  let extracted;
  let compression: Awaited<ReturnType<typeof sniff>>["compression"];
  try {
    // Kept as-is: every byte from the first, so the tee sits before the compression sniffing.
    let hashed: Readable = source.pipe(raw);
    if (opts.keep === "as-is") {
      const tee = new FileTee(fd, blobPath);
      raw.on("error", (err) => tee.destroy(err));
      hashed = raw.pipe(tee);
    }
    const sniffed = await sniff(hashed);
    compression = sniffed.compression;
    const plain = decompress(sniffed.stream, compression);
    const tee = opts.keep === "uncompressed" ? new FileTee(fd, blobPath) : null;
    const tarStream = tee ? plain.pipe(diff).pipe(tee) : plain.pipe(diff);
    plain.on("error", (err) => diff.destroy(err));
    diff.on("error", (err) => tarStream.destroy(err));
    extracted = await extractLayer(tarStream, diffDir, opts.signal ? { signal: opts.signal } : {});
    if (fd >= 0) fs.fsyncSync(fd);
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
