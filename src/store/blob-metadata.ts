// What berth knows about compressed blobs beyond their bytes: the layer (diff ID) each one
// decompresses to, the registries and repositories that hold it, and leases on downloads that an
// interrupted pull will want again.
import type { Db } from "./db.js";
import type { Digest } from "../image/digest.js";

export interface BlobInfo {
  digest: Digest;
  diffId: Digest;
  mediaType: string;
  size: number;
}

/** A lease older than this no longer keeps its blob: the pull it served is long gone. */
const LEASE_LIFETIME_MS = 24 * 3600 * 1000;

export class BlobMetadata {
  constructor(private readonly db: Db) {}

  /** Inside a write transaction. */
  record(info: BlobInfo): void {
    this.db
      .prepare("INSERT INTO blob_info (digest, diff_id, media_type, size) VALUES (?, ?, ?, ?) ON CONFLICT(digest) DO NOTHING")
      .run(info.digest, info.diffId, info.mediaType, info.size);
  }

  get(digest: Digest): BlobInfo | undefined {
    const row = this.db.prepare("SELECT digest, diff_id, media_type, size FROM blob_info WHERE digest = ?").get(digest) as
      { digest: Digest; diff_id: Digest; media_type: string; size: number } | undefined;
    return row && { digest: row.digest, diffId: row.diff_id, mediaType: row.media_type, size: row.size };
  }

  /** Compressed forms of a layer that some registry has been seen to hold. */
  forDiffId(diffId: Digest): BlobInfo[] {
    return (
      this.db.prepare("SELECT digest, diff_id, media_type, size FROM blob_info WHERE diff_id = ? ORDER BY digest").all(diffId) as {
        digest: Digest;
        diff_id: Digest;
        media_type: string;
        size: number;
      }[]
    ).map((row) => ({ digest: row.digest, diffId: row.diff_id, mediaType: row.media_type, size: row.size }));
  }

  /** Inside a write transaction. */
  addSource(digest: Digest, registry: string, repository: string): void {
    this.db.prepare("INSERT OR IGNORE INTO blob_sources (digest, registry, repository) VALUES (?, ?, ?)").run(digest, registry, repository);
  }

  sources(digest: Digest, registry: string): string[] {
    return (
      this.db
        .prepare("SELECT repository FROM blob_sources WHERE digest = ? AND registry = ? ORDER BY repository")
        .all(digest, registry) as {
        repository: string;
      }[]
    ).map((r) => r.repository);
  }

  /** Inside a write transaction. */
  lease(digest: Digest, now: Date): void {
    this.db
      .prepare("INSERT INTO leases (digest, created) VALUES (?, ?) ON CONFLICT(digest) DO UPDATE SET created = excluded.created")
      .run(digest, now.toISOString());
  }

  release(digest: Digest): void {
    this.db.prepare("DELETE FROM leases WHERE digest = ?").run(digest);
  }

  /** Blobs still leased; expired leases are dropped on the way (inside a write transaction). */
  leased(now: Date, expire: boolean): Set<string> {
    const cutoff = new Date(now.getTime() - LEASE_LIFETIME_MS).toISOString();
    if (expire) this.db.prepare("DELETE FROM leases WHERE created < ?").run(cutoff);
    return new Set(
      (this.db.prepare("SELECT digest FROM leases WHERE created >= ?").all(cutoff) as { digest: string }[]).map((r) => r.digest),
    );
  }
}
