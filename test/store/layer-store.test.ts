// The layer store's promises, through its public API: layers are made once however often they
// are ingested, a layer something stands on cannot be removed, and a container's snapshot is
// whole or absent: prepared with its container's row, mounted from what the store says, removed
// idempotently, and a snapshot that lost its row is a leftover the sweep takes away.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { ConflictError, NotFoundError, SystemError } from "../../src/errors.js";
import { mountAll, unmount } from "../../src/sys/mount.js";
import { isRoot } from "../helpers/temp-root.js";
import { initialState } from "../../src/store/container-store.js";
import { containerId, containerSpec, putContainer, putImage, withStore } from "./store-fixture.js";

const skip = isRoot() ? false : "needs root (overlay mounts, trusted xattrs)";
const BASE = [{ type: "file" as const, name: "etc/os-release", body: "base\n" }];
const TOP = [{ type: "file" as const, name: "app/run", body: "top\n" }];

describe("layer store", { skip }, () => {
  test(
    "ingesting and committing the same layers again makes no second copy",
    withStore(async (store) => {
      const first = await putImage(store, [BASE, TOP], "one");
      const again = await putImage(store, [BASE, TOP], "two");
      assert.equal(again.top, first.top);
      assert.equal(store.layers.list().length, 2);
      assert.equal(fs.readdirSync(store.layers.dir).length, 2, "one directory per layer");
      assert.deepEqual(store.garbage().layerDirs, []);
    }),
  );

  test(
    "chain() lists a layer and its parents, top first; stack() the same when no root is opaque",
    withStore(async (store) => {
      const { top } = await putImage(store, [BASE, TOP]);
      const chain = store.layers.chain(top);
      assert.equal(chain.length, 2);
      assert.equal(chain[0]!.chainId, top);
      assert.equal(chain[1]!.parent, null);
      assert.deepEqual(
        store.layers.stack(top).map((l) => l.chainId),
        chain.map((l) => l.chainId),
      );
    }),
  );

  test(
    "a layer that an image, a container or a child layer stands on cannot be evicted",
    withStore(async (store) => {
      const image = await putImage(store, [BASE, TOP]);
      const [top, base] = store.layers.chain(image.top);
      assert.throws(() => store.write((trash) => store.layers.evict([top!], trash)), ConflictError, "an image's top layer");
      assert.throws(() => store.write((trash) => store.layers.evict([base!], trash)), ConflictError, "a parent of a layer left standing");
      store.write(() => store.images.delete(image.id));
      putContainer(store, containerSpec(containerId(1), image.id, image.top));
      assert.deepEqual(store.layers.unreferenced(image.top), [], "a container still stands on them");
      assert.throws(() => store.write((trash) => store.layers.evict([top!, base!], trash)), ConflictError);
      assert.equal(store.layers.list().length, 2, "nothing went");
      store.write((trash) => {
        store.containers.delete(containerId(1));
        store.layers.remove(containerId(1), trash);
        store.layers.evict(store.layers.unreferenced(image.top), trash);
      });
      assert.equal(store.layers.list().length, 0);
      assert.deepEqual(fs.readdirSync(store.layers.dir), []);
    }),
  );

  test(
    "prepare() makes a snapshot whose mounts give the image's files, and mounts() gives them again",
    withStore(async (store, root) => {
      const image = await putImage(store, [BASE, TOP]);
      const id = containerId(2);
      let prepared: ReturnType<typeof store.layers.prepare> = [];
      store.write(() => {
        store.containers.insert(containerSpec(id, image.id, image.top), initialState());
        prepared = store.layers.prepare(id, image.top);
      });
      assert.deepEqual(store.layers.mounts(id), prepared);
      const target = `${root}/mnt`;
      fs.mkdirSync(target);
      mountAll(store.layers.mounts(id), target);
      try {
        assert.equal(fs.readFileSync(`${target}/etc/os-release`, "utf8"), "base\n");
        assert.equal(fs.readFileSync(`${target}/app/run`, "utf8"), "top\n");
        assert.ok(fs.statSync(`${target}/proc`).isDirectory(), "the init layer's mount points are there");
        fs.writeFileSync(`${target}/new-file`, "mine");
      } finally {
        unmount(target);
      }
      const upper = store.layers.upperDir(id);
      assert.deepEqual(fs.readdirSync(upper), ["new-file"], "the writable layer holds only the container's own change");
      assert.equal(store.layers.dirs(id).upper, upper);
      assert.equal(store.layers.dirs(id).lower.length, 3, "the init layer and the image's two");
    }),
  );

  test(
    "prepare() without image layers stacks the init layer alone",
    withStore((store, root) => {
      const id = containerId(3);
      putContainer(store, containerSpec(id, "sha256:none" as never, null));
      const target = `${root}/mnt`;
      fs.mkdirSync(target);
      mountAll(store.layers.mounts(id), target);
      try {
        assert.deepEqual(fs.readdirSync(target).sort(), ["dev", "etc", "proc", "sys"]);
      } finally {
        unmount(target);
      }
    }),
  );

  test(
    "prepare() refuses outside a write transaction, a second time, a missing parent and a bad ID",
    withStore(async (store) => {
      const image = await putImage(store, [BASE]);
      assert.throws(() => store.layers.prepare(containerId(4), image.top), SystemError);
      putContainer(store, containerSpec(containerId(4), image.id, image.top));
      assert.throws(() => store.write(() => store.layers.prepare(containerId(4), image.top)), ConflictError);
      assert.throws(() => store.write(() => store.layers.prepare(containerId(5), `sha256:${"0".repeat(64)}`)), NotFoundError);
      assert.throws(() => store.write(() => store.layers.prepare("../escape", image.top)), SystemError);
      assert.deepEqual(fs.readdirSync(store.layers.containersDir), [containerId(4)], "nothing half made");
    }),
  );

  test(
    "mounts() of a container with no snapshot is NotFound",
    withStore((store) => {
      assert.throws(() => store.layers.mounts(containerId(6)), NotFoundError);
    }),
  );

  test(
    "remove() undoes prepare(), detaches what is still mounted, and can be repeated",
    withStore(async (store) => {
      const image = await putImage(store, [BASE]);
      const id = containerId(7);
      putContainer(store, containerSpec(id, image.id, image.top));
      const merged = `${store.layers.containersDir}/${id}/merged`;
      mountAll(store.layers.mounts(id), merged);
      store.write((trash) => {
        store.containers.delete(id);
        store.layers.remove(id, trash);
      });
      assert.deepEqual(fs.readdirSync(store.layers.containersDir), []);
      assert.ok(!fs.readFileSync("/proc/self/mountinfo", "utf8").includes(id), "no mount left behind");
      store.write((trash) => store.layers.remove(id, trash));
      assert.deepEqual(store.garbage().containerDirs, []);
    }),
  );

  test(
    "a snapshot whose transaction failed is a leftover: garbage() names it and sweep() removes it",
    withStore(async (store) => {
      const image = await putImage(store, [BASE]);
      const id = containerId(8);
      assert.throws(() =>
        store.write(() => {
          store.layers.prepare(id, image.top);
          throw new Error("the create failed after its prepare");
        }),
      );
      assert.deepEqual(store.layers.straySnapshots(), [id]);
      assert.deepEqual(store.garbage().containerDirs, [id]);
      assert.deepEqual(store.sweep().containerDirs, [id]);
      assert.deepEqual(fs.readdirSync(store.layers.containersDir), []);
    }),
  );

  test(
    "an injected failure in the middle of prepare() leaves no half snapshot",
    withStore(
      async (store) => {
        const image = await putImage(store, [BASE]);
        const id = containerId(9);
        assert.throws(
          () =>
            store.write(() => {
              store.containers.insert(containerSpec(id, image.id, image.top), initialState());
              store.layers.prepare(id, image.top);
            }),
          /injected failure at after-snapshot-prepare/,
        );
        assert.equal(store.containers.get(id), undefined);
        assert.deepEqual(fs.readdirSync(store.layers.containersDir), []);
      },
      { crashAt: "throw:after-snapshot-prepare" },
    ),
  );
});
