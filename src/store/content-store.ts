// Blobs by digest under <root>/blobs/sha256. A blob is absent, or whole and verified: bytes land in a
// private work dir, are hashed on the way, fsynced, and become visible only by a rename that the
// caller makes inside the metadata transaction that references them.
import * as fs from "node:fs";
import * as stream from "node:stream";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createHash } from "node:crypto";
import { NotFoundError, SystemError, errorAt } from "../errors.js";
import { DigestMismatchError, HashingStream, digestHex, isDigest, sha256Digest, type Digest } from "../image/digest.js";
import type { Trash } from "./trash.js";

export interface StagedBlob {
  readonly digest: Digest;
  readonly size: number;
  /** Where the bytes wait in a work dir until adopt(). */
  readonly path: string;
}

export interface IngestOptions {
  expected?: { digest?: Digest; size?: number };
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
}

const VERIFIED_CACHE_ENTRIES = 4096;
const VERIFIED_CACHE_MAX_BLOB = 64 << 10;

export class FileContentStore {
  private readonly dir: string;
  private readonly verified = new Map<Digest, { stamp: string; data: Buffer }>();

  constructor(root: string) {
    this.dir = `${root}/sha256`;
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  path(digest: Digest): string {
    return `${this.dir}/${digestHex(digest)}`;
  }

  has(digest: Digest): boolean {
    return fs.existsSync(this.path(digest));
  }

  size(digest: Digest): number {
    try {
      return fs.statSync(this.path(digest)).size;
    } catch {
      throw new NotFoundError(`blob ${digest} not found`);
    }
  }

  /** The blob's bytes; the stream fails at its end if they no longer match the digest. */
  read(digest: Digest): Readable {
    if (!this.has(digest)) throw new NotFoundError(`blob ${digest} not found`);
    const verifying = new VerifyingStream(digest);
    // pipeline, not pipe: a read error must reach the reader through the stream it holds (with
    // pipe it was dropped and the reader waited for ever), and a reader that gives up early closes
    // the file. The error itself travels by the verifying stream, so the callback has nothing to do.
    stream.pipeline(fs.createReadStream(this.path(digest)), verifying, () => undefined);
    return verifying;
  }

  /** For manifests and configs only: whole blobs in memory, verified, with a size cap. */
  readAll(digest: Digest, cap = 16 << 20): Buffer {
    const path = this.path(digest);
    // A long-lived reader (berth serve listing 1,000 images) reads the same small manifests and
    // configs again and again: one verified copy is kept per file, for as long as a stat says the
    // file is the very one that was verified (same inode, size and change time).
    let st: fs.Stats;
    try {
      st = fs.statSync(path);
    } catch {
      throw new NotFoundError(`blob ${digest} not found`);
    }
    const stamp = `${st.ino}:${st.size}:${st.ctimeMs}:${st.mtimeMs}`;
    const cached = this.verified.get(digest);
    if (cached && cached.stamp === stamp) return cached.data;
    let data: Buffer;
    try {
      data = fs.readFileSync(path);
    } catch {
      throw new NotFoundError(`blob ${digest} not found`);
    }
    // The blob is there, so "not found" would be a lie: a manifest or config this large is damage
    // (or a hostile store), which system check reports.
    if (data.length > cap) throw new SystemError(`blob ${digest} is larger than ${cap} bytes`);
    const actual = sha256Digest(data);
    if (actual !== digest) throw new DigestMismatchError(digest, actual, "stored blob");
    if (data.length <= VERIFIED_CACHE_MAX_BLOB) {
      if (this.verified.size >= VERIFIED_CACHE_ENTRIES) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(digest, { stamp, data });
    }
    return data;
  }

  list(): Digest[] {
    return fs
      .readdirSync(this.dir)
      .map((hex) => `sha256:${hex}`)
      .filter(isDigest) as Digest[];
  }

  /** Writes `source` to `path` (a fresh work-dir path), hashing it, and checks what the caller expected. */
  async stage(source: Readable | AsyncIterable<Uint8Array>, path: string, opts: IngestOptions = {}): Promise<StagedBlob> {
    const hashing = new HashingStream();
    if (opts.onProgress) {
      const report = opts.onProgress;
      hashing.on("data", () => report(hashing.size));
    }
    const out = fs.createWriteStream(path, { flags: "wx", mode: 0o444 });
    try {
      await pipeline(source, hashing, out, opts.signal ? { signal: opts.signal } : {});
    } catch (err) {
      throw errorAt(err, path);
    }
    fsyncPath(path);
    return checkExpected({ digest: hashing.digest(), size: hashing.size, path }, opts.expected);
  }

  stageBuffer(data: Uint8Array, path: string): StagedBlob {
    fs.writeFileSync(path, data, { flag: "wx", mode: 0o444 });
    fsyncPath(path);
    return { digest: sha256Digest(data), size: data.length, path };
  }

  /** Makes a staged blob visible. Call inside the write transaction that references it. Idempotent. */
  adopt(blob: StagedBlob): void {
    const final = this.path(blob.digest);
    if (fs.existsSync(final)) return;
    fs.renameSync(blob.path, final);
    fsyncPath(this.dir);
  }

  /** Moves a blob out of sight into `trash`, deleted when its transaction commits. Gone already is fine. */
  evict(digest: Digest, trash: Trash): void {
    trash.move(this.path(digest));
  }

  /** Re-hashes a stored blob: for system check. */
  async verify(digest: Digest): Promise<boolean> {
    const hash = createHash("sha256");
    await pipeline(fs.createReadStream(this.path(digest)), hash);
    return `sha256:${hash.digest("hex")}` === digest;
  }
}

export function checkExpected(blob: StagedBlob, expected: IngestOptions["expected"]): StagedBlob {
  if (expected?.size !== undefined && expected.size !== blob.size) {
    throw new DigestMismatchError(expected.digest ?? blob.digest, blob.digest, `size ${blob.size} (expected ${expected.size}),`);
  }
  if (expected?.digest && expected.digest !== blob.digest) throw new DigestMismatchError(expected.digest, blob.digest);
  return blob;
}

export function fsyncPath(path: string): void {
  const fd = fs.openSync(path, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

class VerifyingStream extends Transform {
  private readonly hash = createHash("sha256");
  constructor(private readonly expected: Digest) {
    super();
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    const actual: Digest = `sha256:${this.hash.digest("hex")}`;
    done(actual === this.expected ? null : new DigestMismatchError(this.expected, actual, "stored blob"));
  }
}
