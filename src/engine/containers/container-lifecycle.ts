// stop, kill, wait, pause, unpause, and the cleanup conmon runs when a container ends.
import { recordContainerEvent } from "../events.js";
import type { Engine } from "../engine.js";
import { resolveContainer } from "./container-state.js";
import { containerRuntime } from "./container-runtime.js";
import { ignoreGone, settleExit, waitForExit } from "./container-exit.js";
import { ConflictError, InvalidArgumentError, NotFoundError } from "../../errors.js";
import type { ContainerRecord } from "../../store/container-store.js";
import { removeContainer } from "./remove-container.js";
import { beginFreezerChange, endFreezerChange } from "./container-freezer.js";
import { startContainer } from "./start-container.js";
import { NO_RESTART, restartsOnBoot } from "./restart-policy.js";
import { setTimeout as sleep } from "node:timers/promises";
import { withoutProbes } from "./health-state.js";

const SIGNALS: Record<string, number> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  STKFLT: 16,
  CHLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  IO: 29,
  PWR: 30,
  SYS: 31,
};

/** "TERM", "SIGTERM", "15", "RTMIN+3" → the number runc takes. */
export function parseSignal(text: string): number {
  const upper = text.toUpperCase().replace(/^SIG/, "");
  if (/^\d+$/.test(upper) && Number(upper) > 0 && Number(upper) <= 64) return Number(upper);
  const rt = /^RTM(IN|AX)([+-]\d+)?$/.exec(upper);
  if (rt) return (rt[1] === "IN" ? 34 : 64) + Number(rt[2] ?? 0);
  const n = SIGNALS[upper];
  if (n === undefined) throw new InvalidArgumentError(`Invalid signal: ${text}`);
  return n;
}

/** A user's stop or kill: the restart policy must not undo it (Docker's HasBeenManuallyStopped). */
function markManuallyStopped(engine: Engine, record: ContainerRecord): ContainerRecord {
  const state = engine.store.write(() =>
    engine.store.containers.updateState(record.spec.id, (now) => ({
      ...now,
      manuallyStopped: true,
      // A container waiting to be restarted is exited, and the stop cancels the restart.
      ...(now.Restarting ? { Restarting: false, Status: "exited" as const } : {}),
    })),
  );
  if (!state) throw new NotFoundError(`No such container: ${record.spec.id}`);
  return { spec: record.spec, state };
}

export async function killRunning(engine: Engine, idOrName: string, signal = "KILL"): Promise<ContainerRecord> {
  let record = resolveContainer(engine, idOrName);
  if (!record.state.Running) throw new ConflictError(`Cannot kill container: ${idOrName}: Container ${record.spec.id} is not running`);
  record = markManuallyStopped(engine, record);
  const number = parseSignal(signal);
  await containerRuntime(engine, record.spec).kill(record.spec.id, { signal: number, all: true });
  recordContainerEvent(engine, record.spec, "kill", { signal: String(number) });
  return record;
}

export async function waitContainer(engine: Engine, idOrName: string, opts: { signal?: AbortSignal } = {}): Promise<number> {
  const record = resolveContainer(engine, idOrName);
  if (!record.state.Running) return record.state.ExitCode;
  const exit = await containerRuntime(engine, record.spec).waitExit(record.spec.id, opts.signal ? { signal: opts.signal } : {});
  return exit.code;
}

/** Docker's stop: the stop signal, then SIGKILL after the timeout. */
export async function stopContainer(
  engine: Engine,
  idOrName: string,
  opts: { timeout?: number | undefined; signal?: string } = {},
): Promise<void> {
  let record = resolveContainer(engine, idOrName);
  // Also for a container waiting to be restarted: the stop cancels the restart.
  record = markManuallyStopped(engine, record);
  if (!record.state.Running) return;
  const runtime = containerRuntime(engine, record.spec);
  const { id } = record.spec;
  const timeout = opts.timeout ?? record.spec.config.StopTimeout ?? 10;
  if (record.state.Paused) await runtime.resume(id).catch(() => undefined);
  const stopSignal = parseSignal(opts.signal || record.spec.config.StopSignal || "TERM");
  await runtime.kill(id, { signal: stopSignal }).catch(ignoreGone);
  recordContainerEvent(engine, record.spec, "kill", { signal: String(stopSignal) });
  if (timeout >= 0) {
    const done = await waitForExit(runtime, id, timeout * 1000);
    if (done) return finishStop(engine, record);
  }
  await runtime.kill(id, { signal: 9, all: true }).catch(ignoreGone);
  recordContainerEvent(engine, record.spec, "kill", { signal: "9" });
  await waitForExit(runtime, id, 30_000);
  return finishStop(engine, record);
}

async function finishStop(engine: Engine, record: ContainerRecord): Promise<void> {
  await cleanupContainer(engine, record.spec.id);
  recordContainerEvent(engine, record.spec, "stop");
}

export async function pauseOrResume(engine: Engine, idOrName: string, pause: boolean): Promise<void> {
  const record = resolveContainer(engine, idOrName);
  if (!record.state.Running) throw new ConflictError(`Container ${record.spec.id} is not running`);
  if (pause && record.state.Paused) throw new ConflictError(`Container ${record.spec.id} is already paused`);
  if (!pause && !record.state.Paused) throw new ConflictError(`Container ${record.spec.id} is not paused`);
  const { id } = record.spec;
  // Recorded before the freezer is touched: a pause or unpause killed halfway is thawed by the next read.
  const change = beginFreezerChange(engine, id, pause ? "pause" : "unpause", (state) => state.Running && state.Paused !== pause);
  if (!change) {
    // Changed since it was read: stopped, or paused or unpaused by another command.
    const running = engine.store.containers.get(id)?.state.Running ?? false;
    throw new ConflictError(`Container ${id} is ${!running ? "not running" : pause ? "already paused" : "not paused"}`);
  }
  engine.store.crashPoint(pause ? "after-pause-recorded" : "after-unpause-recorded");
  const runtime = containerRuntime(engine, record.spec);
  try {
    await (pause ? runtime.pause(id) : runtime.resume(id));
  } catch (err) {
    endFreezerChange(engine, id, change, !pause);
    throw err;
  }
  endFreezerChange(engine, id, change, pause);
  if (pause) markPausedUnhealthy(engine, id);
  recordContainerEvent(engine, record.spec, pause ? "pause" : "unpause");
}

/** dockerd stops the probes of a paused container and reads it unhealthy, streak 0, with no event (measured). */
function markPausedUnhealthy(engine: Engine, id: string): void {
  engine.store.write(() =>
    engine.store.containers.updateState(id, (now) =>
      now.Paused && now.Health ? { ...now, Health: withoutProbes(now.Health, { resetStreak: true })! } : now,
    ),
  );
}

/**
 * After a container ends (conmon's exit command, or stop/run in-process): record the exit, delete
 * the runtime's state, unmount the rootfs, and remove the container when it was run with --rm.
 * Safe to run twice.
 */
export async function cleanupContainer(engine: Engine, id: string, runId?: string): Promise<void> {
  const record = await settleExit(engine, id, runId);
  if (record?.spec.hostConfig.AutoRemove) await removeContainer(engine, record.spec.id, { volumes: true }).catch(ignoreGone);
}

/**
 * After conmon's exit command has recorded an exit: start the container again when its restart
 * policy said so (the state reads "restarting"), after the back-off, unless a user stopped, started or removed it meanwhile.
 * Runs in the exit command's own process, so no daemon is needed.
 */
export async function restartAfterExit(engine: Engine, id: string, runId: string): Promise<void> {
  const current = () => {
    try {
      return engine.store.containers.resolve(id);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  };
  const record = current();
  // The decision was taken when the exit was recorded (withRestartDecision): Restarting says yes.
  if (!record || record.state.Running || record.state.runId !== runId || !record.state.Restarting) return;
  await sleep(record.state.restartDelayMs ?? 0);
  const now = current();
  if (!now) return;
  if (now.state.Running || now.state.runId !== runId || now.state.manuallyStopped || !now.state.Restarting) return;
  try {
    await startContainer(engine, id, { byRestartPolicy: true });
  } catch (err) {
    // The start failure is recorded on the container (State.Error); it stays exited.
    const after = current();
    if (after) engine.store.write(() => engine.store.containers.setState(id, { ...after.state, Restarting: false, Status: "exited" }));
    engine.log.warn(`restarting ${id.slice(0, 12)}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** What a daemon does when it starts: bring back the containers whose policy asks for it. */
export async function restoreContainers(engine: Engine): Promise<string[]> {
  const started: string[] = [];
  for (const record of engine.store.containers.list()) {
    const fresh = resolveContainer(engine, record.spec.id);
    // Never started, or running: nothing to bring back.
    if (fresh.state.Running || fresh.state.Status === "created") continue;
    if (!restartsOnBoot(fresh.spec.hostConfig.RestartPolicy ?? NO_RESTART, fresh.state)) continue;
    await startContainer(engine, fresh.spec.id).then(
      () => started.push(fresh.spec.id),
      (err: unknown) => engine.log.warn(`restoring ${fresh.spec.id.slice(0, 12)}: ${err instanceof Error ? err.message : String(err)}`),
    );
  }
  return started;
}
