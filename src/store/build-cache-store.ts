// The build cache's records: which image a build step made, by the step's cache key. The key says
// everything the step's result depends on, so a record is never out of date; it goes when its image
// goes (ON DELETE CASCADE) or when `builder prune` drops it.
import type { Db } from "./db.js";
import type { Digest } from "../image/digest.js";

export interface BuildCacheEntry {
  readonly key: string;
  readonly imageId: Digest;
  /** The instruction that made it ("RUN make"), for `system df -v`. */
  readonly description: string;
  readonly created: string;
  readonly lastUsed: string;
  readonly usageCount: number;
}

interface BuildCacheRow {
  cache_key: string;
  image_id: string;
  description: string;
  created: string;
  last_used: string;
  usage_count: number;
}

export class BuildCacheStore {
  constructor(private readonly db: Db) {}

  /** The image a step with this key made, when it is still here. */
  get(key: string): BuildCacheEntry | undefined {
    const row = this.db.prepare("SELECT * FROM build_cache WHERE cache_key = ?").get(key) as BuildCacheRow | undefined;
    return row && toEntry(row);
  }

  /** Records a step's result; a key built again (--no-cache) now names the newer image, as Docker's newest match wins. */
  put(key: string, imageId: Digest, description: string, now: string): void {
    this.db
      .prepare(
        `INSERT INTO build_cache (cache_key, image_id, description, created, last_used, usage_count) VALUES (?, ?, ?, ?, ?, 1)
         ON CONFLICT(cache_key) DO UPDATE SET image_id = excluded.image_id, description = excluded.description,
           created = excluded.created, last_used = excluded.last_used, usage_count = 1`,
      )
      .run(key, imageId, description, now, now);
  }

  /** A cache hit: counted and dated for prune's `until` and df's "last used". */
  touch(key: string, now: string): void {
    this.db.prepare("UPDATE build_cache SET last_used = ?, usage_count = usage_count + 1 WHERE cache_key = ?").run(now, key);
  }

  list(): BuildCacheEntry[] {
    return (this.db.prepare("SELECT * FROM build_cache ORDER BY created").all() as BuildCacheRow[]).map(toEntry);
  }

  delete(key: string): void {
    this.db.prepare("DELETE FROM build_cache WHERE cache_key = ?").run(key);
  }

  /** Whether any record keeps this image (an intermediate image the cache alone holds). */
  holds(imageId: Digest): boolean {
    return this.db.prepare("SELECT 1 FROM build_cache WHERE image_id = ? LIMIT 1").get(imageId) !== undefined;
  }
}

function toEntry(row: BuildCacheRow): BuildCacheEntry {
  return {
    key: row.cache_key,
    imageId: row.image_id as Digest,
    description: row.description,
    created: row.created,
    lastUsed: row.last_used,
    usageCount: row.usage_count,
  };
}
