// `system prune`: the container, volume and image prunes in Docker's order, each with its own
// rules, sharing one set of filters. berth has no user networks and no build cache, so their
// prunes (which Docker runs between and after these) have nothing to remove.
import type { Engine } from "../engine.js";
import { pruneContainers } from "../containers/prune-containers.js";
import { pruneImages, type DeleteRecord } from "../images/remove-image.js";
import { pruneVolumes } from "../volumes/volumes.js";

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
  volumes: string[];
  images: DeleteRecord[];
  spaceReclaimed: number;
}

export async function pruneSystem(engine: Engine, opts: SystemPruneOptions = {}): Promise<SystemPruneResult> {
  const labels = opts.labels ?? [];
  const containers = await pruneContainers(engine, { until: opts.until, labels });
  const volumes = opts.volumes ? pruneVolumes(engine, { labels }) : { removed: [], reclaimed: 0 };
  const images = pruneImages(engine, { all: opts.all ?? false, ...(opts.until ? { until: opts.until } : {}), labels });
  return {
    containers: containers.removed,
    volumes: volumes.removed,
    images: images.records,
    spaceReclaimed: containers.spaceReclaimed + volumes.reclaimed + images.spaceReclaimed,
  };
}
