// Events (`docker events`) in the database: any berth process appends what it did, and readers
// (the CLI's `events`, the API's /events) follow the log by sequence number. The newest entries
// are kept, as dockerd keeps a bounded history.
import type { Db } from "./db.js";

export interface StoredEvent {
  seq: number;
  timeNano: bigint;
  type: string;
  action: string;
  actorId: string;
  attributes: Record<string, string>;
}

const KEEP = 10_000;

interface EventRow {
  seq: number;
  time_nano: bigint;
  type: string;
  action: string;
  actor_id: string;
  attributes: string;
}

export class EventLog {
  constructor(private readonly db: Db) {}

  append(e: Omit<StoredEvent, "seq">): void {
    const { lastInsertRowid } = this.db
      .prepare("INSERT INTO events (time_nano, type, action, actor_id, attributes) VALUES (?, ?, ?, ?, ?)")
      .run(e.timeNano, e.type, e.action, e.actorId, JSON.stringify(e.attributes));
    if (Number(lastInsertRowid) % 1000 === 0) this.db.prepare("DELETE FROM events WHERE seq <= ?").run(Number(lastInsertRowid) - KEEP);
  }

  /** Events after `seq`, oldest first. */
  after(seq: number, limit = 1000): StoredEvent[] {
    const rows = this.db
      .prepare("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?")
      .safeIntegers(true)
      .all(seq, limit) as EventRow[];
    return rows.map(toEvent);
  }

  /** The newest event of one action on one object, if the log still holds it. */
  latest(type: string, actorId: string, action: string): StoredEvent | undefined {
    const row = this.db
      .prepare("SELECT * FROM events WHERE type = ? AND actor_id = ? AND action = ? ORDER BY seq DESC LIMIT 1")
      .safeIntegers(true)
      .get(type, actorId, action) as EventRow | undefined;
    return row && toEvent(row);
  }

  lastSeq(): number {
    const row = this.db.prepare("SELECT MAX(seq) AS seq FROM events").get() as { seq: number | null };
    return row.seq ?? 0;
  }
}

function toEvent(r: EventRow): StoredEvent {
  return {
    seq: Number(r.seq),
    timeNano: BigInt(r.time_nano),
    type: r.type,
    action: r.action,
    actorId: r.actor_id,
    attributes: JSON.parse(r.attributes) as Record<string, string>,
  };
}
