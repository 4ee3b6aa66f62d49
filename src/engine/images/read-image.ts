// Reads a stored image's manifest and config, verified, for the use cases that show or copy it.
import type { Store } from "../../store/store.js";
import type { ImageRecord } from "../../store/image-store.js";
import type { ImageConfig, Manifest } from "../../image/config.js";
import type { LayerRecord } from "../../store/layer-store.js";
import { chainIds } from "../../store/layer-store.js";
import { SystemError } from "../../errors.js";

export interface StoredImage {
  record: ImageRecord;
  manifest: Manifest;
  rawManifest: Buffer;
  config: ImageConfig;
  rawConfig: Buffer;
  /** Base first. */
  layers: LayerRecord[];
}

export function readImage(store: Store, record: ImageRecord): StoredImage {
  const rawManifest = store.content.readAll(record.manifestDigest);
  const manifest = JSON.parse(rawManifest.toString("utf8")) as Manifest;
  const rawConfig = store.content.readAll(manifest.config.digest);
  const config = JSON.parse(rawConfig.toString("utf8")) as ImageConfig;
  const layers = chainIds(config.rootfs.diff_ids).map((id) => {
    const layer = store.layers.get(id);
    if (!layer) throw new SystemError(`image ${record.id} is missing its layer ${id}; run berth system check`);
    return layer;
  });
  return { record, manifest, rawManifest, config, rawConfig, layers };
}

export function imageSize(image: StoredImage): number {
  return image.layers.reduce((sum, l) => sum + l.size, 0);
}
