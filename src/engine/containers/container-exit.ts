// The end of a run, settled: the exit the runtime recorded is stored, the runtime's state of the
// task deleted and the rootfs unmounted. Cleanup after an exit, stop and forced removal all end a
// run this way; what comes next (removal for --rm, a restart) is theirs to decide.
import { setTimeout as sleep } from "node:timers/promises";
import type { Engine } from "../engine.js";
import { processStartTime } from "../../sys/process-start-time.js";
import { exitedRun, recordExit } from "./container-state.js";
import { lockRootfs, unmountRootfs } from "./container-rootfs.js";
import { containerRuntime } from "./container-runtime.js";
import { teardownSandbox } from "../network/sandbox.js";
import { stopRunMonitor } from "./run-monitor-process.js";
import { ConflictError, NotFoundError } from "../../errors.js";
import type { Runtime } from "../../runtime/runtime.js";
import type { ContainerRecord } from "../../store/container-store.js";

/** A kill or delete of a task that has ended meanwhile has nothing left to do. */
export function ignoreGone(err: unknown): void {
  if (err instanceof NotFoundError || err instanceof ConflictError) return;
  throw err;
}

/** Whether the task ended within `ms`. */
export async function waitForExit(runtime: Runtime, id: string, ms: number): Promise<boolean> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    await runtime.waitExit(id, { signal: controller.signal });
    return true;
  } catch {
    return runtime.exitStatus(id) !== undefined;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The container once the process starting run `runId` has recorded the start (or its failure), or
 * has died without doing so; undefined when the container went or another run began. conmon runs
 * the exit command as soon as the task ends, which for a command like `true` can be before then,
 * and settling the run earlier would release it (and remove a --rm container) unrecorded.
 */
async function startRecorded(engine: Engine, id: string, runId: string): Promise<ContainerRecord | undefined> {
  for (const deadline = Date.now() + 60_000; ;) {
    const record = engine.store.containers.get(id);
    if (!record || record.state.runId !== runId) return undefined;
    const starter = record.state.starting;
    if (starter?.runId !== runId || processStartTime(starter.pid) !== starter.startTime || Date.now() > deadline) return record;
    await sleep(10);
  }
}

/**
 * Settles the container's run once it has ended: the record as it now stands, or undefined when
 * the container is gone, still running, or (with `runId`) has been started again since. Safe to
 * run twice and from several processes at once.
 */
export async function settleExit(engine: Engine, id: string, runId?: string): Promise<ContainerRecord | undefined> {
  let record: ContainerRecord;
  try {
    record = engine.store.containers.resolve(id);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
  // The run this cleanup belongs to has been followed by another start: leave that one be.
  if (runId !== undefined && record.state.runId !== runId) return undefined;
  if (runId !== undefined && record.state.starting?.runId === runId) {
    const recorded = await startRecorded(engine, record.spec.id, runId);
    if (!recorded) return undefined;
    record = recorded;
  }
  const runtime = containerRuntime(engine, record.spec);
  const exit = runtime.exitStatus(record.spec.id);
  if (record.state.Running && exit) {
    recordExit(engine, record.spec, exitedRun(record, exit));
    record = engine.store.containers.resolve(record.spec.id);
  }
  if (record.state.Running) return undefined;
  await releaseRun(engine, record, runId);
  return record;
}

/**
 * What an ended run still holds: the runtime's state of the task, the mounted rootfs, and the
 * network sandbox (namespace, address, ports). Under the rootfs lock, so that two cleanups of one
 * run never tear it down twice; `rm` calls it too, for a run whose cleanup never came. With the
 * run's ID (conmon's exit command), it releases nothing once another run has begun.
 */
export async function releaseRun(engine: Engine, record: ContainerRecord, runId?: string): Promise<void> {
  const runtime = containerRuntime(engine, record.spec);
  const rootfsLock = await lockRootfs(engine, record.spec.id);
  try {
    // A start may have claimed the container for a new run while this waited for the lock (a
    // restart right after a stop): its task is not this run's to delete.
    if (runId !== undefined && engine.store.containers.get(record.spec.id)?.state.runId !== runId) return;
    stopRunMonitor(record.state);
    if (runtime.hasTask(record.spec.id)) await runtime.delete(record.spec.id, { force: true }).catch(ignoreGone);
    unmountRootfs(engine, record.spec.id);
    await teardownSandbox(engine, record.spec.id);
  } finally {
    rootfsLock.release();
  }
}

/** Ends a running container's task at once (SIGKILL to all its processes) and settles the run. */
export async function killAndSettle(engine: Engine, record: ContainerRecord): Promise<void> {
  const runtime = containerRuntime(engine, record.spec);
  await runtime.kill(record.spec.id, { signal: 9, all: true }).catch(ignoreGone);
  await waitForExit(runtime, record.spec.id, 30_000);
  await settleExit(engine, record.spec.id);
}
