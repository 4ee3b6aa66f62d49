// HashingStream's digest exists once the stream has ended; asking earlier is berth's own bug, and
// reaches the user as a system error (exit code and HTTP status of one), not as a crash.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buffer } from "node:stream/consumers";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { HashingStream, sha256Digest } from "../../src/image/digest.js";
import { SystemError } from "../../src/errors.js";

test("digest() before the end is a SystemError", () => {
  assert.throws(() => new HashingStream().digest(), SystemError);
});

test("digest() after the end is the bytes' sha256", async () => {
  const hashing = new HashingStream();
  const [, out] = await Promise.all([pipeline(Readable.from([Buffer.from("abc")]), hashing), buffer(hashing)]);
  assert.equal(out.toString(), "abc");
  assert.equal(hashing.digest(), sha256Digest(Buffer.from("abc")));
});
