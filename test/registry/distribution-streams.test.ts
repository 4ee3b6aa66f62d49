// Blob streams of the distribution client end together with what feeds them: a download that is
// refused closes its connection, and an upload that fails stops the stream it was sending.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { fetchBlob, uploadStream } from "../../src/registry/distribution.js";
import { RegistrySession } from "../../src/registry/registry-session.js";
import type { HttpResponse, SendInit, Transport } from "../../src/registry/transport.js";
import type { Digest } from "../../src/image/digest.js";
import { SystemError } from "../../src/errors.js";

type Answer = { status: number; headers?: Record<string, string>; body?: Readable };

/** A registry in memory: `answer` decides each response; bodies are streams the test can watch. */
function session(answer: (url: URL, init: SendInit) => Answer): RegistrySession {
  const transport = {
    send: async (url: URL, init: SendInit): Promise<HttpResponse> => {
      const a = url.pathname === "/v2/" ? { status: 200 } : answer(url, init);
      const body = Object.assign(a.body ?? Readable.from([]), { dump: async () => undefined });
      return { status: a.status, headers: a.headers ?? {}, body, url };
    },
  } as unknown as Transport;
  return new RegistrySession(transport, "127.0.0.1:5999", undefined, { insecureRegistries: [] } as never);
}

function endless(head: Buffer): Readable {
  const source = new Readable({ read() {} });
  source.push(head);
  return source;
}

const DIGEST = `sha256:${"a".repeat(64)}` as Digest;

test("fetchBlob(): a body longer than the manifest says fails the reader and closes the connection", async () => {
  const body = endless(Buffer.alloc(200));
  const s = session(() => ({ status: 200, body }));
  const blob = await fetchBlob(s, "lib/x", { mediaType: "application/octet-stream", digest: DIGEST, size: 100 });
  await assert.rejects(buffer(blob), /more than the 100 bytes/);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(body.destroyed, "the response body is left open");
});

test("fetchBlob(): a reader that gives up closes the connection", async () => {
  const body = endless(Buffer.alloc(10));
  const s = session(() => ({ status: 200, body }));
  const blob = await fetchBlob(s, "lib/x", { mediaType: "application/octet-stream", digest: DIGEST, size: 100 });
  blob.destroy();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(body.destroyed, "the response body is left open");
});

test("fetchBlob(): a connection cut mid-body is Docker's unexpected EOF", async () => {
  const body = endless(Buffer.alloc(10));
  const s = session(() => ({ status: 200, body }));
  const blob = await fetchBlob(s, "lib/x", { mediaType: "application/octet-stream", digest: DIGEST, size: 100 });
  setTimeout(() => body.destroy(new Error("socket hang up")), 20);
  await assert.rejects(buffer(blob), /error pulling blob sha256:a+: unexpected EOF/);
});

test("uploadStream(): a refused chunk stops the stream being sent", async () => {
  const source = endless(Buffer.alloc(64 << 10, 5));
  const s = session((_url, init) =>
    init.method === "POST"
      ? { status: 202, headers: { location: "/v2/lib/x/blobs/uploads/1" } }
      : { status: 500, body: Readable.from([Buffer.from('{"errors":[{"code":"UNKNOWN","message":"disk full"}]}')]) },
  );
  await assert.rejects(uploadStream(s, "lib/x", source, { chunkSize: 1024 }));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(source.destroyed, "the source is left running");
});

test("a session used before its ping is an invariant failure: a SystemError", () => {
  const s = session(() => ({ status: 404 }));
  assert.throws(() => s.endpoint, SystemError);
});
