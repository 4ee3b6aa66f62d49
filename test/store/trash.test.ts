// The trash of a write transaction: what it moved out is deleted when it commits and put back when
// it does not, by the process itself (a throw, a failed COMMIT) or by the next one (a kill).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { Store } from "../../src/store/store.js";
import { SystemError } from "../../src/errors.js";
import { NOW, withStore } from "./store-fixture.js";

/** A volume holding one file, to see it come back whole. */
function putVolume(store: Store, name: string): string {
  const volume = store.write(() => store.volumes.ensure(name, { now: NOW }));
  fs.writeFileSync(`${volume.mountpoint}/data`, name);
  return volume.mountpoint;
}

function committedTrashRows(store: Store): number {
  return (store.db.prepare("SELECT COUNT(*) AS n FROM committed_trash").get() as { n: number }).n;
}

/** A work dir of a process that is gone (pid 0 never names a user process), as a kill leaves it. */
function deadWorkDir(root: string, word: string): { name: string; path: string } {
  const name = `0.0.${word}`;
  const path = `${root}/tmp/${name}`;
  fs.mkdirSync(`${path}/trash`, { recursive: true });
  return { name, path };
}

describe("the trash of a write", () => {
  test(
    "a write that throws puts back what it moved out, and leaves no work dir",
    withStore((store, root) => {
      const mountpoint = putVolume(store, "kept");
      assert.throws(
        () =>
          store.write((trash) => {
            store.volumes.remove("kept", trash);
            assert.equal(fs.existsSync(mountpoint), false, "out of sight inside the transaction");
            throw new Error("the change failed after its move");
          }),
        /after its move/,
      );
      assert.equal(store.volumes.get("kept")?.name, "kept");
      assert.equal(fs.readFileSync(`${mountpoint}/data`, "utf8"), "kept");
      assert.deepEqual(fs.readdirSync(`${root}/tmp`), []);
      assert.equal(committedTrashRows(store), 0, "the row went with the rollback");
    }),
  );

  test(
    "a write that commits deletes its trash; the sweep forgets the row once the trash is gone",
    withStore((store, root) => {
      const mountpoint = putVolume(store, "gone");
      store.write((trash) => store.volumes.remove("gone", trash));
      assert.equal(fs.existsSync(mountpoint), false);
      assert.deepEqual(fs.readdirSync(`${root}/tmp`), []);
      assert.equal(committedTrashRows(store), 1);
      store.sweep();
      assert.equal(committedTrashRows(store), 0);
    }),
  );

  test(
    "a failure inside a nested write puts back only what the nested write moved",
    withStore((store) => {
      const outer = putVolume(store, "outer");
      const inner = putVolume(store, "inner");
      store.write((trash) => {
        store.volumes.remove("outer", trash);
        assert.throws(() =>
          store.write((nested) => {
            store.volumes.remove("inner", nested);
            throw new Error("the nested change failed");
          }),
        );
      });
      assert.equal(fs.existsSync(outer), false);
      assert.equal(store.volumes.get("outer"), undefined);
      assert.equal(fs.readFileSync(`${inner}/data`, "utf8"), "inner");
      assert.equal(store.volumes.get("inner")?.name, "inner");
    }),
  );

  test(
    "the next open puts back the trash of a process killed before its COMMIT; the sweep deletes one whose COMMIT was made",
    withStore((store, root) => {
      const uncommitted = putVolume(store, "uncommitted");
      const committed = putVolume(store, "committed");
      // As a kill leaves them: each volume's dir in the trash of a dead process; one transaction
      // committed (its row is there, the volume's is gone), the other never did.
      const killedEarly = deadWorkDir(root, "early");
      fs.renameSync(`${root}/volumes/uncommitted`, `${killedEarly.path}/trash/volumes%2Funcommitted`);
      const killedLate = deadWorkDir(root, "late");
      fs.renameSync(`${root}/volumes/committed`, `${killedLate.path}/trash/volumes%2Fcommitted`);
      store.db.transaction(() => {
        store.db.prepare("DELETE FROM volumes WHERE name = 'committed'").run();
        store.db.prepare("INSERT INTO committed_trash (work_dir) VALUES (?)").run(killedLate.name);
      })();
      store.close();

      const next = Store.open({ root });
      try {
        assert.equal(fs.readFileSync(`${uncommitted}/data`, "utf8"), "uncommitted", "back before anything reads the store");
        assert.equal(fs.existsSync(committed), false, "a committed removal is never undone");
        next.sweep();
        assert.deepEqual(fs.readdirSync(`${root}/tmp`), [], "both work dirs are gone");
        assert.equal(fs.existsSync(committed), false);
        assert.deepEqual(
          next.volumes.list().map((v) => v.name),
          ["uncommitted"],
        );
        next.sweep();
        assert.equal(committedTrashRows(next), 0);
      } finally {
        next.close();
      }
      // withStore closes its own store again; a second close of a closed database is harmless.
    }),
  );

  test(
    "a trash that cannot be put back keeps its work dir for a later try",
    withStore((store, root) => {
      const mountpoint = putVolume(store, "blocked");
      const killed = deadWorkDir(root, "blocked");
      fs.renameSync(`${root}/volumes/blocked`, `${killed.path}/trash/volumes%2Fblocked`);
      // Something stands where the volume must go back.
      fs.mkdirSync(`${mountpoint}/x`, { recursive: true });
      const warnings: string[] = [];
      store.close();
      const next = Store.open({ root, warn: (m) => warnings.push(m) });
      try {
        next.sweep();
        assert.ok(fs.existsSync(`${killed.path}/trash/volumes%2Fblocked/_data/data`), "nothing it holds was deleted");
        assert.equal(warnings.length, 1, warnings.join("\n"));
        assert.match(warnings[0]!, /putting back what an interrupted change/);
        fs.rmSync(`${root}/volumes/blocked`, { recursive: true });
        next.sweep();
        assert.equal(fs.readFileSync(`${mountpoint}/data`, "utf8"), "blocked");
        assert.deepEqual(fs.readdirSync(`${root}/tmp`), []);
      } finally {
        next.close();
      }
    }),
  );

  test(
    "a root named with a trailing slash is the same store: removals work, and what a throw moved out comes back",
    withStore((store, root) => {
      const mountpoint = putVolume(store, "slash");
      const removed = putVolume(store, "removed");
      store.close();
      const same = Store.open({ root: `${root}/` });
      try {
        same.write((trash) => same.volumes.remove("removed", trash));
        assert.equal(fs.existsSync(removed), false);
        assert.throws(() =>
          same.write((trash) => {
            same.volumes.remove("slash", trash);
            throw new Error("failed");
          }),
        );
        assert.equal(fs.readFileSync(`${mountpoint}/data`, "utf8"), "slash");
      } finally {
        same.close();
      }
    }),
  );

  test(
    "only paths of the store go into its trash",
    withStore((store, root) => {
      fs.mkdirSync(`${root}/volumes/x`, { recursive: true });
      for (const path of ["/etc/passwd", `${root}/volumes/../../outside`, `${root}/..`, `${root}/`]) {
        assert.throws(() => store.write((trash) => trash.move(path)), SystemError, path);
      }
      assert.ok(fs.existsSync(`${root}/volumes/x`));
    }),
  );
});
