// `volume create|ls|inspect|rm|prune`.
import { recordEvent } from "../events.js";
import type { Engine } from "../engine.js";
import { InvalidArgumentError } from "../../errors.js";
import type { VolumeRecord } from "../../store/volume-store.js";
import { randomBytes } from "node:crypto";
import { treeSize } from "../tree-size.js";
import { matchesAllLabels } from "../label-filter.js";
import { parseFilters } from "../images/list-images.js";

export interface VolumeInspect {
  CreatedAt: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: "local";
}

export function volumeJson(v: VolumeRecord): VolumeInspect {
  return {
    CreatedAt: v.created,
    Driver: v.driver,
    Labels: Object.keys(v.labels).length ? v.labels : null,
    Mountpoint: v.mountpoint,
    Name: v.name,
    Options: Object.keys(v.options).length ? v.options : null,
    Scope: "local",
  };
}

export function createVolume(
  engine: Engine,
  opts: { name?: string | undefined; driver?: string; labels?: Record<string, string> },
): VolumeRecord {
  if (opts.driver && opts.driver !== "local")
    throw new InvalidArgumentError(`error looking up volume plugin ${opts.driver}: plugin "${opts.driver}" not found`);
  const name = opts.name || randomBytes(32).toString("hex");
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) {
    throw new InvalidArgumentError(
      `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
  // Docker shows a volume's CreatedAt to the second.
  const now = engine.clock
    .now()
    .toISOString()
    .replace(/\.\d+Z$/, "Z");
  const volume = engine.store.write(() => engine.store.volumes.ensure(name, { labels: opts.labels ?? {}, anonymous: !opts.name, now }));
  recordEvent(engine, "volume", "create", volume.name, { driver: "local" });
  return volume;
}

export function removeVolumes(
  engine: Engine,
  names: readonly string[],
  opts: { force?: boolean } = {},
): { removed: string[]; errors: Error[] } {
  const removed: string[] = [];
  const errors: Error[] = [];
  for (const name of names) {
    try {
      engine.store.write((trash) => engine.store.volumes.remove(name, trash, opts));
      removed.push(name);
      recordEvent(engine, "volume", "destroy", name, { driver: "local" });
    } catch (err) {
      errors.push(err as Error);
    }
  }
  return { removed, errors };
}

/** Docker 23+: prune takes anonymous volumes only, unless `all`. */
export function pruneVolumes(
  engine: Engine,
  opts: { all?: boolean; labels?: readonly string[] } = {},
): { removed: string[]; reclaimed: number } {
  const removed: string[] = [];
  let reclaimed = 0;
  engine.store.write((trash) => {
    for (const v of engine.store.volumes.list()) {
      if (engine.store.volumes.users(v.name).length) continue;
      if (!opts.all && !v.anonymous) continue;
      if (!matchesAllLabels(v.labels, opts.labels)) continue;
      reclaimed += treeSize(v.mountpoint);
      engine.store.volumes.remove(v.name, trash);
      removed.push(v.name);
    }
  });
  return { removed, reclaimed };
}

export interface VolumeSummary {
  volume: VolumeRecord;
  /** Containers using it. */
  links: number;
}

/** `volume ls` and GET /volumes: the volumes that pass Docker's filters (dangling, name, driver, label). */
export function listVolumes(engine: Engine, filterFlags: readonly string[] = []): VolumeSummary[] {
  const filters = parseFilters(filterFlags, new Set(["dangling", "name", "driver", "label"]));
  const dangling = filters.get("dangling")?.[0];
  return engine.store.volumes
    .list()
    .map((volume) => ({ volume, links: engine.store.volumes.users(volume.name).length }))
    .filter(({ volume, links }) => {
      if (dangling !== undefined && (links === 0) !== (dangling === "true" || dangling === "1")) return false;
      if (filters.has("name") && !filters.get("name")!.some((n) => volume.name.includes(n))) return false;
      if (filters.has("driver") && !filters.get("driver")!.includes(volume.driver)) return false;
      return matchesAllLabels(volume.labels, filters.get("label"));
    });
}
