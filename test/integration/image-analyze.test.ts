// `image analyze` on images whose waste is known by construction: a layer that adds a 1,000,000-byte
// file and a later one that deletes it (and rewrites a small file), checked against dive's formulas;
// --layer, --format, --ci, and the API's GET /images/{name}/analyze giving the same document.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createTempRoot, isRoot, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";
import { startApiServer } from "../helpers/api-server.js";
import { buildTar } from "../helpers/tar-builder.js";
import { createHash } from "node:crypto";

const skip = isRoot() ? false : "commits run containers: needs root";
type Json = Record<string, unknown>;

describe("image analyze", { skip }, () => {
  let t: TempRoot;
  const ok = (args: string[]) => {
    const r = t.berth(args);
    assert.equal(r.code, 0, `berth ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  before(() => {
    t = createTempRoot("berth-analyze-");
    ok(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
    ok([
      "run",
      "--name",
      "a1",
      "--network",
      "none",
      "busybox",
      "sh",
      "-c",
      "head -c 1000000 /dev/zero > /big && mkdir /d && echo hi > /d/f",
    ]);
    ok(["commit", "a1", "waste:1"]);
    ok(["run", "--name", "a2", "--network", "none", "waste:1", "sh", "-c", "rm /big && head -c 1000 /dev/zero > /d/f"]);
    ok(["commit", "a2", "waste:2"]);
  });
  after(() => t?.cleanup());

  test("per-layer changes, wasted bytes and efficiency as dive computes them", () => {
    const doc = JSON.parse(ok(["image", "analyze", "--format", "json", "waste:2"])) as Json;
    const layers = doc.Layers as { Added: { Count: number; Bytes: number }; Changed: Json; Removed: Json; Size: number }[];
    assert.equal(layers.length, 3);
    const base = layers[0]!.Added.Bytes;
    assert.ok(base > 100_000, "the base layer's files");
    assert.deepEqual(layers[1]!.Added, { Count: 2, Bytes: 1_000_003 });
    assert.deepEqual(
      [layers[2]!.Changed, layers[2]!.Removed],
      [
        { Count: 1, Bytes: 1000 },
        { Count: 1, Bytes: 1_000_000 },
      ],
    );
    // /big: 1,000,000 in layer 1 and a whiteout weighing as much in layer 2; /d/f: 3 then 1,000 bytes.
    assert.deepEqual(doc.Wasted, [
      { Path: "/big", Count: 2, Bytes: 2_000_000, Layers: [1, 2] },
      { Path: "/d/f", Count: 2, Bytes: 1003, Layers: [1, 2] },
    ]);
    assert.equal(doc.WastedBytes, 2_001_003);
    const cumulative = base + 1_000_003 + 1_000_000 + 1000;
    const minimum = base + 1_000_003;
    assert.equal(doc.Efficiency, minimum / cumulative);
    const userBytes = 1_000_003 + 1000;
    assert.equal(doc.UserWastedPercent, 2_001_003 / userBytes);
    assert.equal(ok(["image", "analyze", "--format", "{{.WastedBytes}}", "waste:2"]), "2001003\n");
    // An image without waste is 100 % efficient.
    assert.equal(ok(["image", "analyze", "--format", "{{.Efficiency}} {{.WastedBytes}}", "busybox"]), "1 0\n");
  });

  test("--layer lists a layer's changes; --ci fails an image past its limits", () => {
    assert.equal(ok(["image", "analyze", "--layer", "2", "waste:2"]), "D /big\t1MB\nC /d/f\t1kB\n");
    const bad = t.berth(["image", "analyze", "--layer", "3", "waste:2"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /the image has 3 layers: --layer takes 0 to 2/);
    const ci = t.berth(["image", "analyze", "--ci", "waste:2"]);
    assert.equal(ci.code, 1);
    assert.match(ci.stdout, /FAIL: lowestEfficiency 0\.\d{4} \(limit 0\.9\)\n/);
    assert.match(ci.stdout, /Result: FAIL\n$/);
    const lenient = t.berth(["image", "analyze", "--ci", "--lowest-efficiency", "0.5", "--highest-user-wasted-percent", "1", "busybox"]);
    assert.equal(lenient.code, 0, lenient.stdout);
    assert.match(lenient.stdout, /Result: PASS\n$/);
  });

  test("the API answers the same document", async () => {
    const api = await startApiServer(t, [], "analyze.sock");
    try {
      const r = await api.request("GET", "/v1.41/images/waste:2/analyze");
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.body.toString()), JSON.parse(ok(["image", "analyze", "--format", "json", "waste:2"])));
      assert.equal((await api.request("GET", "/v1.41/images/nosuch/analyze")).status, 404);
    } finally {
      await api.stop();
    }
  });
});

// Layers written in code and `load`ed, so that every way a layer can replace what is below it is
// there: an opaque directory, a whiteout of a directory and of a hard link, a file that becomes a
// directory and back, an empty directory that fills. The figures follow dive's rules by hand.
describe("image analyze on layers built in code", { skip }, () => {
  let t: TempRoot;
  const ok = (args: string[]) => {
    const r = t.berth(args);
    assert.equal(r.code, 0, `berth ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const body = (n: number) => Buffer.alloc(n, "x");
  before(async () => {
    t = createTempRoot("berth-analyze-tree-");
    const layers = [
      await buildTar([
        { type: "directory", name: "a/" },
        { type: "file", name: "a/x", body: body(100) },
        { type: "file", name: "a/y", body: body(200) },
        { type: "directory", name: "b/" },
        { type: "file", name: "b/z", body: body(300) },
        { type: "file", name: "c", body: body(400) },
        { type: "directory", name: "e/" },
        { type: "file", name: "h1", body: body(500) },
        { type: "link", name: "h2", linkname: "h1" },
      ]),
      await buildTar([
        { type: "directory", name: "a/" },
        { type: "file", name: "a/.wh..wh..opq" },
        { type: "file", name: "a/y", body: body(250) },
        { type: "file", name: ".wh.b" },
        { type: "directory", name: "c/" },
        { type: "file", name: "c/n", body: body(50) },
        { type: "directory", name: "e/" },
        { type: "file", name: "e/f", body: body(10) },
      ]),
      await buildTar([
        { type: "file", name: "c", body: body(60) },
        { type: "file", name: ".wh.h2" },
        { type: "file", name: "new", body: body(70) },
      ]),
    ];
    const diffIds = layers.map((l) => `sha256:${createHash("sha256").update(l).digest("hex")}`);
    const config = { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: diffIds }, config: {} };
    const archive = await buildTar([
      ...layers.map((l, i) => ({ type: "file" as const, name: `${i}/layer.tar`, body: l })),
      { type: "file", name: "config.json", body: JSON.stringify(config) },
      {
        type: "file",
        name: "manifest.json",
        body: JSON.stringify([{ Config: "config.json", RepoTags: ["tree:1"], Layers: layers.map((_, i) => `${i}/layer.tar`) }]),
      },
    ]);
    const r = t.berth(["load"], { input: archive });
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => t?.cleanup());

  test("counts, waste and efficiency over opaque dirs, whiteouts, hard links and type changes", () => {
    const doc = JSON.parse(ok(["image", "analyze", "--format", "json", "tree:1"])) as Json;
    const layers = (doc.Layers as Json[]).map((l) => [l.Added, l.Changed, l.Removed]);
    assert.deepEqual(layers, [
      // a/x, a/y, b/z, c, h1 and h2 (a hard link: its bytes count once)
      [
        { Count: 6, Bytes: 1500 },
        { Count: 0, Bytes: 0 },
        { Count: 0, Bytes: 0 },
      ],
      // c/n and e/f; a/y; a/x (hidden by the opaque a), b/z (b whited out), c (now a directory)
      [
        { Count: 2, Bytes: 60 },
        { Count: 1, Bytes: 250 },
        { Count: 3, Bytes: 800 },
      ],
      // c (a file again) and new; c/n and h2
      [
        { Count: 2, Bytes: 130 },
        { Count: 0, Bytes: 0 },
        { Count: 2, Bytes: 50 },
      ],
    ]);
    assert.deepEqual(doc.Wasted, [
      { Path: "/c", Count: 2, Bytes: 460, Layers: [0, 2] },
      { Path: "/a/y", Count: 2, Bytes: 450, Layers: [0, 1] },
      { Path: "/a/x", Count: 2, Bytes: 200, Layers: [0, 1] },
      { Path: "/h2", Count: 2, Bytes: 0, Layers: [0, 2] },
    ]);
    assert.equal(doc.WastedBytes, 1110);
    // Smallest occurrence of each path over the sum of all: /b weighs the 300 bytes it hides.
    assert.equal(doc.Efficiency, 1590 / 2340);
    assert.equal(doc.UserWastedPercent, 1110 / 440);
  });

  test("--layer lists each layer's changes by path", () => {
    assert.equal(
      ok(["image", "analyze", "--layer", "0", "tree:1"]),
      "A /a\nA /a/x\t100B\nA /a/y\t200B\nA /b\nA /b/z\t300B\nA /c\t400B\nA /e\nA /h1\t500B\nA /h2\n",
    );
    assert.equal(
      ok(["image", "analyze", "--layer", "1", "tree:1"]),
      "D /a/x\t100B\nC /a/y\t250B\nD /b\nD /b/z\t300B\nD /c\t400B\nA /c\nA /c/n\t50B\nA /e/f\t10B\n",
    );
    assert.equal(ok(["image", "analyze", "--layer", "2", "tree:1"]), "D /c\nA /c\t60B\nD /c/n\t50B\nD /h2\nA /new\t70B\n");
    const notANumber = t.berth(["image", "analyze", "--layer", "last", "tree:1"]);
    assert.equal(notANumber.code, 1);
    assert.match(notANumber.stderr, /the image has 3 layers: --layer takes 0 to 2/);
  });
});
