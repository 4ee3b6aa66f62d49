// The streams of a container: attaching to it, reading its log, and running a process in it.
import * as fs from "node:fs";
import type { Engine } from "../engine.js";
import { resolveContainer } from "./container-state.js";
import { containerPaths } from "./container-paths.js";
import { containerRuntime } from "./container-runtime.js";
import type { AttachConnection, AttachStreams, ExecSession, TerminalControl } from "../../runtime/runtime.js";
import { readLog, rotatedLogFiles, type LogRecord, type ReadLogOptions } from "../../runtime/container-log.js";
import { formatLogDetails, logAttributes } from "./log-attributes.js";
import { resolveUser } from "../../runtime/user.js";
import { ContainerStartError, classifyStartError } from "../../runtime/start-error.js";
import { ConflictError, InvalidArgumentError, NotImplementedError } from "../../errors.js";
import { checkLogsReadable } from "./log-config.js";
import { ContainerCommandError } from "./start-container.js";
import type { ContainerRecord } from "../../store/container-store.js";

export async function attachRunning(
  engine: Engine,
  idOrName: string,
): Promise<{ record: ContainerRecord; connection: AttachConnection; terminal: TerminalControl }> {
  const record = resolveContainer(engine, idOrName);
  if (!record.state.Running) throw new ConflictError("You cannot attach to a stopped container, start it first");
  if (record.state.Paused) throw new ConflictError("You cannot attach to a paused container, unpause it first");
  const runtime = containerRuntime(engine, record.spec);
  const connection = await runtime.attach(record.spec.id);
  return { record, connection, terminal: runtime.terminal(record.spec.id) };
}

/** A running container's terminal takes a new size. */
export async function resizeContainer(engine: Engine, idOrName: string, size: { rows: number; cols: number }): Promise<void> {
  const record = resolveContainer(engine, idOrName);
  if (!record.state.Running) throw new ConflictError(`Container ${record.spec.id} is not running`);
  await containerRuntime(engine, record.spec)
    .terminal(record.spec.id)
    .resize(size)
    .catch((err: unknown) => {
      // Its monitor has gone: the container ended a moment ago.
      throw new ConflictError(`Container ${record.spec.id} is not running`, { cause: err });
    });
}

export { utcTimestamp } from "../../runtime/container-log.js";

export function containerLogs(
  engine: Engine,
  idOrName: string,
  opts: Omit<ReadLogOptions, "exitFile" | "isRunning">,
): { record: ContainerRecord; records: AsyncGenerator<LogRecord>; details: string } {
  const record = resolveContainer(engine, idOrName);
  const logConfig = record.spec.hostConfig.LogConfig;
  checkLogsReadable(logConfig);
  // --details: "k=v,k2=v2" before each line (empty for none, then only the separating space).
  const details = formatLogDetails(logAttributes(record.spec, logConfig?.Config ?? {}));
  const paths = containerPaths(engine, record.spec.id);
  if (!fs.existsSync(paths.logPath) && rotatedLogFiles(paths.logPath).length === 0)
    return { record, details, records: (async function* () {})() };
  const runtime = containerRuntime(engine, record.spec);
  return {
    record,
    details,
    records: readLog(paths.logPath, {
      ...opts,
      ...(opts.follow ? { isRunning: () => record.state.Running && runtime.exitStatus(record.spec.id) === undefined } : {}),
    }),
  };
}

export interface ExecRequest {
  cmd: string[];
  env: string[];
  user?: string | undefined;
  workdir?: string | undefined;
  tty: boolean;
  stdin: boolean;
  detach: boolean;
  privileged?: boolean;
}

/**
 * What dockerd refuses when an exec is made (POST /containers/{id}/exec, and so `berth exec`): a
 * container that does not run or is paused, no command, and here --privileged, which berth has not.
 */
export function checkExec(engine: Engine, idOrName: string, req: Pick<ExecRequest, "cmd" | "privileged">): ContainerRecord {
  const record = resolveContainer(engine, idOrName);
  if (!record.state.Running) throw new ConflictError(`Container ${record.spec.id} is not running`);
  if (record.state.Paused) throw new ConflictError(`Container ${record.spec.id} is paused, unpause the container before exec`);
  if (req.cmd.length === 0) throw new InvalidArgumentError("No exec command specified");
  if (req.privileged) throw new NotImplementedError("exec --privileged is not supported by berth yet");
  return record;
}

/** Runs a process in a running container with the container's own process settings, as podman does. */
export async function execProcess(engine: Engine, idOrName: string, req: ExecRequest, streams?: AttachStreams): Promise<ExecSession> {
  const record = checkExec(engine, idOrName, req);
  const paths = containerPaths(engine, record.spec.id);
  const runtime = containerRuntime(engine, record.spec);
  const base = runtime.taskProcess(record.spec.id);
  const env = [...base.env];
  for (const entry of req.env) {
    const key = entry.split("=", 1)[0];
    const at = env.findIndex((e) => e.split("=", 1)[0] === key);
    if (at >= 0) env[at] = entry;
    else env.push(entry);
  }
  const process = {
    ...base,
    args: req.cmd,
    env,
    cwd: req.workdir || base.cwd,
    terminal: req.tty,
    user: req.user !== undefined ? resolveUser(paths.merged, req.user) : base.user,
  };
  try {
    return await runtime.exec(record.spec.id, {
      process,
      terminal: req.tty,
      stdin: req.stdin,
      detach: req.detach,
      ...(streams ? { streams } : {}),
    });
  } catch (err) {
    if (err instanceof ContainerStartError) {
      throw new ContainerCommandError(
        `OCI runtime exec failed: exec failed: ${err.runtimeMessage}: unknown`,
        classifyStartError(err.runtimeMessage),
      );
    }
    throw err;
  }
}
