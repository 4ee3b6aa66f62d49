// What a container is doing now. While no berth process runs, the runtime's monitor is the only
// witness: it records the exit when the container ends. Every read folds that in, so a container
// that exited behind berth's back reads as exited, with its code and time. Every read also finishes
// what a killed berth process left half done to the container's freezer (container-freezer.ts).
import type { Engine } from "../engine.js";
import type { ContainerRecord, ContainerSpec, ContainerState } from "../../store/container-store.js";
import { recordContainerEvent } from "../events.js";
import { containerRuntime } from "./container-runtime.js";
import { formatTimestamp } from "../../image/config.js";
import { NO_RESTART, withRestartDecision } from "./restart-policy.js";
import type { ExitStatus } from "../../runtime/runtime.js";
import { describeChange, makerGone, sameChange, thawedState, withoutFreezerChange, type FreezerChange } from "./container-freezer.js";
import { StoreUnwritableError } from "../../store/store-faults.js";
import { withoutProbes } from "./health-state.js";

/** What the CLI and the API see of a container. */
export type { ContainerRecord, ContainerState };

/**
 * The state with conmon's news merged in; `changed` says whether it differs from the stored one,
 * `thawed` names the killed command whose freeze this read undid.
 */
export function observeState(engine: Engine, record: ContainerRecord): { state: ContainerState; changed: boolean; thawed?: FreezerChange } {
  const state = record.state;
  if (!state.Running) return { state, changed: false };
  const runtime = containerRuntime(engine, record.spec);
  const exit = runtime.exitStatus(record.spec.id);
  if (exit) return { state: exitedRun(record, exit), changed: true };
  // No exit recorded and no monitor: the run dir is gone (a reboot) or conmon was killed.
  if (!runtime.alive({ pid: state.Pid, monitorPid: state.conmonPid ?? 0 })) {
    return {
      state: exited(state, 255, engine.clock.now(), "container monitor is gone: the machine rebooted or conmon was killed"),
      changed: true,
    };
  }
  const change = state.freezerChange;
  if (change && makerGone(change)) {
    // Whatever the dead command meant (a commit's pause, a pause, an unpause), it did not finish:
    // the container runs thawed, as it did before that command, or as an unpause would leave it.
    // refreshContainer does the thaw.
    return { state: thawedState(state), changed: true, thawed: change };
  }
  return { state, changed: false };
}

/** A run that ended by itself (the exit its monitor recorded), with what its restart policy makes of it. */
export function exitedRun(record: ContainerRecord, exit: ExitStatus): ContainerState {
  return withRestartDecision(record.spec.hostConfig.RestartPolicy ?? NO_RESTART, {
    ...exited(record.state, exit.code, exit.exitedAt, ""),
    OOMKilled: exit.oomKilled,
  });
}

export function exited(state: ContainerState, code: number, at: Date, error: string): ContainerState {
  return {
    ...withoutFreezerChange(state),
    Status: "exited",
    Running: false,
    Paused: false,
    Restarting: false,
    Pid: 0,
    ExitCode: code,
    Error: error,
    FinishedAt: formatTimestamp(at),
    conmonPid: 0,
    // An ended run is unhealthy, with no event (measured); its monitor is stopped by the cleanup.
    ...(state.Health ? { Health: withoutProbes(state.Health)! } : {}),
  };
}

/**
 * Reads a container and stores what conmon learnt since, and thaws a container a killed command
 * left frozen, under the write lock. A store that cannot be written still answers: with what was
 * observed, and a warning.
 */
export function refreshContainer(engine: Engine, record: ContainerRecord): ContainerRecord {
  const { state, changed, thawed } = observeState(engine, record);
  if (!changed) return record;
  if (thawed) return { spec: record.spec, state: undoAbandonedFreeze(engine, record, thawed) };
  try {
    recordExit(engine, record.spec, state);
  } catch (err) {
    if (!(err instanceof StoreUnwritableError)) throw err;
    engine.log.warn(`container ${record.spec.id.slice(0, 12)} has exited; berth could not record that: ${err.message}`);
  }
  return { spec: record.spec, state };
}

/**
 * Thaws a container whose freezer `change` was left by a killed command, and stores it. The check
 * and the thaw happen under the write lock, so that no pause begun meanwhile can be undone.
 */
function undoAbandonedFreeze(engine: Engine, record: ContainerRecord, change: FreezerChange): ContainerState {
  const { id } = record.spec;
  const thaw = () => containerRuntime(engine, record.spec).thaw(id);
  try {
    return engine.store.write(() => {
      const now = engine.store.containers.get(id)?.state ?? record.state;
      // Settled by another reader, or the container stopped, since it was read.
      if (!now.Running || !sameChange(now.freezerChange, change)) return now;
      thaw();
      const thawed = thawedState(now);
      engine.store.containers.setState(id, thawed);
      return thawed;
    });
  } catch (err) {
    if (!(err instanceof StoreUnwritableError)) throw err;
    // No berth command can begin a pause on a store it cannot write: nothing to race with.
    thaw();
    engine.log.warn(
      `container ${id.slice(0, 12)} was left paused by ${describeChange(change)} that was killed; berth thawed it, but could not record that: ${err.message}`,
    );
    return thawedState(record.state);
  }
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
