// `system df`: disk used by images, shared layers counted once (daemon/disk_usage.go).
import type { Engine } from "../engine.js";
import { readImage, imageSize } from "../images/read-image.js";
import { familiarString, parseReference } from "../../image/reference.js";
import { refreshContainer } from "../containers/container-state.js";
import { containerSizes } from "../containers/inspect-container.js";
import { treeSize } from "../tree-size.js";
import type { ContainerRecord } from "../../store/container-store.js";
import { listBuildCache, type BuildCacheRecord } from "../build/build-cache.js";
import { compareTimestamps } from "../../image/config.js";

export interface ImageUsage {
  id: string;
  repoTags: string[];
  created: Date;
  size: number;
  sharedSize: number;
  uniqueSize: number;
  containers: number;
}

export interface ContainerUsage {
  record: ContainerRecord;
  /** Bytes in its writable layer. */
  sizeRw: number;
  localVolumes: number;
}

export interface VolumeUsage {
  name: string;
  links: number;
  size: number;
}

export interface DiskUsage {
  layersSize: number;
  images: ImageUsage[];
  containers: ContainerUsage[];
  volumes: VolumeUsage[];
  buildCache: BuildCacheRecord[];
  /** The build cache's bytes, shared records counted with the images that share them (BuildKit's BuilderSize). */
  builderSize: number;
}

export function diskUsage(engine: Engine): DiskUsage {
  const { store } = engine;
  const images = store.images.list().map((record) => readImage(store, record));
  const useCount = new Map<string, number>();
  for (const image of images) for (const layer of image.layers) useCount.set(layer.chainId, (useCount.get(layer.chainId) ?? 0) + 1);
  const layersSize = store.layers.list().reduce((sum, l) => sum + l.size, 0);
  const containers = store.containers
    .list()
    .map((r) => refreshContainer(engine, r))
    .reverse()
    .sort((a, b) => compareTimestamps(b.spec.created, a.spec.created))
    .map((record) => ({
      record,
      sizeRw: containerSizes(engine, record).rw,
      localVolumes: record.spec.mounts.filter((m) => m.Type === "volume").length,
    }));
  const users = new Map<string, number>();
  for (const c of containers) users.set(c.record.spec.imageId, (users.get(c.record.spec.imageId) ?? 0) + 1);
  const volumes = store.volumes
    .list()
    .map((v) => ({ name: v.name, links: store.volumes.users(v.name).length, size: treeSize(v.mountpoint) }));
  const buildCache = listBuildCache(engine);
  return {
    layersSize,
    containers,
    volumes,
    buildCache,
    builderSize: buildCache.filter((r) => !r.shared).reduce((sum, r) => sum + r.size, 0),
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
          containers: users.get(image.record.id) ?? 0,
        };
      })
      .sort((a, b) => b.created.getTime() - a.created.getTime()),
  };
}
