// Digests of stored bytes (sha256 only, as Docker stores them) and streaming hashers.
import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { InvalidArgumentError, SystemError } from "../errors.js";

export type Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function isDigest(text: string): text is Digest {
  return DIGEST_RE.test(text);
}

/** Validates before a digest is ever used in a path (CVE-2021-21285, CVE-2024-3727). */
export function parseDigest(text: string): Digest {
  if (!isDigest(text)) throw new InvalidArgumentError(`invalid digest format: ${JSON.stringify(text)}`);
  return text;
}

export function digestHex(digest: Digest): string {
  return digest.slice("sha256:".length);
}

export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, "").slice(0, 12);
}

export class DigestMismatchError extends InvalidArgumentError {
  constructor(
    readonly expected: Digest,
    readonly actual: Digest,
    what = "content",
  ) {
    super(`${what} digest mismatch: expected ${expected}, got ${actual}`);
  }
}

/** A pass-through stream that learns the digest and size of what flows through it. */
export class HashingStream extends Transform {
  private readonly hash: Hash = createHash("sha256");
  size = 0;
  private result: Digest | undefined;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.result = `sha256:${this.hash.digest("hex")}`;
    done();
  }

  /** Only valid once the stream has ended. */
  digest(): Digest {
    if (!this.result) throw new SystemError("HashingStream.digest() called before the end of the stream");
    return this.result;
  }
}
