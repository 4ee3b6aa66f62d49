// Named and anonymous volumes: <root>/volumes/<name>/_data, as Docker lays them out, with the
// rows that say which exist and which containers use them.
import * as fs from "node:fs";
import type { Db } from "./db.js";
import { ConflictError, NotFoundError } from "../errors.js";
import type { Trash } from "./trash.js";

export interface VolumeRecord {
  name: string;
  driver: string;
  created: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  anonymous: boolean;
  mountpoint: string;
}

interface Row {
  name: string;
  driver: string;
  created: string;
  labels: string;
  options: string;
  anonymous: number;
}

export class VolumeStore {
  readonly dir: string;

  constructor(
    root: string,
    private readonly db: Db,
  ) {
    this.dir = `${root}/volumes`;
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o701 });
  }

  get(name: string): VolumeRecord | undefined {
    const row = this.db.prepare("SELECT * FROM volumes WHERE name = ?").get(name) as Row | undefined;
    return row && this.toRecord(row);
  }

  resolve(name: string): VolumeRecord {
    const volume = this.get(name);
    if (!volume) throw new NotFoundError(`get ${name}: no such volume`);
    return volume;
  }

  list(): VolumeRecord[] {
    return (this.db.prepare("SELECT * FROM volumes ORDER BY name").all() as Row[]).map((r) => this.toRecord(r));
  }

  /** Idempotent for a name that exists, as `docker volume create NAME` is. Inside a write transaction. */
  ensure(name: string, opts: { labels?: Record<string, string>; anonymous?: boolean; now: string }): VolumeRecord {
    const existing = this.get(name);
    if (existing) return existing;
    fs.mkdirSync(`${this.dir}/${name}/_data`, { recursive: true, mode: 0o755 });
    this.db
      .prepare("INSERT INTO volumes (name, driver, created, labels, options, anonymous) VALUES (?, 'local', ?, ?, '{}', ?)")
      .run(name, opts.now, JSON.stringify(opts.labels ?? {}), opts.anonymous ? 1 : 0);
    return this.get(name)!;
  }

  users(name: string): string[] {
    return (this.db.prepare("SELECT container_id FROM container_volumes WHERE volume = ?").all(name) as { container_id: string }[]).map(
      (r) => r.container_id,
    );
  }

  link(containerId: string, name: string): void {
    this.db.prepare("INSERT OR IGNORE INTO container_volumes (container_id, volume) VALUES (?, ?)").run(containerId, name);
  }

  /** Inside a write transaction; the volume's dir goes to `trash` and is deleted after the commit. */
  remove(name: string, trash: Trash, opts: { force?: boolean } = {}): void {
    const volume = this.get(name);
    if (!volume) {
      if (opts.force) return;
      throw new NotFoundError(`get ${name}: no such volume`);
    }
    const users = this.users(name);
    if (users.length) {
      throw new ConflictError(`remove ${name}: volume is in use - [${users.join(", ")}]`);
    }
    this.db.prepare("DELETE FROM volumes WHERE name = ?").run(name);
    trash.move(`${this.dir}/${name}`);
  }

  private toRecord(row: Row): VolumeRecord {
    return {
      name: row.name,
      driver: row.driver,
      created: row.created,
      labels: JSON.parse(row.labels) as Record<string, string>,
      options: JSON.parse(row.options) as Record<string, string>,
      anonymous: row.anonymous === 1,
      mountpoint: `${this.dir}/${row.name}/_data`,
    };
  }
}
