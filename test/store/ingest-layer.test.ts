// ingestLayer() reads its source in one pass through several streams; when any of them fails,
// all of them stop, the source first among them.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { FileContentStore } from "../../src/store/content-store.js";
import { ingestLayer } from "../../src/store/ingest-layer.js";
import { createWorkDir } from "../../src/store/work-dir.js";
import { buildTar } from "../helpers/tar-builder.js";

function endless(head: Buffer): Readable {
  const source = new Readable({ read() {} });
  source.push(head);
  return source;
}

async function withDeps(fn: (deps: Parameters<typeof ingestLayer>[1]) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/berth-ingest-`);
  try {
    fs.mkdirSync(`${dir}/tmp`);
    const work = createWorkDir(`${dir}/tmp`, () => undefined);
    await fn({ content: new FileContentStore(`${dir}/blobs`), work });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

for (const keep of ["as-is", "uncompressed", "none"] as const) {
  test(`a layer that is not a tar fails and stops its source (keep ${keep})`, () =>
    withDeps(async (deps) => {
      const source = endless(Buffer.alloc(4096, 0xff));
      await assert.rejects(ingestLayer(source, deps, { keep }), /invalid tar/i);
      assert.ok(source.destroyed, "the source is left open");
    }));
}

test("a gzip layer whose source fails mid-way rejects the ingest", () =>
  withDeps(async (deps) => {
    const tar = gzipSync(await buildTar([{ type: "file", name: "big", body: Buffer.alloc(1 << 20, 3) }]));
    const source = endless(tar.subarray(0, 2000));
    setTimeout(() => source.destroy(new Error("connection reset")), 50);
    await assert.rejects(ingestLayer(source, deps, { keep: "as-is" }), /connection reset|unexpected end/);
  }));
