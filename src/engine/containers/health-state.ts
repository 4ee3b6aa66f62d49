// State.Health as dockerd 20.10 keeps it (daemon/health.go): the status a probe's result leads to,
// the failing streak, the last five results, and the words ps and its health filter use for it.
import type { ContainerState, HealthLogEntry, HealthState } from "../../store/container-store.js";
import type { HealthConfig } from "../../image/config.js";
import { InvalidArgumentError } from "../../errors.js";

export type { HealthLogEntry, HealthState };

/** dockerd's defaults for a zero field (daemon/health.go). */
export const DEFAULT_INTERVAL_NS = 30e9;
export const DEFAULT_TIMEOUT_NS = 30e9;
const DEFAULT_RETRIES = 3;
/** maxLogEntries. */
const KEPT_RESULTS = 5;
/** maxOutputLen: the rest is cut, and "..." says so. */
export const MAX_OUTPUT = 4096;

/** A start resets the status and the streak, and keeps the log (measured). */
export function healthAtStart(previous: HealthState | undefined): HealthState {
  return { Status: "starting", FailingStreak: 0, Log: previous?.Log ?? [] };
}

/**
 * A probe's result folded in: exit 0 makes the container healthy; a failure counts towards
 * Retries, except while it is still starting inside its start period.
 */
export function withProbeResult(health: HealthState, result: HealthLogEntry, config: HealthConfig, startedAt: string): HealthState {
  const Log = [...health.Log, result].slice(-KEPT_RESULTS);
  if (result.ExitCode === 0) return { Status: "healthy", FailingStreak: 0, Log };
  const sinceStart = Date.parse(result.Start) - Date.parse(startedAt);
  if (health.Status === "starting" && sinceStart < (config.StartPeriod ?? 0) / 1e6) return { ...health, Log };
  const FailingStreak = health.FailingStreak + 1;
  const retries = config.Retries && config.Retries > 0 ? config.Retries : DEFAULT_RETRIES;
  return { Status: FailingStreak >= retries ? "unhealthy" : health.Status, FailingStreak, Log };
}

/** Stop, exit or pause: unhealthy, with no event (measured). */
export function withoutProbes(health: HealthState | undefined, opts: { resetStreak?: boolean } = {}): HealthState | undefined {
  return health && { ...health, Status: "unhealthy", ...(opts.resetStreak ? { FailingStreak: 0 } : {}) };
}

/** Docker's ps STATUS suffix of a running container: " (healthy)", " (health: starting)". */
export function healthSuffix(state: ContainerState): string {
  const status = state.Health?.Status;
  if (!state.Running || state.Paused || !status) return "";
  return status === "starting" ? " (health: starting)" : ` (${status})`;
}

const HEALTH_FILTER_VALUES = new Set(["starting", "healthy", "unhealthy", "none"]);

/** ps --filter health=X: none is a container without a health status (no check, or never started). */
export function matchesHealthFilter(state: ContainerState, value: string): boolean {
  return (state.Health?.Status ?? "none") === value;
}

/** dockerd refuses a value it does not know before it looks at any container. */
export function checkHealthFilter(values: readonly string[] | undefined): void {
  const bad = values?.find((v) => !HEALTH_FILTER_VALUES.has(v));
  if (bad !== undefined) throw new InvalidArgumentError(`Unrecognised filter value for health: ${bad}`);
}
