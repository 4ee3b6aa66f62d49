// The build cache as `system df` counts it and `builder prune` empties it: the records of steps
// (each names the image the step made; its size is the layer that step added) and the
// directories of RUN --mount=type=cache. A record whose image nothing else holds (no name, no
// container, no child image) is "not shared": plain prune takes those; -a takes every record and
// the images only the cache held.
import { createHash } from "node:crypto";
import type { Engine } from "../engine.js";
import type { Digest } from "../../image/digest.js";
import type { BuildCacheEntry } from "../../store/build-cache-store.js";
import { deleteCachedImage } from "../images/remove-image.js";
import { listCacheMounts, removeCacheMount } from "./run-mounts.js";

/** One cache record, as `system df -v` and GET /system/df's BuildCache show it. */
export interface BuildCacheRecord {
  /** 25 lowercase letters and digits, as BuildKit's IDs look. */
  readonly id: string;
  /** "regular" for a step's result, "exec.cachemount" for a RUN --mount=type=cache directory. */
  readonly type: "regular" | "exec.cachemount";
  /** The instruction ("RUN apt-get update"), or the cache mount's id. */
  readonly description: string;
  readonly size: number;
  readonly createdAt: string;
  readonly lastUsedAt: string;
  readonly usageCount: number;
  readonly inUse: boolean;
  readonly shared: boolean;
}

export interface PruneBuildCacheOptions {
  /** -a: every record, not only those nothing else shares. */
  readonly all: boolean;
  /** --filter until=: only records last used before this time. */
  readonly until?: Date | undefined;
  /** --keep-storage: stop once the cache takes no more than this many bytes. */
  readonly keepStorage?: number | undefined;
}

export function listBuildCache(engine: Engine): BuildCacheRecord[] {
  const steps = engine.store.buildCache.list().map((entry) => stepRecord(engine, entry));
  const mounts = listCacheMounts(engine.config.root).map((m): BuildCacheRecord => ({
    id: displayId(`mount:${m.instance}`),
    type: "exec.cachemount",
    description: `cached mount ${m.id}`,
    size: m.size,
    createdAt: m.createdAt,
    lastUsedAt: m.lastUsedAt,
    usageCount: m.usageCount,
    inUse: m.inUse,
    shared: false,
  }));
  return [...steps, ...mounts];
}

export async function pruneBuildCache(engine: Engine, opts: PruneBuildCacheOptions): Promise<{ deleted: string[]; reclaimed: number }> {
  const { store } = engine;
  const until = opts.until?.toISOString();
  const old = (lastUsed: string) => until === undefined || lastUsed < until;
  // Least recently used first, so that --keep-storage keeps what builds use.
  const candidates = listBuildCache(engine)
    .filter((r) => !r.inUse && (opts.all || !r.shared) && old(r.lastUsedAt))
    .sort((a, b) => (a.lastUsedAt < b.lastUsedAt ? -1 : 1));
  let total = listBuildCache(engine).reduce((n, r) => n + r.size, 0);
  const entries = new Map(store.buildCache.list().map((e) => [displayId(e.key), e]));
  const mounts = new Map(listCacheMounts(engine.config.root).map((m) => [displayId(`mount:${m.instance}`), m]));
  const deleted: string[] = [];
  let reclaimed = 0;
  for (const record of candidates) {
    if (opts.keepStorage !== undefined && total <= opts.keepStorage) break;
    const entry = entries.get(record.id);
    if (entry) {
      const freed = store.write((trash) => {
        if (!store.buildCache.get(entry.key)) return undefined; // taken with an image deleted before it
        store.buildCache.delete(entry.key);
        return store.buildCache.holds(entry.imageId) ? 0 : deleteCachedImage(engine, entry.imageId, trash);
      });
      if (freed === undefined) continue;
      reclaimed += freed;
    } else {
      const mount = mounts.get(record.id);
      if (!mount || (await removeCacheMount(engine.config.root, mount.instance)).length === 0) continue;
      reclaimed += record.size;
    }
    total -= record.size;
    deleted.push(record.id);
  }
  return { deleted, reclaimed };
}

function stepRecord(engine: Engine, entry: BuildCacheEntry): BuildCacheRecord {
  const { store } = engine;
  const image = store.images.get(entry.imageId);
  const parent = image?.parent ? store.images.get(image.parent) : undefined;
  const own = image?.topLayer && image.topLayer !== (parent?.topLayer ?? null) ? store.layers.get(image.topLayer) : undefined;
  return {
    id: displayId(entry.key),
    type: "regular",
    description: entry.description,
    size: own?.size ?? 0,
    createdAt: entry.created,
    lastUsedAt: entry.lastUsed,
    usageCount: entry.usageCount,
    inUse: store.containers.usingImage(entry.imageId).some((c) => c.state.Running),
    shared: image !== undefined && heldElsewhere(engine, entry.imageId),
  };
}

/** An image the user has besides the cache: named, used by a container, or the parent of one that is. */
function heldElsewhere(engine: Engine, id: Digest): boolean {
  const { store } = engine;
  const seen = new Set<string>();
  const visit = (at: Digest): boolean => {
    if (seen.has(at)) return false;
    seen.add(at);
    if (store.images.names(at).length > 0 || store.containers.usingImage(at).length > 0) return true;
    return store.images.children(at).some(visit);
  };
  return visit(id);
}

/** BuildKit's record IDs are 25 base-36 characters: the cache key, shortened to look like one. */
function displayId(key: string): string {
  const hex = key.startsWith("sha256:") ? key.slice(7) : createHash("sha256").update(key).digest("hex");
  return BigInt(`0x${hex.slice(0, 32)}`)
    .toString(36)
    .padStart(25, "0")
    .slice(-25);
}
