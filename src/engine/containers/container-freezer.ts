// Who freezes and thaws a container. commit (while it copies the writable layer), pause and unpause
// record themselves in the container's state, in one write transaction, before they touch the
// cgroup freezer, and clear the record once done. A command killed in between leaves its record
// behind: the next read of the container finds its maker dead and thaws the container
// (container-state.ts), so no container stays frozen behind an inspect that says it runs.
import type { Engine } from "../engine.js";
import type { ContainerState, FreezerChange } from "../../store/container-store.js";
import { processStartTime } from "../../sys/process-start-time.js";

export type { FreezerChange };

/** Whether the process that recorded the change has ended (its pid gone, or taken by another process). */
export function makerGone(change: FreezerChange): boolean {
  return processStartTime(change.pid) !== change.startTime;
}

/**
 * Records that this process is about to freeze (commit, pause) or thaw (unpause) the container,
 * showing the container as the change will leave it. `allowed` looks at the state as it is now,
 * under the write lock: when it says no (the container stopped, or someone paused it meanwhile)
 * nothing is recorded and undefined is returned.
 */
export function beginFreezerChange(
  engine: Engine,
  id: string,
  command: FreezerChange["command"],
  allowed: (state: ContainerState) => boolean,
): FreezerChange | undefined {
  const change: FreezerChange = { command, pid: process.pid, startTime: processStartTime(process.pid) ?? "" };
  return engine.store.write(() => {
    const current = engine.store.containers.get(id);
    if (!current || !allowed(current.state)) return undefined;
    engine.store.containers.setState(id, { ...pausedAs(current.state, command !== "unpause"), freezerChange: change });
    return change;
  });
}

/**
 * Clears this process's record, leaving the container paused or not as the freezer now has it. A
 * record another command has taken over since (an unpause during a commit) is theirs to clear.
 */
export function endFreezerChange(engine: Engine, id: string, change: FreezerChange, paused: boolean): void {
  engine.store.write(() => {
    const current = engine.store.containers.get(id);
    if (!current || !sameChange(current.state.freezerChange, change)) return;
    engine.store.containers.setState(
      id,
      current.state.Running ? pausedAs(withoutFreezerChange(current.state), paused) : withoutFreezerChange(current.state),
    );
  });
}

/** The state of a container whose dead maker's change was undone: thawed, running. */
export function thawedState(state: ContainerState): ContainerState {
  return pausedAs(withoutFreezerChange(state), false);
}

export function sameChange(a: FreezerChange | undefined, b: FreezerChange): boolean {
  return a !== undefined && a.command === b.command && a.pid === b.pid && a.startTime === b.startTime;
}

export function withoutFreezerChange(state: ContainerState): ContainerState {
  const { freezerChange, ...rest } = state;
  void freezerChange;
  return rest;
}

function pausedAs(state: ContainerState, paused: boolean): ContainerState {
  return { ...state, Paused: paused, Status: paused ? "paused" : "running" };
}

/** How a warning names the command that left a container frozen. */
export function describeChange(change: FreezerChange): string {
  const what = change.command === "commit" ? "a commit" : `a ${change.command} command`;
  return `${what} (pid ${change.pid})`;
}
