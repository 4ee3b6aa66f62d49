// `system prune`: the container, network, volume, image and build cache prunes in Docker's order,
// each with its own rules, sharing one set of filters (the build cache takes `until` only).
import type { Engine } from "../engine.js";
import { pruneContainers } from "../containers/prune-containers.js";
import { pruneImages, type DeleteRecord } from "../images/remove-image.js";
import { pruneVolumes } from "../volumes/volumes.js";
import { pruneNetworks } from "../network/networks.js";
import { pruneBuildCache } from "../build/build-cache.js";

export interface SystemPruneOptions {
  /** Every image no container uses, not only dangling ones. */
  all?: boolean;
  /** Anonymous volumes no container uses too. */
  volumes?: boolean;
  /** Containers and images created before this; volume prune has no such filter. */
  until?: Date | undefined;
  labels?: readonly string[];
}

export interface SystemPruneResult {
  containers: string[];
  networks: string[];
  volumes: string[];
  images: DeleteRecord[];
  buildCache: string[];
  spaceReclaimed: number;
}

export async function pruneSystem(engine: Engine, opts: SystemPruneOptions = {}): Promise<SystemPruneResult> {
  const labels = opts.labels ?? [];
  const containers = await pruneContainers(engine, { until: opts.until, labels });
  const networks = await pruneNetworks(engine, { flags: labels.map((l) => `label=${l}`), until: opts.until });
  const volumes = opts.volumes ? pruneVolumes(engine, { labels }) : { removed: [], reclaimed: 0 };
  const images = pruneImages(engine, { all: opts.all ?? false, ...(opts.until ? { until: opts.until } : {}), labels });
  const cache = await pruneBuildCache(engine, { all: opts.all ?? false, until: opts.until });
  return {
    containers: containers.removed,
    networks,
    volumes: volumes.removed,
    images: images.records,
    buildCache: cache.deleted,
    spaceReclaimed: containers.spaceReclaimed + volumes.reclaimed + images.spaceReclaimed + cache.reclaimed,
  };
}
