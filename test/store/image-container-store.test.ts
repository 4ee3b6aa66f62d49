// The image store's and the container store's basic promises, through the store's public API:
// an image is committed once and found by ID, prefix or name; a tag moves; a container is found
// by ID, name or unique prefix, a name is taken once, and a state change reads the state as it is.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConflictError, NotFoundError } from "../../src/errors.js";
import { initialState } from "../../src/store/container-store.js";
import { isRoot } from "../helpers/temp-root.js";
import { containerId, containerSpec, putContainer, putImage, withStore } from "./store-fixture.js";

const skip = isRoot() ? false : "needs root (trusted xattrs of layers)";
const LAYER = [{ type: "file" as const, name: "hello", body: "hi\n" }];

describe("image store", { skip }, () => {
  test(
    "an image committed twice is one image; it resolves by ID, ID prefix and name",
    withStore(async (store) => {
      const first = await putImage(store, [LAYER], "docker.io/library/one:latest");
      const again = await putImage(store, [LAYER]);
      assert.equal(again.id, first.id);
      assert.equal(store.images.list().length, 1);
      assert.equal(store.images.resolve(first.id).id, first.id);
      assert.equal(store.images.resolve(first.id.slice(7, 19)).id, first.id);
      assert.equal(store.images.resolve("docker.io/library/one:latest").id, first.id);
      assert.deepEqual(store.images.get(first.id)?.names, ["docker.io/library/one:latest"]);
    }),
  );

  test(
    "tag() moves a name and says where from; untag() and delete() forget",
    withStore(async (store) => {
      const a = await putImage(store, [LAYER], "docker.io/library/x:1");
      const b = await putImage(store, [LAYER, [{ type: "file", name: "more", body: "!" }]]);
      const from = store.write(() => store.images.tag("docker.io/library/x:1", b.id, "2024-01-01T00:00:00Z"));
      assert.equal(from, a.id);
      assert.equal(store.images.imageIdForName("docker.io/library/x:1"), b.id);
      store.write(() => store.images.untag("docker.io/library/x:1"));
      assert.equal(store.images.imageIdForName("docker.io/library/x:1"), undefined);
      store.write(() => store.images.delete(a.id));
      assert.equal(store.images.get(a.id), undefined);
      assert.throws(() => store.images.resolve(a.id), NotFoundError);
    }),
  );
});

describe("container store", { skip }, () => {
  test(
    "a container resolves by ID, name and unique prefix; an ambiguous prefix or unknown name is NotFound",
    withStore(async (store) => {
      const image = await putImage(store, [LAYER]);
      const one = `ab${containerId(1).slice(2)}`;
      const two = `ab${containerId(2).slice(2)}`;
      putContainer(store, containerSpec(one, image.id, image.top, "first"));
      putContainer(store, containerSpec(two, image.id, image.top, "second"));
      assert.equal(store.containers.resolve(one).spec.name, "first");
      assert.equal(store.containers.resolve("/second").spec.id, two);
      assert.throws(() => store.containers.resolve("ab"), NotFoundError);
      assert.throws(() => store.containers.resolve("nosuch"), /No such container: nosuch/);
      assert.deepEqual(
        store.containers
          .usingImage(image.id)
          .map((c) => c.spec.id)
          .sort(),
        [one, two].sort(),
      );
    }),
  );

  test(
    "a name is taken once, and a refused insert publishes no snapshot",
    withStore(async (store) => {
      const image = await putImage(store, [LAYER]);
      putContainer(store, containerSpec(containerId(1), image.id, image.top, "web"));
      assert.throws(() => putContainer(store, containerSpec(containerId(2), image.id, image.top, "web")), ConflictError);
      assert.equal(store.containers.get(containerId(2)), undefined);
      assert.deepEqual(store.layers.straySnapshots(), []);
    }),
  );

  test(
    "updateState() changes the state as stored now, and leaves a removed container removed",
    withStore(async (store) => {
      const image = await putImage(store, [LAYER]);
      const id = containerId(3);
      putContainer(store, containerSpec(id, image.id, image.top));
      store.write(() => store.containers.setState(id, { ...initialState(), restartCount: 2 }));
      const next = store.write(() => store.containers.updateState(id, (s) => ({ ...s, restartCount: (s.restartCount ?? 0) + 1 })));
      assert.equal(next?.restartCount, 3);
      store.write((trash) => {
        store.containers.delete(id);
        store.layers.remove(id, trash);
      });
      assert.equal(
        store.write(() => store.containers.updateState(id, (s) => s)),
        undefined,
      );
    }),
  );
});
