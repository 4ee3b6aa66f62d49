// `container prune`: every stopped container (older than `until`, with the labels asked for) goes;
// the space reclaimed is what their writable layers held, as Docker counts it.
import type { Engine } from "../engine.js";
import { listContainers } from "./list-containers.js";
import { removeContainer } from "./remove-container.js";
import { containerSizes } from "./inspect-container.js";

export async function pruneContainers(
  engine: Engine,
  opts: { until?: Date | undefined; labels?: readonly string[] } = {},
): Promise<{ removed: string[]; spaceReclaimed: number }> {
  const removed: string[] = [];
  let spaceReclaimed = 0;
  const labelFilters = (opts.labels ?? []).map((l) => `label=${l}`);
  for (const record of listContainers(engine, { all: true, filters: labelFilters })) {
    if (record.state.Running) continue;
    if (opts.until && new Date(record.spec.created) > opts.until) continue;
    const { rw } = containerSizes(engine, record);
    await removeContainer(engine, record.spec.id);
    removed.push(record.spec.id);
    spaceReclaimed += rw;
  }
  return { removed, spaceReclaimed };
}
