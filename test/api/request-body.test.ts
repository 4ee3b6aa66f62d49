// The body stream the API hands the engine: a client that goes away mid-body fails its reader
// (instead of leaving an import or a cp waiting for ever), and a reader that refuses the body
// leaves the request, and its connection, alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import type { IncomingMessage } from "node:http";
import { bodyStream } from "../../src/api/request-body.js";

function request(head: Buffer): Readable {
  const req = new Readable({ read() {} });
  req.push(head);
  return req;
}

function within<T>(promise: Promise<T>, ms = 3_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

test("a request that fails mid-body fails the body's reader", async () => {
  const req = request(Buffer.from("part of a tar"));
  const body = bodyStream(req as IncomingMessage);
  setTimeout(() => req.destroy(new Error("aborted")), 20);
  await assert.rejects(within(buffer(body)), /aborted/);
});

test("a body whose reader gives up leaves the request alive and drains it", async () => {
  const req = request(Buffer.from("first"));
  const body = bodyStream(req as IncomingMessage);
  body.destroy();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(req.destroyed, false, "the request (and its connection) must stay for the error answer");
  req.push("the rest");
  req.push(null);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(req.readableEnded, "what is left of the body is read and dropped");
});

test("a whole body reads as sent", async () => {
  const req = request(Buffer.from("all "));
  req.push("of it");
  req.push(null);
  assert.equal((await within(buffer(bodyStream(req as IncomingMessage)))).toString(), "all of it");
});
