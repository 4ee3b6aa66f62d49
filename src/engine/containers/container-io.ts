// The streams of a container: attaching to it, reading its log, and running a process in it.
import * as fs from "node:fs";
import { randomBytes } from "node:crypto";
import type { Engine } from "../engine.js";
import { resolveContainer } from "./container-state.js";
import { containerPaths } from "./container-paths.js";
import { chooseRuntime } from "../system/runtime-binary.js";
import { attachSocketPath } from "../../runtime/conmon.js";
import { connectAttach, type AttachConnection, type AttachStreams } from "../../runtime/attach.js";
import { readLog, type LogRecord, type ReadLogOptions } from "../../runtime/container-log.js";
import { execInContainer, type ExecSession } from "../../runtime/exec.js";
import { resolveUser } from "../../runtime/user.js";
import { ContainerStartError, classifyStartError } from "../../runtime/start-error.js";
import { ConflictError, InvalidArgumentError, NotImplementedError } from "../../errors.js";
import { checkLogsReadable } from "./log-config.js";
import { ContainerCommandError } from "./start-container.js";
import type { ContainerRecord } from "../../store/container-store.js";

export async function attachRunning(
  engine: Engine,
  idOrName: string,
): Promise<{ record: ContainerRecord; connection: AttachConnection; ctlPath: string }> {
  const record = resolveContainer(engine, idOrName);
  if (!record.state.Running) throw new ConflictError("You cannot attach to a stopped container, start it first");
  if (record.state.Paused) throw new ConflictError("You cannot attach to a paused container, unpause it first");
  const paths = containerPaths(engine, record.spec.id);
  const connection = await connectAttach(attachSocketPath(paths.socketDir, record.spec.id));
  return { record, connection, ctlPath: `${paths.bundle}/ctl` };
}

export function containerLogs(
  engine: Engine,
  idOrName: string,
  opts: Omit<ReadLogOptions, "exitFile" | "isRunning">,
): { record: ContainerRecord; records: AsyncGenerator<LogRecord> } {
  const record = resolveContainer(engine, idOrName);
  checkLogsReadable(record.spec.hostConfig.LogConfig);
  const paths = containerPaths(engine, record.spec.id);
  if (!fs.existsSync(paths.logPath)) return { record, records: (async function* () {})() };
  const exitFile = `${paths.exitDir}/${record.spec.id}`;
  return {
    record,
    records: readLog(paths.logPath, {
      ...opts,
      ...(opts.follow ? { isRunning: () => record.state.Running && !fs.existsSync(exitFile) } : {}),
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
  const bundle = JSON.parse(fs.readFileSync(`${paths.bundle}/config.json`, "utf8")) as { process: Record<string, unknown> };
  const env = [...((bundle.process.env as string[]) ?? [])];
  for (const entry of req.env) {
    const key = entry.split("=", 1)[0];
    const at = env.findIndex((e) => e.split("=", 1)[0] === key);
    if (at >= 0) env[at] = entry;
    else env.push(entry);
  }
  const process = {
    ...bundle.process,
    args: req.cmd,
    env,
    cwd: req.workdir || (bundle.process.cwd as string),
    terminal: req.tty,
    user: req.user !== undefined ? resolveUser(paths.merged, req.user) : bundle.process.user,
  };
  const sessionId = randomBytes(16).toString("hex");
  const execDir = `${paths.bundle}/exec-${sessionId.slice(0, 12)}`;
  fs.mkdirSync(execDir, { recursive: true, mode: 0o700 });
  const specPath = `${execDir}/process.json`;
  fs.writeFileSync(specPath, JSON.stringify(process));
  try {
    return await execInContainer(
      {
        id: record.spec.id,
        runtimePath: chooseRuntime(record.spec.hostConfig.Runtime).path,
        runtimeRoot: paths.runtimeRoot,
        execDir,
        socketDir: paths.socketDir,
        processSpecPath: specPath,
        terminal: req.tty,
        stdin: req.stdin,
        detach: req.detach,
        sessionId: sessionId.slice(0, 12),
      },
      streams,
    );
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
