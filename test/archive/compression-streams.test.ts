// Streams of compression.ts end together: a reader that gives up stops the source it reads from,
// and a source that fails fails the reader instead of leaving it waiting.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { spawnSync } from "node:child_process";
import { buffer } from "node:stream/consumers";
import { decompress, sniff } from "../../src/archive/compression.js";

/** A source that sends `head` and then waits for ever: only a destroy() ends it. */
function endless(head: Buffer): Readable {
  const source = new Readable({ read() {} });
  source.push(head);
  return source;
}

async function settled(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 100));
}

function within<T>(promise: Promise<T>, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

test("sniff(): a reader that destroys the stream destroys the source", async () => {
  const source = endless(Buffer.from("plain bytes, no magic"));
  const { compression, stream } = await sniff(source);
  assert.equal(compression, "none");
  stream.destroy();
  await settled();
  assert.ok(source.destroyed, "the source is left open");
});

test("sniff(): a source that fails mid-way fails the reader", async () => {
  const source = endless(Buffer.from("0123456789"));
  const { stream } = await sniff(source);
  setTimeout(() => source.destroy(new Error("disk gone")), 20);
  await assert.rejects(within(buffer(stream)), /disk gone/);
});

test("decompress(gzip): a reader that gives up destroys the source", async () => {
  const source = endless(gzipSync(Buffer.alloc(64 << 10, 1)).subarray(0, 100));
  const plain = decompress(source, "gzip");
  plain.destroy();
  await settled();
  assert.ok(source.destroyed, "the source is left open");
});

test("decompress(gzip): a source that fails mid-way fails the reader", async () => {
  const source = endless(gzipSync(Buffer.alloc(64 << 10, 1)).subarray(0, 100));
  const plain = decompress(source, "gzip");
  setTimeout(() => source.destroy(new Error("connection reset")), 20);
  await assert.rejects(within(buffer(plain)), /connection reset/);
});

const zstd = spawnSync("zstd", ["--version"]).status === 0 ? false : "needs the zstd program";

test("decompress(zstd): a reader that gives up destroys the source", { skip: zstd }, async () => {
  const frame = spawnSync("zstd", ["-c", "-q"], { input: Buffer.alloc(1 << 20, 7) }).stdout;
  const source = endless(frame.subarray(0, frame.length - 4));
  const plain = decompress(source, "zstd");
  plain.destroy();
  await settled();
  assert.ok(source.destroyed, "the source is left open");
});
