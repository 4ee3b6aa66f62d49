// `image analyze` on images whose waste is known by construction: a layer that adds a 1,000,000-byte
// file and a later one that deletes it (and rewrites a small file), checked against dive's formulas;
// --layer, --format, --ci, and the API's GET /images/{name}/analyze giving the same document.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createTempRoot, isRoot, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";
import { startApiServer } from "../helpers/api-server.js";

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
