// Two runc verbs done in-process, because each `runc` call is a Go program's start (~30 ms here)
// and a container's run makes them on its critical path:
//   - start: `runc create` leaves the container's init blocked opening <root>/<id>/exec.fifo for
//     writing; `runc start` opens it for reading, reads the byte init writes, and removes the fifo
//     (the fifo's absence is what tells runc the container runs). The handshake is done here.
//   - delete of a task whose init has ended: runc removes its cgroups and its state directory.
//     Done here when nothing is left in those cgroups; anything else (a live init, processes left
//     behind, hooks, an Intel RDT group, nested cgroups) goes to `runc delete` as before.
// Only runc's layout is known here (runc 1.x's state.json); crun keeps its own and is always called.
import * as fs from "node:fs";
import { ConflictError, NotFoundError } from "../errors.js";
import { processStartTime } from "../sys/process-start-time.js";

const EXEC_FIFO = "exec.fifo";

interface RuncState {
  init_process_pid?: number;
  init_process_start?: number | string;
  cgroup_paths?: Record<string, string>;
  intel_rdt_path?: string;
  config?: { hooks?: Record<string, unknown[]> | null };
}

function readState(stateDir: string): RuncState | undefined {
  try {
    return JSON.parse(fs.readFileSync(`${stateDir}/state.json`, "utf8")) as RuncState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

function initAlive(state: RuncState): boolean {
  const pid = state.init_process_pid;
  return typeof pid === "number" && pid > 0 && processStartTime(pid) === String(state.init_process_start);
}

function hasHooks(state: RuncState): boolean {
  return Object.values(state.config?.hooks ?? {}).some((list) => Array.isArray(list) && list.length > 0);
}

/**
 * `runc start`, in-process: false when runc must be called instead (no runc state here, or hooks
 * to run). Errors are runc's: a container that has stopped or already runs is a ConflictError.
 */
export async function startThroughExecFifo(runtimeRoot: string, id: string): Promise<boolean> {
  const stateDir = `${runtimeRoot}/${id}`;
  const state = readState(stateDir);
  if (!state || hasHooks(state)) return false;
  const fifo = `${stateDir}/${EXEC_FIFO}`;
  if (!initAlive(state)) throw new ConflictError(`runc start: cannot start a container that has stopped`);
  if (!fs.existsSync(fifo)) throw new ConflictError(`runc start: cannot start an already running container`);
  // The open waits (on a libuv worker) for init's open for writing; init is already in it, unless it
  // dies first: then a writer of our own releases the open, and the read below finds nothing.
  const watch = setInterval(() => {
    if (initAlive(state)) return;
    try {
      fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    } catch {
      // No reader yet (ENXIO) or the fifo gone: the next tick tries again.
    }
  }, 100);
  let received = 0;
  try {
    const handle = await fs.promises.open(fifo, fs.constants.O_RDONLY);
    try {
      const buffer = Buffer.alloc(16);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        received += bytesRead;
      }
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new ConflictError(`runc start: cannot start an already running container`);
    throw err;
  } finally {
    clearInterval(watch);
  }
  if (received === 0) throw new ConflictError(`runc start: container process is already dead`);
  fs.rmSync(fifo, { force: true });
  return true;
}

/**
 * `runc delete` of a task whose init has ended, in-process: false when runc must do it (see the
 * top). NotFoundError when runc has no such container, as `runc delete` says.
 */
export function removeEndedTask(runtimeRoot: string, id: string): boolean {
  const stateDir = `${runtimeRoot}/${id}`;
  const state = readState(stateDir);
  if (!state) {
    if (fs.existsSync(stateDir)) return false;
    throw new NotFoundError(`runc delete: container "${id}" does not exist`);
  }
  if (initAlive(state) || hasHooks(state) || state.intel_rdt_path) return false;
  const dirs = [...new Set(Object.values(state.cgroup_paths ?? {}))];
  for (const dir of dirs) {
    let procs: string;
    try {
      procs = fs.readFileSync(`${dir}/cgroup.procs`, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      return false;
    }
    // Processes outlived the init (a shared pid namespace): runc kills them first.
    if (procs.trim() !== "") return false;
  }
  for (const dir of dirs) {
    try {
      fs.rmdirSync(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") continue;
      // EBUSY: a cgroup the container made below its own, or a process that just arrived.
      return false;
    }
  }
  fs.rmSync(stateDir, { recursive: true, force: true });
  return true;
}
