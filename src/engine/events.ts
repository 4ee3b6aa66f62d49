// `events`: what berth did to containers, images, volumes and networks, as dockerd reports it
// (api/types/events). The use cases record; `followEvents` reads them back, filtered, from any
// process, polling the log so that events from other berth processes (conmon's exit command
// recording a "die") show up too.
import { setTimeout as sleep } from "node:timers/promises";
import type { Engine } from "./engine.js";
import type { ContainerSpec } from "../store/container-store.js";
import type { StoredEvent } from "../store/event-log.js";
import { InvalidArgumentError } from "../errors.js";

export type EventType = "container" | "image" | "volume" | "network";

export interface DockerEvent {
  status?: string;
  id?: string;
  from?: string;
  Type: EventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: "local";
  time: number;
  timeNano: number;
}

/** Never fails the operation it reports: a full disk must not turn a finished stop into an error. */
export function recordEvent(
  engine: Engine,
  type: EventType,
  action: string,
  actorId: string,
  attributes: Record<string, string> = {},
): void {
  try {
    const now = engine.clock.now();
    const timeNano = BigInt(now.getTime()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
    engine.store.events.append({ timeNano, type, action, actorId, attributes });
  } catch (err) {
    engine.log.warn(`recording event ${type} ${action}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A container's events carry its image, its name and its labels (daemon.LogContainerEventWithAttributes). */
export function recordContainerEvent(engine: Engine, spec: ContainerSpec, action: string, extra: Record<string, string> = {}): void {
  recordEvent(engine, "container", action, spec.id, { ...(spec.config.Labels ?? {}), image: spec.image, name: spec.name, ...extra });
}

export function toDockerEvent(e: StoredEvent): DockerEvent {
  const type = e.type as EventType;
  const legacy =
    type === "container" || type === "image"
      ? { status: e.action, id: e.actorId, ...(type === "container" && e.attributes.image ? { from: e.attributes.image } : {}) }
      : {};
  return {
    ...legacy,
    Type: type,
    Action: e.action,
    Actor: { ID: e.actorId, Attributes: e.attributes },
    scope: "local",
    time: Number(e.timeNano / 1_000_000_000n),
    timeNano: Number(e.timeNano),
  };
}

/** The event as dockerd writes it: timeNano is an integer beyond 2^53, so it is spliced in as text. */
export function eventJson(e: StoredEvent): string {
  const marker = "\u0000timeNano\u0000";
  return JSON.stringify({ ...toDockerEvent(e), timeNano: marker }).replace(JSON.stringify(marker), e.timeNano.toString());
}

export type EventFilters = Map<string, string[]>;

const FILTER_KEYS = new Set(["container", "event", "image", "label", "network", "type", "volume"]);

export function checkEventFilters(filters: EventFilters): void {
  for (const key of filters.keys()) if (!FILTER_KEYS.has(key)) throw new InvalidArgumentError(`Invalid filter '${key}'`);
}

/** Docker's rules: values of one key are alternatives, keys must all match. */
export function matchesEvent(e: StoredEvent, filters: EventFilters): boolean {
  const any = (key: string, test: (v: string) => boolean) => {
    const values = filters.get(key);
    return !values || values.some(test);
  };
  const action = e.action.split(":")[0]!;
  const name = e.attributes.name ?? "";
  return (
    any("type", (v) => v === e.type) &&
    any("event", (v) => v === action || v === e.action) &&
    any("container", (v) => e.type === "container" && (e.actorId.startsWith(v) || name === v)) &&
    any("image", (v) => (e.type === "image" && (e.actorId === v || name === v)) || (e.type === "container" && e.attributes.image === v)) &&
    any("volume", (v) => e.type === "volume" && e.actorId === v) &&
    any("network", (v) => e.type === "network" && (e.actorId.startsWith(v) || name === v)) &&
    any("label", (v) => {
      const eq = v.indexOf("=");
      return eq < 0 ? v in e.attributes : e.attributes[v.slice(0, eq)] === v.slice(eq + 1);
    })
  );
}

/**
 * Past events from `since` (nanoseconds), then new ones as they are recorded, until `until` or the
 * signal. Without `since`, only new events.
 */
export async function* followEvents(
  engine: Engine,
  opts: { since?: bigint | undefined; until?: bigint | undefined; filters?: EventFilters; signal?: AbortSignal; pollMs?: number },
): AsyncGenerator<StoredEvent> {
  const filters = opts.filters ?? new Map<string, string[]>();
  checkEventFilters(filters);
  const log = engine.store.events;
  let seq = opts.since === undefined ? log.lastSeq() : 0;
  for (;;) {
    for (const e of log.after(seq)) {
      seq = e.seq;
      if (opts.since !== undefined && e.timeNano < opts.since) continue;
      if (opts.until !== undefined && e.timeNano > opts.until) return;
      if (matchesEvent(e, filters)) yield e;
    }
    if (opts.until !== undefined && BigInt(engine.clock.now().getTime()) * 1_000_000n > opts.until) return;
    if (opts.signal?.aborted) return;
    try {
      await sleep(opts.pollMs ?? 200, undefined, opts.signal ? { signal: opts.signal } : {});
    } catch {
      return;
    }
  }
}
