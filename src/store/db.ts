// The metadata database: which layers, images and tags exist. A row is the single point at which
// an object exists; files on disk that no row names are garbage for the sweep.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";

export type Db = Database.Database;

let addon: { nativeBinding?: string } | undefined;

/**
 * better-sqlite3 finds its compiled addon through the `bindings` package, which probes a dozen
 * paths: about 10 ms of every command. Where npm built it, berth names it; elsewhere the package
 * looks for it as usual.
 */
function addonOption(): { nativeBinding?: string } {
  if (!addon) {
    const built = join(dirname(createRequire(import.meta.url).resolve("better-sqlite3/package.json")), "build/Release/better_sqlite3.node");
    addon = fs.existsSync(built) ? { nativeBinding: built } : {};
  }
  return addon;
}

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

export interface OpenDbOptions {
  /** Turns what SQLite throws into the error to show (a full or read-only file system's). */
  faults?: (err: unknown) => unknown;
}

/** The database for reading and writing: WAL, migrated to the current schema. */
export function openDb(path: string, opts: OpenDbOptions = {}): Db {
  const db = new Database(path, { ...addonOption(), fileMustExist: false });
  try {
    // podman's settings: survive kill -9 and power loss; wait for another berth instead of failing.
    db.pragma("busy_timeout = 60000");
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    migrate(db);
  } catch (err) {
    // A connection left open would keep its locks on the shared-memory index from the fallback.
    db.close();
    throw err;
  }
  if (opts.faults) translateFaults(db, opts.faults);
  cacheStatements(db);
  return db;
}

/**
 * A read-only copy, in memory, of everything the database holds (its write-ahead log included),
 * for a store whose file system refuses writes. A WAL database cannot be read in place there:
 * every new connection resets the shared-memory index and must grow it again, which a full file
 * system refuses, and a read-only one cannot create it. Copying is cheap (metadata only) and
 * holds no lock once done; any write to the copy fails with SQLITE_READONLY.
 */
export function openDbSnapshot(path: string, opts: OpenDbOptions = {}): Db {
  const image = serializedDb(path);
  // Bytes 18 and 19 of the header say "WAL" (2); an in-memory database cannot have a log (1).
  if (image[18] === 2) image[18] = 1;
  if (image[19] === 2) image[19] = 1;
  const db = new Database(image, addonOption());
  db.pragma("foreign_keys = ON");
  // An older store is brought to the current schema in memory, so reads see the tables they expect.
  migrate(db);
  db.pragma("query_only = ON");
  if (opts.faults) translateFaults(db, opts.faults);
  cacheStatements(db);
  return db;
}

/** The bytes of the database as last committed, by the first way the file system allows. */
function serializedDb(path: string): Buffer {
  const failures: unknown[] = [];
  const ways: (() => Database.Database)[] = [
    // A read-only file system on which the shared-memory index exists: SQLite reads it read-only.
    () => new Database(path, { ...addonOption(), readonly: true, fileMustExist: true }),
    // A full one: in exclusive locking mode SQLite keeps the index in its own memory instead.
    () => {
      const db = new Database(path, { ...addonOption(), fileMustExist: true });
      db.pragma("busy_timeout = 60000");
      db.pragma("locking_mode = EXCLUSIVE");
      return db;
    },
  ];
  for (const open of ways) {
    let db: Database.Database | undefined;
    try {
      db = open();
      return db.serialize();
    } catch (err) {
      failures.push(err);
    } finally {
      db?.close();
    }
  }
  // No way in, but no log either: the database file alone holds every committed transaction.
  if (!walHasFrames(path)) return fs.readFileSync(path);
  throw failures[0];
}

/** A log that is absent or no longer than its 32-byte header holds no transaction. */
function walHasFrames(path: string): boolean {
  try {
    return fs.statSync(`${path}-wal`).size > 32;
  } catch {
    return false;
  }
}

/**
 * Every way SQLite is called (statements, exec, pragma, transactions and their COMMIT) passes
 * what it throws through `faults`, so that no store write reports SQLite's own words for a full
 * or read-only file system, whichever table it was writing.
 */
function translateFaults(db: Db, faults: (err: unknown) => unknown): void {
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): R => {
      try {
        return fn(...args);
      } catch (err) {
        throw faults(err);
      }
    };
  const target = db as unknown as Record<"prepare" | "exec" | "pragma" | "transaction", unknown>;
  const prepare = db.prepare.bind(db);
  target.prepare = guard((source: string) => guardStatement(prepare(source), guard));
  target.exec = guard(db.exec.bind(db));
  target.pragma = guard(db.pragma.bind(db));
  const transaction = db.transaction.bind(db);
  target.transaction = (fn: (...args: unknown[]) => unknown) => {
    const t = transaction(fn);
    return Object.assign(guard(t), {
      default: guard(t.default),
      deferred: guard(t.deferred),
      immediate: guard(t.immediate),
      exclusive: guard(t.exclusive),
      database: db,
    });
  };
}

type Guard = <A extends unknown[], R>(fn: (...args: A) => R) => (...args: A) => R;

/** The same statement, its methods guarded; those that return the statement return the guarded one. */
function guardStatement<S extends object>(statement: S, guard: Guard): S {
  const wrapped = new Map<PropertyKey, unknown>();
  const proxy: S = new Proxy(statement, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      let method = wrapped.get(prop);
      if (!method) {
        method = guard((...args: unknown[]) => {
          const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result === target ? proxy : result;
        });
        wrapped.set(prop, method);
      }
      return method;
    },
  });
  return proxy;
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

/**
 * The trashes of committed transactions (schema version 5), by work dir: a transaction that moves
 * files out of the store records its own here, so whether they are deleted or put back after a
 * crash is decided by whether that transaction committed (src/store/trash.ts).
 */
const SCHEMA_TRASH = [`CREATE TABLE committed_trash (work_dir TEXT PRIMARY KEY)`];

/**
 * Networks (schema version 6): the networks themselves, each running container's sandbox (its
 * network namespace and what netavark was given, which teardown needs again), the address it has
 * on each network, and the host ports it holds. A row is the reservation: the write transaction
 * that adds it is the lock that keeps two berth processes from handing out the same address or port.
 */
const SCHEMA_NETWORKS = [
  `CREATE TABLE networks (
     id       TEXT PRIMARY KEY,
     name     TEXT NOT NULL UNIQUE,
     driver   TEXT NOT NULL,
     bridge   TEXT NOT NULL UNIQUE,
     subnet   TEXT NOT NULL,
     gateway  TEXT NOT NULL,
     created  TEXT NOT NULL,
     internal INTEGER NOT NULL DEFAULT 0,
     dns      INTEGER NOT NULL DEFAULT 0,
     labels   TEXT NOT NULL DEFAULT '{}'
   )`,
  `CREATE TABLE sandboxes (
     container_id TEXT PRIMARY KEY REFERENCES containers(id) ON DELETE CASCADE,
     sandbox_id   TEXT NOT NULL,
     netns        TEXT NOT NULL,
     options      TEXT NOT NULL,
     ports        TEXT NOT NULL
   )`,
  `CREATE TABLE endpoints (
     container_id TEXT NOT NULL REFERENCES sandboxes(container_id) ON DELETE CASCADE,
     network_id   TEXT NOT NULL REFERENCES networks(id),
     endpoint_id  TEXT NOT NULL,
     address      TEXT NOT NULL,
     prefix_len   INTEGER NOT NULL,
     mac_address  TEXT NOT NULL,
     PRIMARY KEY (container_id, network_id),
     UNIQUE (network_id, address)
   )`,
  `CREATE TABLE port_reservations (
     host_ip      TEXT NOT NULL,
     protocol     TEXT NOT NULL,
     host_port    INTEGER NOT NULL,
     container_id TEXT NOT NULL REFERENCES sandboxes(container_id) ON DELETE CASCADE,
     PRIMARY KEY (host_ip, protocol, host_port)
   )`,
  `CREATE TABLE port_counters (
     key       TEXT PRIMARY KEY,
     last_port INTEGER NOT NULL
   )`,
];

/**
 * User networks (schema version 7): a network's address pools of both families, its IPAM config as
 * the user gave it, driver options; an endpoint's IPv6 address, interface and, for a network
 * connected while the container ran, netavark's input for it alone. `container_networks` is what
 * each container is to join (create's endpoints, then connect and disconnect), kept while it is
 * stopped; a container made before it had its network mode only, so the default bridge's row is
 * written for those.
 */
const SCHEMA_USER_NETWORKS = [
  `ALTER TABLE networks ADD COLUMN pools TEXT NOT NULL DEFAULT ''`,
  `ALTER TABLE networks ADD COLUMN ipam_config TEXT NOT NULL DEFAULT ''`,
  `ALTER TABLE networks ADD COLUMN options TEXT NOT NULL DEFAULT '{}'`,
  `ALTER TABLE networks ADD COLUMN attachable INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE networks ADD COLUMN ipv6 INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE endpoints ADD COLUMN address6 TEXT NOT NULL DEFAULT ''`,
  `ALTER TABLE endpoints ADD COLUMN prefix_len6 INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE endpoints ADD COLUMN interface TEXT NOT NULL DEFAULT 'eth0'`,
  `ALTER TABLE endpoints ADD COLUMN setup TEXT NOT NULL DEFAULT ''`,
  `CREATE TABLE container_networks (
     container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
     network_name TEXT NOT NULL,
     network_id   TEXT NOT NULL DEFAULT '',
     position     INTEGER NOT NULL,
     config       TEXT NOT NULL DEFAULT '{}',
     PRIMARY KEY (container_id, network_name)
   )`,
  `INSERT INTO container_networks (container_id, network_name, position)
     SELECT id, 'bridge', 0 FROM containers WHERE json_extract(spec, '$.hostConfig.NetworkMode') IN ('default', 'bridge')`,
];

/**
 * The build cache (schema version 8): a step's cache key (its parent image, its instruction, the
 * build args it sees and the content it copies) to the image that step made. Several keys may name
 * one image; an image's removal takes its keys with it. `last_used` and `usage_count` are what
 * `builder prune --filter until=` and `system df -v` read.
 */
const SCHEMA_BUILD_CACHE = [
  `CREATE TABLE build_cache (
     cache_key   TEXT PRIMARY KEY,
     image_id    TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
     description TEXT NOT NULL,
     created     TEXT NOT NULL,
     last_used   TEXT NOT NULL,
     usage_count INTEGER NOT NULL DEFAULT 1
   )`,
  `CREATE INDEX build_cache_image ON build_cache(image_id)`,
];

const MIGRATIONS: readonly (readonly string[])[] = [
  SCHEMA,
  SCHEMA_2,
  SCHEMA_3,
  SCHEMA_4,
  SCHEMA_TRASH,
  SCHEMA_NETWORKS,
  SCHEMA_USER_NETWORKS,
  SCHEMA_BUILD_CACHE,
];

function migrate(db: Db): void {
  db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      for (const statement of MIGRATIONS[v]!) db.exec(statement);
    }
    if (version < MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
