// The content store's promises to its readers: a blob is read whole and verified, or the reader is
// told why not; it never waits for ever, and nothing present is reported as missing.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { buffer } from "node:stream/consumers";
import { FileContentStore } from "../../src/store/content-store.js";
import { sha256Digest } from "../../src/image/digest.js";
import { NotFoundError, SystemError } from "../../src/errors.js";

function withStore(fn: (store: FileContentStore, dir: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = fs.mkdtempSync(`${os.tmpdir()}/berth-content-`);
    try {
      await fn(new FileContentStore(dir), dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Places bytes where the store keeps a blob of that digest, as adopt() would. */
function place(store: FileContentStore, data: Buffer): ReturnType<typeof sha256Digest> {
  const digest = sha256Digest(data);
  fs.writeFileSync(store.path(digest), data);
  return digest;
}

/** Fails instead of hanging: a reader left waiting is the bug these tests look for. */
function within<T>(promise: Promise<T>, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

test(
  "read() streams a blob's bytes and checks them",
  withStore(async (store) => {
    const data = Buffer.from("hello, layer\n");
    const digest = place(store, data);
    assert.deepEqual(await within(buffer(store.read(digest))), data);
  }),
);

test(
  "read() of a blob whose bytes changed fails at its end with the digest mismatch",
  withStore(async (store) => {
    const digest = place(store, Buffer.from("original"));
    fs.writeFileSync(store.path(digest), "tampered");
    await assert.rejects(within(buffer(store.read(digest))), /digest/i);
  }),
);

test(
  "read() hands a read error to its reader instead of leaving it waiting",
  withStore(async (store) => {
    const digest = sha256Digest(Buffer.from("a blob that became a directory"));
    // Present by name, unreadable by content: the read stream fails with EISDIR.
    fs.mkdirSync(store.path(digest));
    await assert.rejects(within(buffer(store.read(digest))), /EISDIR/);
  }),
);

test(
  "read() of a missing blob is not found",
  withStore((store) => {
    assert.throws(() => store.read(sha256Digest(Buffer.from("never stored"))), NotFoundError);
  }),
);

test(
  "readAll() of a blob over its cap is damage, not a missing blob",
  withStore((store) => {
    const digest = place(store, Buffer.alloc(2048, 1));
    assert.throws(
      () => store.readAll(digest, 1024),
      (err: unknown) =>
        err instanceof SystemError && !(err instanceof NotFoundError) && /larger than 1024 bytes/.test((err as Error).message),
    );
    assert.equal(store.readAll(digest, 4096).length, 2048);
  }),
);
