// What a container is doing now. While no berth process runs, conmon is the only witness: it
// writes the exit code to <exitDir>/<id> when the container ends. Every read folds that in, so a
// container that exited behind berth's back reads as exited, with its code and time.
import * as fs from "node:fs";
import type { Engine } from "../engine.js";
import type { ContainerRecord, ContainerSpec, ContainerState } from "../../store/container-store.js";
import { recordContainerEvent } from "../events.js";
import { containerPaths } from "./container-paths.js";
import { formatTimestamp } from "../../image/config.js";
import { NO_RESTART, withRestartDecision } from "./restart-policy.js";
import { readExit, type ExitInfo } from "../../runtime/exit-file.js";

/** What the CLI and the API see of a container. */
export type { ContainerRecord, ContainerState };

/** A zombie counts as gone: conmon, its reaper, may be the one that died. */
function processAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The state with conmon's news merged in; `changed` says whether it differs from the stored one. */
export function observeState(engine: Engine, record: ContainerRecord): { state: ContainerState; changed: boolean } {
  const state = record.state;
  if (!state.Running) return { state, changed: false };
  const paths = containerPaths(engine, record.spec.id);
  const exit = readExit(paths.exitDir, record.spec.id);
  if (exit) return { state: exitedRun(record, exit), changed: true };
  // No exit file and no conmon: the run dir is gone (a reboot) or conmon was killed.
  if (!processAlive(state.conmonPid) && !processAlive(state.Pid)) {
    return {
      state: exited(state, 255, engine.clock.now(), "container monitor is gone: the machine rebooted or conmon was killed"),
      changed: true,
    };
  }
  return { state, changed: false };
}

/** A run that ended by itself (conmon's exit file), with what its restart policy makes of it. */
export function exitedRun(record: ContainerRecord, exit: ExitInfo, extra: Partial<ContainerState> = {}): ContainerState {
  return withRestartDecision(record.spec.hostConfig.RestartPolicy ?? NO_RESTART, {
    ...exited(record.state, exit.code, exit.exitedAt, ""),
    ...extra,
  });
}

export function exited(state: ContainerState, code: number, at: Date, error: string): ContainerState {
  return {
    ...state,
    Status: "exited",
    Running: false,
    Paused: false,
    Restarting: false,
    Pid: 0,
    ExitCode: code,
    Error: error,
    FinishedAt: formatTimestamp(at),
    conmonPid: 0,
  };
}

/** Reads a container and stores what conmon learnt since, under the write lock. */
export function refreshContainer(engine: Engine, record: ContainerRecord): ContainerRecord {
  const { state, changed } = observeState(engine, record);
  if (!changed) return record;
  recordExit(engine, record.spec, state);
  return { spec: record.spec, state };
}

/**
 * Stores an exit once: whichever process sees it first (a CLI read, the exit command, the server)
 * makes the change and tells the event log; the others find the container no longer running.
 */
export function recordExit(engine: Engine, spec: ContainerSpec, state: ContainerState): boolean {
  return engine.store.write(() => {
    const current = engine.store.containers.get(spec.id);
    if (!current?.state.Running) return false;
    engine.store.containers.setState(spec.id, state);
    if (state.OOMKilled) recordContainerEvent(engine, spec, "oom");
    recordContainerEvent(engine, spec, "die", { exitCode: String(state.ExitCode) });
    return true;
  });
}

export function resolveContainer(engine: Engine, idOrName: string): ContainerRecord {
  return refreshContainer(engine, engine.store.containers.resolve(idOrName));
}
