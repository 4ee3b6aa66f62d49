// packTree() and encodeHeader(): berth's tar writer, read back by tar-stream and by GNU tar.
import { test, describe, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { spawnSync } from "node:child_process";
import { Readable } from "node:stream";
import tarStream from "tar-stream";
import { packTree, WhiteoutNameError } from "../../src/archive/pack.js";
import { extractLayer } from "../../src/archive/extract.js";
import { encodeHeader, END_OF_ARCHIVE, paddingFor } from "../../src/archive/tar-header.js";
import { mknod, lgetxattr, lsetxattr, S_IFCHR } from "../../src/sys/linux.js";
import { isRoot } from "../helpers/temp-root.js";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(`${os.tmpdir()}/berth-pack-`);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function readEntries(tar: Buffer): Promise<tarStream.Header[]> {
  const extract = tarStream.extract();
  const headers: tarStream.Header[] = [];
  const done = new Promise<void>((resolve, reject) => {
    extract.on("entry", (header, stream, next) => {
      headers.push(header);
      stream.on("end", next);
      stream.resume();
    });
    extract.on("finish", resolve);
    extract.on("error", reject);
  });
  extract.end(tar);
  await done;
  return headers;
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test("encodeHeader() writes USTAR that GNU tar lists, with PAX for long names", async () => {
  const long = "d/".repeat(80) + "file-with-a-long-name";
  const body = Buffer.from("hello");
  const tar = Buffer.concat([
    encodeHeader({ name: long, type: "file", mode: 0o644, uid: 0, gid: 0, size: body.length, mtime: 1_700_000_000 }),
    body,
    paddingFor(body.length),
    encodeHeader({ name: "café", type: "symlink", linkname: "x".repeat(150), mode: 0o777, uid: 1, gid: 2, size: 0, mtime: 0 }),
    END_OF_ARCHIVE,
  ]);
  const headers = await readEntries(tar);
  assert.equal(headers[0]!.name, long);
  assert.equal(headers[0]!.size, 5);
  assert.equal(headers[1]!.name, "café");
  assert.equal(headers[1]!.linkname, "x".repeat(150));
  fs.writeFileSync(`${dir}/t.tar`, tar);
  const listed = spawnSync("tar", ["-tf", `${dir}/t.tar`])
    .stdout.toString()
    .trim()
    .split("\n");
  assert.deepEqual(listed, [long, "café"]);
});

describe("packTree()", () => {
  test("packTree() walks in Go's filepath.Walk order and marks hardlinks", async () => {
    fs.mkdirSync(`${dir}/a/b`, { recursive: true });
    fs.writeFileSync(`${dir}/a/b/f`, "1");
    fs.writeFileSync(`${dir}/a-b`, "2");
    fs.linkSync(`${dir}/a/b/f`, `${dir}/z`);
    fs.symlinkSync("a/b/f", `${dir}/s`);
    const headers = await readEntries(await collect(packTree(dir)));
    assert.deepEqual(
      headers.map((h) => `${h.type}:${h.name}`),
      ["directory:a/", "directory:a/b/", "file:a/b/f", "file:a-b", "symlink:s", "link:z"],
    );
    assert.equal(headers[5]!.linkname, "a/b/f");
  });

  test(
    "packTree() turns overlay whiteouts into OCI ones and back again",
    { skip: isRoot() ? false : "needs root for mknod and trusted xattrs" },
    async () => {
      const upper = `${dir}/upper`;
      fs.mkdirSync(`${upper}/etc/opaque`, { recursive: true });
      fs.writeFileSync(`${upper}/etc/opaque/new`, "n");
      lsetxattr(`${upper}/etc/opaque`, "trusted.overlay.opaque", Buffer.from("y"));
      mknod(`${upper}/etc/deleted`, S_IFCHR, 0, 0);
      const tar = await collect(packTree(upper, { whiteouts: "overlay" }));
      const names = (await readEntries(tar)).map((h) => h.name);
      assert.deepEqual(names, ["etc/", "etc/.wh.deleted", "etc/opaque/", "etc/opaque/.wh..wh..opq", "etc/opaque/new"]);
      const back = `${dir}/back`;
      fs.mkdirSync(back);
      await extractLayer(Readable.from([tar]), back);
      assert.ok(fs.lstatSync(`${back}/etc/deleted`).isCharacterDevice());
      assert.equal(fs.readFileSync(`${back}/etc/opaque/new`, "utf8"), "n");
    },
  );

  test(
    "packTree() refuses a user's file named like a whiteout in overlay mode, naming it; a plain tree keeps it",
    { skip: isRoot() ? false : "needs root for trusted xattrs" },
    async () => {
      const upper = `${dir}/upper`;
      fs.mkdirSync(`${upper}/e`, { recursive: true });
      fs.writeFileSync(`${upper}/.wh.secret`, "mine");
      await assert.rejects(collect(packTree(upper, { whiteouts: "overlay" })), (err: Error) => {
        assert.ok(err instanceof WhiteoutNameError);
        assert.equal(
          err.message,
          '"/.wh.secret" has a whiteout name (.wh. prefix): in an image layer it would delete "/secret" instead of holding this file; rename or remove it first',
        );
        return true;
      });
      fs.rmSync(`${upper}/.wh.secret`);
      fs.writeFileSync(`${upper}/e/.wh..wh..opq`, "");
      await assert.rejects(collect(packTree(upper, { whiteouts: "overlay" })), {
        message:
          '"/e/.wh..wh..opq" has a whiteout name (.wh. prefix): in an image layer it would hide everything the layers below hold in "/e" instead of holding this file; rename or remove it first',
      });
      // export: the container's files as they are, not a layer.
      const names = (await readEntries(await collect(packTree(upper)))).map((h) => h.name);
      assert.deepEqual(names, ["e/", "e/.wh..wh..opq"]);
    },
  );

  test(
    "packTree() writes an opaque root as .wh..wh..opq at the top of the layer",
    { skip: isRoot() ? false : "needs root for trusted xattrs" },
    async () => {
      const upper = `${dir}/upper`;
      fs.mkdirSync(upper);
      fs.writeFileSync(`${upper}/kept`, "k");
      lsetxattr(upper, "trusted.overlay.opaque", Buffer.from("y"));
      const names = (await readEntries(await collect(packTree(upper, { whiteouts: "overlay" })))).map((h) => h.name);
      assert.deepEqual(names, [".wh..wh..opq", "kept"]);
    },
  );

  test("packTree() and extractLayer() round-trip contents, modes and capabilities", { skip: isRoot() ? false : "needs root" }, async () => {
    const src = `${dir}/src`;
    fs.mkdirSync(`${src}/bin`, { recursive: true });
    fs.writeFileSync(`${src}/bin/big`, Buffer.alloc(3 << 20, 7));
    fs.writeFileSync(`${src}/bin/ping`, "ping");
    fs.chmodSync(`${src}/bin/ping`, 0o4711);
    // A file capability value is binary: v2, cap_net_raw permitted+effective.
    const cap = Buffer.from("0100000200200000000000000000000000000000", "hex");
    lsetxattr(`${src}/bin/ping`, "security.capability", cap);
    const out = `${dir}/out`;
    fs.mkdirSync(out);
    await extractLayer(packTree(src), out);
    assert.deepEqual(fs.readFileSync(`${out}/bin/big`), fs.readFileSync(`${src}/bin/big`));
    assert.equal(fs.statSync(`${out}/bin/ping`).mode & 0o7777, 0o4711);
    assert.deepEqual(lgetxattr(`${out}/bin/ping`, "security.capability"), cap, "binary xattrs survive byte for byte");
  });
});
