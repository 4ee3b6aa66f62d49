// `system df`: disk used by images, shared layers counted once (daemon/disk_usage.go).
import type { Engine } from "./engine.js";
import { readImage, imageSize } from "./read-image.js";
import { familiarString, parseReference } from "../image/reference.js";

export interface ImageUsage {
  id: string;
  repoTags: string[];
  created: Date;
  size: number;
  sharedSize: number;
  uniqueSize: number;
  containers: number;
}

export interface DiskUsage {
  layersSize: number;
  images: ImageUsage[];
}

export function diskUsage(engine: Engine): DiskUsage {
  const { store } = engine;
  const images = store.images.list().map((record) => readImage(store, record));
  const useCount = new Map<string, number>();
  for (const image of images) for (const layer of image.layers) useCount.set(layer.chainId, (useCount.get(layer.chainId) ?? 0) + 1);
  const layersSize = store.layers.list().reduce((sum, l) => sum + l.size, 0);
  return {
    layersSize,
    images: images
      .map((image) => {
        const size = imageSize(image);
        const shared = image.layers.filter((l) => (useCount.get(l.chainId) ?? 0) > 1).reduce((s, l) => s + l.size, 0);
        return {
          id: image.record.id,
          repoTags: image.record.names.filter((n) => !n.includes("@")).map((n) => familiarString(parseReference(n))),
          created: new Date(image.record.created),
          size,
          sharedSize: shared,
          uniqueSize: size - shared,
          containers: 0,
        };
      })
      .sort((a, b) => b.created.getTime() - a.created.getTime()),
  };
}
