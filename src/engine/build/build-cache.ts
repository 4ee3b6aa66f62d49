// The build cache: what `builder prune` removes and `system df` counts. (Skeleton: lands on main.)
import type { Engine } from "../engine.js";

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

export function listBuildCache(_engine: Engine): BuildCacheRecord[] {
  return [];
}

export async function pruneBuildCache(_engine: Engine, _opts: PruneBuildCacheOptions): Promise<{ deleted: string[]; reclaimed: number }> {
  return { deleted: [], reclaimed: 0 };
}
