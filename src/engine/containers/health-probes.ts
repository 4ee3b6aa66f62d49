// A run's health probes, run by the run's monitor (run-monitor.ts): it probes by exec as dockerd
// does, writes State.Health in a store transaction, records health_status events, and ends with
// the run. See docs/architecture.md, "Health checks".
import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { Engine } from "../engine.js";
import type { ContainerRecord } from "../../store/container-store.js";
import { formatTimestamp } from "../../image/config.js";
import { formatGoDuration } from "../../image/go-duration.js";
import { recordContainerEvent } from "../events.js";
import { containerRuntime } from "./container-runtime.js";
import { execProcess } from "./container-io.js";
import {
  DEFAULT_INTERVAL_NS,
  DEFAULT_TIMEOUT_NS,
  MAX_OUTPUT,
  healthAtStart,
  withProbeResult,
  type HealthLogEntry,
} from "./health-state.js";

/**
 * Probes run `runId` of the container until that run ends (`ended`). The first probe comes one
 * interval after the start, each next one an interval after the previous one ended (dockerd's
 * timing, measured); during the start period the interval is StartInterval when set.
 */
export async function probeHealth(engine: Engine, registered: ContainerRecord, command: string[], ended: AbortSignal): Promise<void> {
  const id = registered.spec.id;
  const runId = registered.state.runId ?? "";
  // The first probe is due one interval after the start, however long this process took to come up.
  let previousEnd = Date.parse(registered.state.StartedAt);
  for (;;) {
    const record = thisRun(engine, id, runId);
    if (!record) return;
    try {
      await sleep(Math.max(0, previousEnd + intervalMs(record) - Date.now()), undefined, { signal: ended });
    } catch {
      return;
    }
    const current = thisRun(engine, id, runId);
    if (!current) return;
    // dockerd stops probing a paused container; unpause brings the probes back.
    if (current.state.Paused) {
      previousEnd = Date.now();
      continue;
    }
    const result = await probe(engine, current, command, ended);
    if (ended.aborted) return;
    previousEnd = Date.now();
    if (!recordResult(engine, id, runId, result)) return;
  }
}

function thisRun(engine: Engine, id: string, runId: string): ContainerRecord | undefined {
  const record = engine.store.containers.get(id);
  return record && record.state.Running && record.state.runId === runId ? record : undefined;
}

function intervalMs(record: ContainerRecord): number {
  const health = record.spec.config.Healthcheck ?? {};
  const interval = health.Interval || DEFAULT_INTERVAL_NS;
  const sinceStart = Date.now() - Date.parse(record.state.StartedAt);
  const starting = record.state.Health?.Status === "starting" && sinceStart < (health.StartPeriod ?? 0) / 1e6;
  return (starting && health.StartInterval ? health.StartInterval : interval) / 1e6;
}

/** Stores a probe's result on the run it belongs to; false once that run has ended. */
function recordResult(engine: Engine, id: string, runId: string, result: HealthLogEntry): boolean {
  return engine.store.write(() => {
    const record = thisRun(engine, id, runId);
    if (!record) return false;
    // Paused while the probe ran: a paused container's status stays as the pause left it.
    if (record.state.Paused) return true;
    const before = record.state.Health ?? healthAtStart(undefined);
    const after = withProbeResult(before, result, record.spec.config.Healthcheck ?? {}, record.state.StartedAt);
    engine.store.containers.setState(id, { ...record.state, Health: after });
    // One event per change of status (measured).
    if (after.Status !== before.Status) recordContainerEvent(engine, record.spec, `health_status: ${after.Status}`);
    return true;
  });
}

/** One probe: an exec of the check in the container, as its user, env and workdir, stdout and stderr merged. */
async function probe(engine: Engine, record: ContainerRecord, command: string[], ended: AbortSignal): Promise<HealthLogEntry> {
  const timeoutNs = record.spec.config.Healthcheck?.Timeout || DEFAULT_TIMEOUT_NS;
  const output = new ProbeOutput();
  const start = engine.clock.now();
  let session;
  try {
    session = await execProcess(
      engine,
      record.spec.id,
      { cmd: command, env: [], tty: false, stdin: false, detach: false },
      { stdout: output, stderr: output, detachKeys: [] },
    );
  } catch (err) {
    // dockerd records a probe that could not run as exit -1 with the error's text.
    return { Start: formatTimestamp(start), End: formatTimestamp(engine.clock.now()), ExitCode: -1, Output: (err as Error).message };
  }
  const runtime = containerRuntime(engine, record.spec);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutNs / 1e6);
  const stop = AbortSignal.any([deadline.signal, ended]);
  try {
    const exit = await session.wait({ signal: stop });
    // The exec's output ends when its last writer closes: wait for it, but not past the deadline.
    await Promise.race([session.attached, sleep(Math.max(0, start.getTime() + timeoutNs / 1e6 - Date.now()))]).catch(() => undefined);
    return { Start: formatTimestamp(start), End: formatTimestamp(engine.clock.now()), ExitCode: exit.code, Output: output.text() };
  } catch {
    // Timed out (or the run ended): the probe is killed, and what it printed is dropped (measured).
    try {
      process.kill(session.pid, "SIGKILL");
    } catch {
      // It ended meanwhile.
    }
    return {
      Start: formatTimestamp(start),
      End: formatTimestamp(new Date(start.getTime() + timeoutNs / 1e6)),
      ExitCode: -1,
      Output: `Health check exceeded timeout (${formatGoDuration(timeoutNs)})`,
    };
  } finally {
    clearTimeout(timer);
    await session.wait({ signal: AbortSignal.timeout(5000) }).catch(() => undefined);
    try {
      runtime.forgetExec(record.spec.id, session.sessionId);
    } catch (err) {
      engine.log.warn(`removing a health probe's exec session: ${(err as Error).message}`);
    }
  }
}

/** Stdout and stderr in arrival order, the first MAX_OUTPUT bytes kept (dockerd's limitedBuffer). */
class ProbeOutput extends Writable {
  private chunks: Buffer[] = [];
  private size = 0;
  private truncated = false;

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    const room = MAX_OUTPUT - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room > 0) {
      const kept = chunk.subarray(0, room);
      this.chunks.push(kept);
      this.size += kept.length;
    }
    done();
  }

  text(): string {
    return Buffer.concat(this.chunks).toString("utf8") + (this.truncated ? "..." : "");
  }
}
