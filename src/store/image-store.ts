// Images and the names that point at them. An image row exists only once its manifest, config
// and layers are all in the store; tags move atomically from one image to another.
import type { Db } from "./db.js";
import type { Digest } from "../image/digest.js";
import { NotFoundError } from "../errors.js";
import { familiarString, formatReference, isFullImageId, parseReference, withDefaultTag, type Reference } from "../image/reference.js";

export interface ImageRecord {
  readonly id: Digest;
  readonly manifestDigest: Digest;
  readonly manifestMediaType: string;
  readonly topLayer: Digest | null;
  readonly parent: Digest | null;
  readonly created: string;
  readonly stored: string;
  readonly lastTagTime: string | null;
  /** Full normalised names (docker.io/library/busybox:latest), sorted. */
  readonly names: readonly string[];
}

interface ImageRow {
  id: string;
  manifest_digest: string;
  manifest_media_type: string;
  top_layer: string | null;
  parent: string | null;
  created: string;
  stored: string;
  last_tag_time: string | null;
}

export type NewImage = Omit<ImageRecord, "names" | "lastTagTime">;

export class ImageStore {
  constructor(private readonly db: Db) {}

  get(id: Digest): ImageRecord | undefined {
    const row = this.db.prepare("SELECT * FROM images WHERE id = ?").get(id) as ImageRow | undefined;
    return row && this.toRecord(row);
  }

  list(): ImageRecord[] {
    const rows = this.db.prepare("SELECT * FROM images").all() as ImageRow[];
    const names = this.allNames();
    return rows.map((row) => this.toRecord(row, names.get(row.id) ?? []));
  }

  /**
   * What a user typed, as Docker's daemon resolves it: a full ID, then a name (with :latest when
   * untagged), then a unique ID prefix. NotFoundError carries Docker's "No such image" wording.
   */
  resolve(text: string): ImageRecord {
    const byId = isFullImageId(text) ? this.get((text.startsWith("sha256:") ? text : `sha256:${text}`) as Digest) : undefined;
    if (byId) return byId;
    let ref: Reference | undefined;
    if (!isFullImageId(text)) {
      ref = withDefaultTag(parseReference(text));
      const id = this.imageIdForName(formatReference(ref));
      if (id) return this.get(id)!;
    }
    const prefix = text.replace(/^sha256:/, "");
    if (/^[a-f0-9]+$/.test(prefix)) {
      const rows = this.db.prepare("SELECT id FROM images WHERE id LIKE ? LIMIT 2").all(`sha256:${prefix}%`) as { id: Digest }[];
      if (rows.length === 1) return this.get(rows[0]!.id)!;
    }
    throw new NotFoundError(`No such image: ${ref ? familiarString(ref) : text}`);
  }

  imageIdForName(name: string): Digest | undefined {
    const row = this.db.prepare("SELECT image_id FROM tags WHERE name = ?").get(name) as { image_id: Digest } | undefined;
    return row?.image_id;
  }

  /** Inside a write transaction. Returns false when the image was already there. */
  insert(image: NewImage, blobs: readonly Digest[]): boolean {
    const inserted = this.db
      .prepare(
        `INSERT OR IGNORE INTO images (id, manifest_digest, manifest_media_type, top_layer, parent, created, stored)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(image.id, image.manifestDigest, image.manifestMediaType, image.topLayer, image.parent, image.created, image.stored);
    const link = this.db.prepare("INSERT OR IGNORE INTO image_blobs (image_id, digest) VALUES (?, ?)");
    for (const blob of blobs) link.run(image.id, blob);
    return inserted.changes > 0;
  }

  /** Points `name` (normalised, with tag) at the image, taking it from any other. Inside a transaction. */
  tag(name: string, id: Digest, now: string | null): Digest | undefined {
    const previous = this.imageIdForName(name);
    this.db
      .prepare("INSERT INTO tags (name, image_id) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id")
      .run(name, id);
    if (now) this.db.prepare("UPDATE images SET last_tag_time = ? WHERE id = ?").run(now, id);
    return previous === id ? undefined : previous;
  }

  untag(name: string): void {
    this.db.prepare("DELETE FROM tags WHERE name = ?").run(name);
  }

  names(id: Digest): string[] {
    return (this.db.prepare("SELECT name FROM tags WHERE image_id = ? ORDER BY name").all(id) as { name: string }[]).map((r) => r.name);
  }

  /** Deletes the row (tags and blob links go with it); returns the blobs no other image uses. */
  delete(id: Digest): Digest[] {
    const blobs = (this.db.prepare("SELECT digest FROM image_blobs WHERE image_id = ?").all(id) as { digest: Digest }[]).map(
      (r) => r.digest,
    );
    this.db.prepare("DELETE FROM images WHERE id = ?").run(id);
    const stillUsed = this.db.prepare("SELECT 1 FROM image_blobs WHERE digest = ? LIMIT 1");
    return blobs.filter((digest) => !stillUsed.get(digest));
  }

  children(id: Digest): Digest[] {
    return (this.db.prepare("SELECT id FROM images WHERE parent = ?").all(id) as { id: Digest }[]).map((r) => r.id);
  }

  referencedBlobs(): Set<string> {
    return new Set((this.db.prepare("SELECT DISTINCT digest FROM image_blobs").all() as { digest: string }[]).map((r) => r.digest));
  }

  private allNames(): Map<string, string[]> {
    const map = new Map<string, string[]>();
    for (const { name, image_id } of this.db.prepare("SELECT name, image_id FROM tags ORDER BY name").all() as {
      name: string;
      image_id: string;
    }[]) {
      const list = map.get(image_id) ?? [];
      list.push(name);
      map.set(image_id, list);
    }
    return map;
  }

  private toRecord(row: ImageRow, names?: readonly string[]): ImageRecord {
    return {
      id: row.id as Digest,
      manifestDigest: row.manifest_digest as Digest,
      manifestMediaType: row.manifest_media_type,
      topLayer: row.top_layer as Digest | null,
      parent: row.parent as Digest | null,
      created: row.created,
      stored: row.stored,
      lastTagTime: row.last_tag_time,
      names: names ?? this.names(row.id as Digest),
    };
  }
}
