// Takes a directory tree in as a new layer in one pass, with no tar stream in between: each entry
// is read once, its tar bytes are hashed (the diff ID) and written to the blob, and the same bytes
// make the staged layer dir through the extraction code (LayerWriter), so the dir is exactly what
// unpacking the blob would give, even when the tree changes meanwhile. It gives the same blob and
// the same dir as ingestLayer(packTree(tree)), without encoding a tar only to parse it back (and
// hashing it twice): commit's and build's path.
import * as fs from "node:fs";
import { createHash } from "node:crypto";
import { LayerWriter } from "../archive/extract.js";
import { CHUNK, paddingOf, walkEntries, type PackOptions } from "../archive/pack.js";
import { END_OF_ARCHIVE, encodeHeader, readBack } from "../archive/tar-header.js";
import type { Digest } from "../image/digest.js";
import type { IngestedLayer } from "./ingest-layer.js";
import type { StagedBlob } from "./content-store.js";
import type { WorkDir } from "./work-dir.js";
import { errorAt } from "../errors.js";

/** An ingested layer whose blob (the tar, uncompressed) is always kept. */
export type SnapshotLayer = IngestedLayer & { blob: StagedBlob };

/** Bytes gathered before one write to the blob. */
const BATCH = 4 << 20;

export async function snapshotLayer(tree: string, deps: { work: WorkDir }, opts: PackOptions = {}): Promise<SnapshotLayer> {
  const blobPath = deps.work.child("blob");
  const layerPath = deps.work.child("layer");
  fs.mkdirSync(layerPath, { mode: 0o700 });
  const diffDir = `${layerPath}/diff`;
  fs.mkdirSync(diffDir, { mode: 0o755 });
  const blob = new BlobWriter(blobPath);
  const layer = new LayerWriter(diffDir);
  let made;
  try {
    for (const entry of walkEntries(tree, undefined, opts, Buffer.allocUnsafe(CHUNK))) {
      await blob.write(encodeHeader(entry.header));
      const body = tapped(entry.body, blob);
      await layer.add(readBack(entry.header), body);
      for await (const chunk of body) void chunk; // what the writer left (none for a file) is still the tar's
      const pad = paddingOf(entry.header);
      if (pad) await blob.write(pad);
    }
    await blob.write(END_OF_ARCHIVE);
    made = layer.finish();
    await blob.sync();
  } finally {
    await blob.close();
  }
  const diffId = blob.digest();
  return {
    blob: { digest: diffId, size: blob.size, path: blobPath },
    layer: { diffId, size: made.size, path: diffDir },
    compressed: false,
  };
}

/** The body, each chunk into the blob before the layer writer has it (it reads the next only once done). */
async function* tapped(body: Iterable<Buffer>, blob: BlobWriter): AsyncGenerator<Buffer> {
  for (const chunk of body) {
    await blob.write(chunk);
    yield chunk;
  }
}

/**
 * The blob file, hashed as it is written. Pieces are copied into one of two batches of a few MiB
 * (so a caller may reuse its buffers at once), and a full batch is written on libuv's pool while
 * the next fills: the memory held stays the same whatever the layer's size.
 */
class BlobWriter {
  size = 0;
  private readonly hash = createHash("sha256");
  private readonly fd: number;
  private readonly batches = [Buffer.allocUnsafe(BATCH), Buffer.allocUnsafe(BATCH)];
  private current = 0;
  private filled = 0;
  private position = 0;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly path: string) {
    this.fd = fs.openSync(path, "wx", 0o444);
  }

  async write(piece: Buffer): Promise<void> {
    this.hash.update(piece);
    this.size += piece.length;
    for (let off = 0; off < piece.length;) {
      const n = piece.copy(this.batches[this.current]!, this.filled, off);
      off += n;
      this.filled += n;
      if (this.filled === BATCH) await this.flush();
    }
  }

  /** Everything written and on disk: a blob is durable before a transaction names it. */
  async sync(): Promise<void> {
    await this.flush();
    await this.writing;
    try {
      await new Promise<void>((resolve, reject) => fs.fsync(this.fd, (err) => (err ? reject(err) : resolve())));
    } catch (err) {
      throw errorAt(err, this.path);
    }
  }

  /** Waits for a write under way (its failure was reported, or will be by sync), then closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writing.catch(() => undefined);
    fs.closeSync(this.fd);
  }

  digest(): Digest {
    return `sha256:${this.hash.digest("hex")}`;
  }

  /** Starts writing the current batch once the one before is written; the next pieces go to the other. */
  private async flush(): Promise<void> {
    await this.writing;
    const batch = this.batches[this.current]!.subarray(0, this.filled);
    const at = this.position;
    this.position += this.filled;
    this.current = 1 - this.current;
    this.filled = 0;
    this.writing = writeAllAt(this.fd, batch, at).catch((err: unknown) => {
      throw errorAt(err, this.path);
    });
    // Reported by the next flush, sync or close; not an unhandled rejection meanwhile.
    this.writing.catch(() => undefined);
  }
}

/** All of `data` at `position`; a short write (a full disk fails on the next one) goes on where it stopped. */
async function writeAllAt(fd: number, data: Buffer, position: number): Promise<void> {
  for (let off = 0; off < data.length;) {
    off += await new Promise<number>((resolve, reject) =>
      fs.write(fd, data, off, data.length - off, position + off, (err, written) => (err ? reject(err) : resolve(written))),
    );
  }
}
