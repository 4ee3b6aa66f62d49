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
  cacheStatements(db);
  return db;
}

/**
 * The stores prepare their SQL where they run it; a long-lived process (berth serve) would compile
 * the same statements for every image of every listing. Each text is compiled once per connection
 * instead (statements are reusable; none of berth's is iterated, so none is busy when reused).
 */
function cacheStatements(db: Db): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, ReturnType<typeof prepare>>();
  (db as { prepare: typeof prepare }).prepare = ((source: string) => {
    let statement = cache.get(source);
    if (!statement) {
      statement = prepare(source);
      cache.set(source, statement);
    }
    return statement;
  }) as typeof prepare;
}

/** Containers and volumes (schema version 2). A container holds its image's top layer. */
const SCHEMA_2 = [
  `CREATE TABLE containers (
     id          TEXT PRIMARY KEY,
     name        TEXT NOT NULL UNIQUE,
     image_id    TEXT NOT NULL,
     top_layer   TEXT REFERENCES layers(chain_id),
     created     TEXT NOT NULL,
     spec        TEXT NOT NULL,
     state       TEXT NOT NULL
   )`,
  `CREATE INDEX containers_image ON containers(image_id)`,
  `CREATE INDEX containers_top_layer ON containers(top_layer)`,
  `CREATE TABLE volumes (
     name       TEXT PRIMARY KEY,
     driver     TEXT NOT NULL,
     created    TEXT NOT NULL,
     labels     TEXT NOT NULL,
     options    TEXT NOT NULL,
     anonymous  INTEGER NOT NULL DEFAULT 0
   )`,
  `CREATE TABLE container_volumes (
     container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
     volume       TEXT NOT NULL REFERENCES volumes(name),
     PRIMARY KEY (container_id, volume)
   )`,
];

/**
 * Registry bookkeeping (schema version 3): which compressed blob holds which layer, where each
 * blob is known to live (for push's skip and cross-repository mount), and the leases that keep a
 * pull's finished downloads when the pull is interrupted.
 */
const SCHEMA_3 = [
  `CREATE TABLE blob_info (
     digest     TEXT PRIMARY KEY,
     diff_id    TEXT NOT NULL,
     media_type TEXT NOT NULL,
     size       INTEGER NOT NULL
   )`,
  `CREATE INDEX blob_info_diff_id ON blob_info(diff_id)`,
  `CREATE TABLE blob_sources (
     digest     TEXT NOT NULL,
     registry   TEXT NOT NULL,
     repository TEXT NOT NULL,
     PRIMARY KEY (digest, registry, repository)
   )`,
  `CREATE TABLE leases (
     digest  TEXT PRIMARY KEY,
     created TEXT NOT NULL
   )`,
];

/** The event log (schema version 4): what `events` shows, written by whichever process acted. */
const SCHEMA_4 = [
  `CREATE TABLE events (
     seq        INTEGER PRIMARY KEY AUTOINCREMENT,
     time_nano  INTEGER NOT NULL,
     type       TEXT NOT NULL,
     action     TEXT NOT NULL,
     actor_id   TEXT NOT NULL,
     attributes TEXT NOT NULL
   )`,
];

const MIGRATIONS: readonly (readonly string[])[] = [SCHEMA, SCHEMA_2, SCHEMA_3, SCHEMA_4];

function migrate(db: Db): void {
  db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      for (const statement of MIGRATIONS[v]!) db.exec(statement);
    }
    if (version < MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
