// The runc verbs berth calls directly (create goes through conmon, see conmon.ts). Each runs
// `runc --root <runtimeRoot> <verb> …` and turns runc's stderr into a berth error kind.
import { execFile, spawnSync } from "node:child_process";
import { ConflictError, NotFoundError, SystemError, type BerthError } from "../errors.js";
import { runtimeErrorMessage } from "./start-error.js";

export type RuntimeStatus = "created" | "running" | "paused" | "stopped";

export interface RuntimeState {
  status: RuntimeStatus;
  /** The container's init pid as the host sees it (0 once stopped). */
  pid: number;
}

export async function startContainer(runtimePath: string, runtimeRoot: string, id: string): Promise<void> {
  await runc(runtimePath, runtimeRoot, ["start", id]);
}

/** `signal` is anything runc accepts: "TERM", "SIGTERM" or "15". `all` signals every process. */
export async function killContainer(runtimePath: string, runtimeRoot: string, id: string, signal: string, all = false): Promise<void> {
  await runc(runtimePath, runtimeRoot, all ? ["kill", "--all", id, signal] : ["kill", id, signal]);
}

/** NotFoundError when runc has no such container; ConflictError when it is running and !force. */
export async function deleteContainer(runtimePath: string, runtimeRoot: string, id: string, force = false): Promise<void> {
  await runc(runtimePath, runtimeRoot, force ? ["delete", "--force", id] : ["delete", id]);
}

export async function pauseContainer(runtimePath: string, runtimeRoot: string, id: string): Promise<void> {
  await runc(runtimePath, runtimeRoot, ["pause", id]);
}

export async function resumeContainer(runtimePath: string, runtimeRoot: string, id: string): Promise<void> {
  await runc(runtimePath, runtimeRoot, ["resume", id]);
}

/** `runc resume`, waited for: ConflictError when the container is not paused, NotFoundError when runc has none. */
export function resumeContainerSync(runtimePath: string, runtimeRoot: string, id: string): void {
  const args = ["resume", id];
  const result = spawnSync(runtimePath, [`--root=${runtimeRoot}`, ...args], { encoding: "utf8" });
  if (result.status === 0) return;
  const text = runtimeErrorMessage(result.stderr ?? "") || result.error?.message || `exit status ${String(result.status)}`;
  throw runcError(`runc resume: ${text}`, text, result.error);
}

/** runc's view of the container, or undefined when runc does not know it (never created, or deleted). */
export async function runtimeState(runtimePath: string, runtimeRoot: string, id: string): Promise<RuntimeState | undefined> {
  let stdout: string;
  try {
    stdout = await runc(runtimePath, runtimeRoot, ["state", id]);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
  const state = JSON.parse(stdout) as { status?: unknown; pid?: unknown };
  const status = state.status;
  if (status !== "created" && status !== "running" && status !== "paused" && status !== "stopped") {
    throw new SystemError(`runc state ${id}: unexpected status ${JSON.stringify(status)}`);
  }
  return { status, pid: typeof state.pid === "number" ? state.pid : 0 };
}

/**
 * `runc update --resources -`: the cgroup settings of a running (or paused) container, changed in
 * place; zero values are left as they are. A refusal is a SystemError in the words containerd
 * reports it with ("runc did not terminate successfully: exit status 1: <runc's message>").
 */
export function updateContainerResources(runtimePath: string, runtimeRoot: string, id: string, resources: object): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      runtimePath,
      [`--root=${runtimeRoot}`, "update", "--resources", "-", id],
      { maxBuffer: 16 << 20, encoding: "utf8" },
      (err, _stdout, stderr) => {
        if (!err) {
          resolve();
          return;
        }
        const text = runtimeErrorMessage(stderr) || err.message;
        if (/does not exist/.test(text)) {
          reject(runcError(`runc update: ${text}`, text, err));
          return;
        }
        const status = typeof err.code === "number" ? err.code : 1;
        reject(new SystemError(`runc did not terminate successfully: exit status ${status}: ${text}\n`, { cause: err }));
      },
    );
    child.stdin?.end(JSON.stringify(resources));
  });
}

function runc(runtimePath: string, runtimeRoot: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(runtimePath, [`--root=${runtimeRoot}`, ...args], { maxBuffer: 16 << 20, encoding: "utf8" }, (err, stdout, stderr) => {
      if (!err) {
        resolve(stdout);
        return;
      }
      const text = runtimeErrorMessage(stderr) || err.message;
      reject(runcError(`runc ${args[0] ?? ""}: ${text}`, text, err));
    });
  });
}

// runc 1.1's wording: `container "x" does not exist`, "container not running", "container not paused",
// "cannot start an already running container", "cannot start a container that has stopped",
// "cannot delete container x that is not stopped: running".
function runcError(message: string, text: string, cause: unknown): BerthError {
  if (/does not exist/.test(text)) return new NotFoundError(message, { cause });
  if (/not running|not paused|not stopped|already running|has stopped|already paused|is paused/.test(text)) {
    return new ConflictError(message, { cause });
  }
  return new SystemError(message, { cause });
}
