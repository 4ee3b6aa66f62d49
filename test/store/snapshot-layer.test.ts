// snapshotLayer() makes commit's layer without a tar stream in between: the blob, the diff ID and
// the layer dir must be exactly what the stream path (packTree, then ingestLayer's extraction) made.
import { test, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { packTree } from "../../src/archive/pack.js";
import { FileContentStore } from "../../src/store/content-store.js";
import { ingestLayer } from "../../src/store/ingest-layer.js";
import { snapshotLayer } from "../../src/store/snapshot-layer.js";
import { createWorkDir, type WorkDir } from "../../src/store/work-dir.js";
import { llistxattr, lgetxattr, lsetxattr, mknod, S_IFBLK, S_IFCHR, S_IFIFO } from "../../src/sys/linux.js";
import { isRoot } from "../helpers/temp-root.js";

let dir: string;
let work: WorkDir;
beforeEach(() => {
  dir = fs.mkdtempSync(`${os.tmpdir()}/berth-snapshot-`);
  fs.mkdirSync(`${dir}/tmp`);
  work = createWorkDir(`${dir}/tmp`, () => undefined);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An overlay upper dir with every kind of entry a container's writable layer can hold. */
function upperTree(upper: string): void {
  fs.mkdirSync(`${upper}/etc/opaque/sub`, { recursive: true });
  fs.mkdirSync(`${upper}/data/deep/er`, { recursive: true });
  fs.mkdirSync(`${upper}/dev`);
  lsetxattr(`${upper}/etc/opaque`, "trusted.overlay.opaque", Buffer.from("y"));
  // Overlay's own bookkeeping is not part of a layer.
  lsetxattr(`${upper}/data`, "trusted.overlay.impure", Buffer.from("y"));
  mknod(`${upper}/etc/deleted`, S_IFCHR, 0, 0);
  mknod(`${upper}/dev/null2`, S_IFCHR | 0o666, 1, 3);
  mknod(`${upper}/dev/loop9`, S_IFBLK | 0o660, 7, 9);
  mknod(`${upper}/dev/pipe`, S_IFIFO | 0o640, 0, 0);
  fs.writeFileSync(`${upper}/etc/opaque/sub/kept`, "kept\n");
  fs.writeFileSync(`${upper}/data/empty`, "");
  fs.writeFileSync(`${upper}/data/odd`, Buffer.alloc(513, 1));
  fs.writeFileSync(`${upper}/data/deep/er/big`, Buffer.alloc((3 << 20) + 17, 7));
  fs.writeFileSync(`${upper}/data/ping`, "ping");
  fs.chownSync(`${upper}/data/ping`, 1000, 1001);
  fs.chmodSync(`${upper}/data/ping`, 0o4711);
  // A file capability value is binary: v2, cap_net_raw permitted+effective.
  lsetxattr(`${upper}/data/ping`, "security.capability", Buffer.from("0100000200200000000000000000000000000000", "hex"));
  lsetxattr(`${upper}/data/odd`, "user.note", Buffer.from("not in a layer"));
  fs.linkSync(`${upper}/data/odd`, `${upper}/data/odd-link`);
  fs.linkSync(`${upper}/data/odd`, `${upper}/etc/odd-link2`);
  fs.symlinkSync("../data/ping", `${upper}/etc/to-ping`);
  fs.symlinkSync("x".repeat(150), `${upper}/etc/long-target`);
  fs.writeFileSync(`${upper}/data/${"n".repeat(120)}`, "long name");
  fs.lutimesSync(`${upper}/etc/to-ping`, 1_000_000, 1_000_000);
  fs.utimesSync(`${upper}/data/odd`, 1_500_000_000.75, 1_500_000_000.75);
  fs.utimesSync(`${upper}/data/deep`, 1_200_000_000, 1_200_000_000);
  fs.utimesSync(`${upper}/etc/opaque`, 1_300_000_000, 1_300_000_000);
}

/** Everything about a tree that overlay or a tar could see, path by path, hard links by group. */
function describeTree(root: string): string[] {
  const lines: string[] = [];
  const inodes = new Map<number, string>();
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(`${root}${rel}`).sort()) {
      const path = `${rel}/${name}`;
      const abs = `${root}${path}`;
      const st = fs.lstatSync(abs);
      const xattrs = llistxattr(abs)
        .sort()
        .map((x) => `${x}=${lgetxattr(abs, x)?.toString("hex")}`);
      const linkOf = st.nlink > 1 ? inodes.get(st.ino) : undefined;
      if (st.nlink > 1 && !linkOf) inodes.set(st.ino, path);
      const what = st.isFile()
        ? `file ${fs.readFileSync(abs).toString("base64").slice(0, 64)} ${st.size}`
        : st.isSymbolicLink()
          ? `symlink ${fs.readlinkSync(abs)}`
          : st.isDirectory()
            ? "dir"
            : `node ${st.rdev}`;
      // A whiteout's time is when it was made; everything else carries the tree's own time.
      const time = st.isCharacterDevice() && st.rdev === 0 ? "" : `${st.mtimeMs}`;
      lines.push(`${path} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${time} ${what} ${xattrs.join(",")} ${linkOf ? `= ${linkOf}` : ""}`);
      if (st.isDirectory()) walk(path);
    }
  };
  walk("");
  return lines;
}

test(
  "snapshotLayer() makes the blob, diff ID and layer dir that packTree and extraction make",
  { skip: isRoot() ? false : "needs root for mknod, chown and trusted xattrs" },
  async () => {
    const upper = `${dir}/upper`;
    fs.mkdirSync(upper);
    upperTree(upper);
    const content = new FileContentStore(`${dir}/blobs`);
    const old = await ingestLayer(packTree(upper, { whiteouts: "overlay" }), { content, work }, { keep: "uncompressed" });
    const now = await snapshotLayer(upper, { work }, { whiteouts: "overlay" });
    assert.equal(now.layer.diffId, old.layer.diffId);
    assert.equal(now.blob.digest, old.blob!.digest);
    assert.equal(now.blob.size, old.blob!.size);
    assert.deepEqual(fs.readFileSync(now.blob.path), fs.readFileSync(old.blob!.path), "the tar, byte for byte");
    assert.equal(now.layer.size, old.layer.size);
    assert.equal(now.compressed, false);
    const made = describeTree(now.layer.path);
    assert.deepEqual(made, describeTree(old.layer.path), "the layer dir, entry by entry");
    // What the comparison rests on: the kinds of entry are all there.
    assert.ok(
      made.some((l) => l.startsWith("/etc/deleted 20000 0:0  node 0")),
      "a whiteout",
    );
    assert.ok(
      made.some((l) => l.startsWith("/etc/opaque ") && l.includes("trusted.overlay.opaque=79")),
      "an opaque dir",
    );
    assert.ok(
      made.some((l) => l.startsWith("/data/odd-link ") && l.endsWith("= /data/odd")),
      "a hard link",
    );
    assert.ok(
      made.some((l) => l.startsWith("/data/ping 104711 1000:1001") && l.includes("security.capability=")),
      "a capability",
    );
    assert.ok(!made.some((l) => l.includes("user.note") || l.includes("overlay.impure")), "only the xattrs a layer keeps");
    assert.equal(fs.statSync(`${now.layer.path}/data/odd`).mtimeMs, 1_500_000_000_000, "times in whole seconds, as in a tar");
  },
);

test(
  "snapshotLayer() of an opaque root hides every layer below",
  { skip: isRoot() ? false : "needs root for trusted xattrs" },
  async () => {
    const upper = `${dir}/upper`;
    fs.mkdirSync(upper);
    fs.writeFileSync(`${upper}/only`, "only");
    lsetxattr(upper, "trusted.overlay.opaque", Buffer.from("y"));
    const content = new FileContentStore(`${dir}/blobs`);
    const old = await ingestLayer(packTree(upper, { whiteouts: "overlay" }), { content, work }, { keep: "uncompressed" });
    const now = await snapshotLayer(upper, { work }, { whiteouts: "overlay" });
    assert.equal(now.layer.diffId, old.layer.diffId);
    assert.equal(lgetxattr(now.layer.path, "trusted.overlay.opaque")?.toString(), "y");
  },
);

test("snapshotLayer() of an empty tree is the empty layer Docker records", async () => {
  const tree = `${dir}/empty`;
  fs.mkdirSync(tree);
  const now = await snapshotLayer(tree, { work });
  assert.equal(now.layer.diffId, "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef");
  assert.equal(now.blob.size, 1024);
});

test("snapshotLayer() refuses a file with a whiteout name, as packTree does, and leaves no open blob", async () => {
  const upper = `${dir}/upper`;
  fs.mkdirSync(upper);
  fs.writeFileSync(`${upper}/.wh.trick`, "");
  await assert.rejects(snapshotLayer(upper, { work }, { whiteouts: "overlay" }), /whiteout name/);
  // The work dir can go: nothing of the failed snapshot holds it.
  fs.rmSync(work.path, { recursive: true });
});

test("snapshotLayer() reads a file larger than its write batches once, in order", async () => {
  const tree = `${dir}/tree`;
  fs.mkdirSync(tree);
  const big = Buffer.alloc(9 << 20);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
  fs.writeFileSync(`${tree}/big`, big);
  fs.writeFileSync(`${tree}/small`, "small");
  const content = new FileContentStore(`${dir}/blobs`);
  const old = await ingestLayer(packTree(tree), { content, work }, { keep: "uncompressed" });
  const now = await snapshotLayer(tree, { work });
  assert.equal(now.layer.diffId, old.layer.diffId);
  assert.deepEqual(fs.readFileSync(`${now.layer.path}/big`), big);
});
