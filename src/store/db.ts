// The metadata database: which layers, images and tags exist. A row is the single point at which
// an object exists; files on disk that no row names are garbage for the sweep.
import Database from "better-sqlite3";

export type Db = Database.Database;

const SCHEMA = [
  `CREATE TABLE layers (
     chain_id TEXT PRIMARY KEY,
     diff_id  TEXT NOT NULL,
     parent   TEXT REFERENCES layers(chain_id),
     dir      TEXT NOT NULL UNIQUE,
     size     INTEGER NOT NULL,
     created  TEXT NOT NULL
   )`,
  `CREATE INDEX layers_parent ON layers(parent)`,
  `CREATE TABLE images (
     id                  TEXT PRIMARY KEY,
     manifest_digest     TEXT NOT NULL,
     manifest_media_type TEXT NOT NULL,
     top_layer           TEXT REFERENCES layers(chain_id),
     parent              TEXT,
     created             TEXT NOT NULL,
     stored              TEXT NOT NULL,
     last_tag_time       TEXT
   )`,
  `CREATE INDEX images_top_layer ON images(top_layer)`,
  `CREATE TABLE tags (
     name     TEXT PRIMARY KEY,
     image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE
   )`,
  `CREATE INDEX tags_image ON tags(image_id)`,
  `CREATE TABLE image_blobs (
     image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
     digest   TEXT NOT NULL,
     PRIMARY KEY (image_id, digest)
   )`,
  `CREATE INDEX image_blobs_digest ON image_blobs(digest)`,
];

export function openDb(path: string, opts: { readonly?: boolean } = {}): Db {
  const db = new Database(path, { fileMustExist: false, readonly: opts.readonly ?? false });
  // podman's settings: survive kill -9 and power loss; wait for another berth instead of failing.
  db.pragma("busy_timeout = 60000");
  if (!opts.readonly) db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  if (!opts.readonly) migrate(db);
  return db;
}

function migrate(db: Db): void {
  db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version >= 1) return;
    for (const statement of SCHEMA) db.exec(statement);
    db.pragma("user_version = 1");
  }).immediate();
}
