// `berth cp` onto an existing file when the new one does not fit: the copy fails with the file
// system's words and the file the user meant to replace is still there, unchanged, whether it
// lives in the container's writable layer, in a volume or in a bind mount. Each place is a small
// tmpfs of the test's own, filled to the brim.
import { test, describe, after, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { createTempRoot, isRoot, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";
import { fillUp, mountSmallFs } from "../helpers/small-fs.js";

const skip = isRoot() ? false : "needs root (mounts)";

const HINT =
  "free some space on that file system ('berth system df' shows what berth uses, 'berth system prune' removes what nothing uses)";

describe("cp onto an existing file on a full file system", { skip }, () => {
  let t: TempRoot;
  let bind: string;
  let volume: string;
  let upper: string;
  const ok = (args: string[]): string => {
    const r = t.berth(args);
    assert.equal(r.code, 0, `berth ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };

  before(() => {
    t = createTempRoot();
    // The store (and so the container's writable layer and its volumes) on one small file system,
    // the bind mount's source on another.
    mountSmallFs(t.root, 24 << 20);
    bind = `${t.dir}/bind`;
    mountSmallFs(bind, 2 << 20);
    ok(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
    const id = ok(["create", "--name", "full", "-v", "vol:/vol", "-v", `${bind}:/bind`, "busybox", "true"]).trim();
    upper = `${t.root}/containers/${id}/diff`;
    volume = String(JSON.parse(ok(["volume", "inspect", "vol"]))[0].Mountpoint);
    fs.writeFileSync(`${t.dir}/precious`, "precious\n", { mode: 0o640 });
    fs.writeFileSync(`${t.dir}/big`, Buffer.alloc(1 << 20, "b"));
    for (const place of ["/keep", "/vol/keep", "/bind/keep"]) ok(["cp", `${t.dir}/precious`, `full:${place}`]);
  });
  after(() => t?.cleanup());

  const places = [
    { place: "/keep", dir: () => upper, fsOf: () => t.root },
    { place: "/vol/keep", dir: () => volume, fsOf: () => t.root },
    { place: "/bind/keep", dir: () => bind, fsOf: () => bind },
  ];
  for (const { place, dir, fsOf } of places) {
    test(`a copy that does not fit fails and leaves ${place} as it was`, () => {
      const before = fs.statSync(`${dir()}/keep`);
      // Room for the store's own bookkeeping, not for the new file.
      const filler = fillUp(fsOf(), 256 << 10);
      let r;
      try {
        r = t.berth(["cp", `${t.dir}/big`, `full:${place}`]);
      } finally {
        fs.rmSync(filler);
      }
      const content = fs.readFileSync(`${dir()}/keep`);
      assert.ok(content.equals(Buffer.from("precious\n")), `the file the copy was to replace is intact, not ${content.length} bytes long`);
      const after = fs.statSync(`${dir()}/keep`);
      assert.deepEqual([after.ino, after.size, after.mode, after.mtimeMs], [before.ino, before.size, before.mode, before.mtimeMs]);
      assert.deepEqual(
        fs.readdirSync(dir()).filter((n) => n.startsWith(".berth-cp-")),
        [],
        "no temporary file is left",
      );
      assert.deepEqual(
        [r.code, r.stderr],
        [1, `Error response from daemon: Error processing tar file(exit status 1): write ${place}: no space left on device; ${HINT}\n`],
      );
      // With room again, the same copy replaces the file.
      ok(["cp", `${t.dir}/big`, `full:${place}`]);
      assert.equal(fs.statSync(`${dir()}/keep`).size, 1 << 20);
      ok(["cp", `${t.dir}/precious`, `full:${place}`]);
    });
  }

  test("the store is consistent afterwards", () => {
    assert.equal(ok(["system", "check"]), "No problems found\n");
  });
});
