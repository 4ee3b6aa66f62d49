// `ps`: containers with their observed state, newest first, with Docker's filters.
import type { Engine } from "../engine.js";
import { refreshContainer } from "./container-state.js";
import type { ContainerRecord } from "../../store/container-store.js";
import { parseFilters } from "../images/list-images.js";
import { matchesAllLabels } from "../label-filter.js";
import { checkHealthFilter, matchesHealthFilter } from "./health-state.js";
import { compareTimestamps } from "../../image/config.js";

const PS_FILTERS = new Set([
  "id",
  "name",
  "label",
  "status",
  "exited",
  "ancestor",
  "before",
  "since",
  "volume",
  "is-task",
  "health",
  "network",
]);

export function listContainers(
  engine: Engine,
  opts: { all?: boolean; last?: number; filters?: readonly string[] } = {},
): ContainerRecord[] {
  const filters = parseFilters(opts.filters ?? [], PS_FILTERS);
  checkHealthFilter(filters.get("health"));
  let records = engine.store.containers
    .list()
    .map((r) => refreshContainer(engine, r))
    // Newest first; created in the same millisecond, the later one first (the store lists in insertion order).
    .reverse()
    .sort((a, b) => compareTimestamps(b.spec.created, a.spec.created));
  const before = filters.get("before")?.map((n) => engine.store.containers.resolve(n).spec.created);
  const since = filters.get("since")?.map((n) => engine.store.containers.resolve(n).spec.created);
  records = records.filter((r) => matches(engine, r, filters, before, since));
  if (opts.last !== undefined && opts.last >= 0) return records.slice(0, opts.last);
  if (!opts.all && !filters.has("status") && !filters.has("exited")) return records.filter((r) => r.state.Running);
  return records;
}

function matches(
  engine: Engine,
  r: ContainerRecord,
  filters: Map<string, string[]>,
  before: string[] | undefined,
  since: string[] | undefined,
): boolean {
  const any = (key: string, test: (v: string) => boolean) => !filters.has(key) || filters.get(key)!.some(test);
  const labels = r.spec.config.Labels ?? {};
  return (
    any("id", (v) => r.spec.id.startsWith(v)) &&
    any("name", (v) => new RegExp(v).test(r.spec.name)) &&
    matchesAllLabels(labels, filters.get("label")) &&
    any("status", (v) => r.state.Status === v) &&
    any("exited", (v) => !r.state.Running && r.state.Status === "exited" && r.state.ExitCode === Number(v)) &&
    any("ancestor", (v) => {
      try {
        return engine.store.images.resolve(v).id === r.spec.imageId;
      } catch {
        return false;
      }
    }) &&
    any("volume", (v) => r.spec.mounts.some((m) => m.Name === v || m.Destination === v)) &&
    any("health", (v) => matchesHealthFilter(r.state, v)) &&
    (before ?? []).every((b) => compareTimestamps(r.spec.created, b) < 0) &&
    (since ?? []).every((s) => compareTimestamps(r.spec.created, s) > 0)
  );
}
