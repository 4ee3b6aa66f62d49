// A store on a temporary root, and images put into it through the store's public API only
// (ingestLayer + commitImage), so that the conformance tests in this folder could run against
// another implementation of the same API.
import * as fs from "node:fs";
import * as os from "node:os";
import { Readable } from "node:stream";
import { Store } from "../../src/store/store.js";
import { ingestLayer } from "../../src/store/ingest-layer.js";
import { sha256Digest, type Digest } from "../../src/image/digest.js";
import { chainIds } from "../../src/store/layer-store.js";
import { initialState, type ContainerSpec } from "../../src/store/container-store.js";
import type { StagedLayer } from "../../src/store/layer-store.js";
import type { StagedBlob } from "../../src/store/content-store.js";
import { buildTar, type TarSpec } from "../helpers/tar-builder.js";
import { mountsUnder } from "../helpers/temp-root.js";
import { unmount } from "../../src/sys/mount.js";

export const NOW = "2024-01-02T03:04:05Z";

export function withStore(fn: (store: Store, root: string) => Promise<void> | void, opts: { crashAt?: string } = {}): () => Promise<void> {
  return async () => {
    const dir = fs.mkdtempSync(`${os.tmpdir()}/berth-store-`);
    const store = Store.open({ root: `${dir}/root`, crashAt: opts.crashAt });
    try {
      await fn(store, `${dir}/root`);
    } finally {
      store.close();
      for (const mount of mountsUnder(dir)) unmount(mount);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** An image of one layer per entry list, each on top of the one before; its ID is made up from the layers. */
export async function putImage(store: Store, layers: readonly (readonly TarSpec[])[], name?: string): Promise<{ id: Digest; top: Digest }> {
  const work = store.workDir();
  try {
    const staged = new Map<Digest, StagedLayer>();
    const blobs: StagedBlob[] = [];
    for (const entries of layers) {
      const ingested = await ingestLayer(
        Readable.from(await buildTar(entries)),
        { content: store.content, work },
        { keep: "uncompressed" },
      );
      staged.set(ingested.layer.diffId, ingested.layer);
      blobs.push(ingested.blob!);
    }
    const diffIds = [...staged.keys()];
    const id = sha256Digest(`image ${diffIds.join(" ")}`);
    store.commitImage(
      {
        blobs,
        layers: staged,
        diffIds,
        image: { id, manifestDigest: id, manifestMediaType: "application/vnd.oci.image.manifest.v1+json", parent: null, created: NOW },
        names: name ? [name] : [],
      },
      NOW,
    );
    return { id, top: chainIds(diffIds).at(-1)! };
  } finally {
    work.remove();
  }
}

export function containerSpec(id: string, imageId: Digest, topLayer: Digest | null, name = `c-${id.slice(0, 8)}`): ContainerSpec {
  return {
    id,
    name,
    imageId,
    image: "test",
    created: NOW,
    path: "true",
    args: [],
    config: {},
    hostConfig: {} as ContainerSpec["hostConfig"],
    mounts: [],
    topLayer,
  };
}

/** A container record and its snapshot, published together as create does. */
export function putContainer(store: Store, spec: ContainerSpec): void {
  store.write(() => {
    store.containers.insert(spec, initialState());
    store.layers.prepare(spec.id, spec.topLayer);
  });
}

export function containerId(n: number): string {
  return n.toString(16).padStart(64, "0");
}
