// Exec: POST /containers/{id}/exec makes an instance, POST /exec/{id}/start runs it (taking over
// the connection unless Detach), GET /exec/{id}/json tells its exit code, which is recorded before
// the stream closes: `docker exec` reads it right after (DOCKER-API.md §0.8). Whether the process
// gets a terminal is the create's Tty; how its output is framed is the start's Tty, as in dockerd:
// a start with Tty streams stdout raw and drops a terminal-less process's stderr, one without
// multiplexes (docker-py reads the frames by the Tty it passed to start).
import { Writable } from "node:stream";
import type { ApiCall } from "../api-context.js";
import { sendEmpty, sendJson } from "../api-context.js";
import type { Route } from "../router.js";
import { readHijackBody, takeOver } from "../hijack.js";
import { intValue, optionalBool, optionalString, parseJsonBody, readJsonBody, stringList } from "../request-body.js";
import { encodeOutput } from "../stream-frames.js";
import type { ExecInstance } from "../exec-sessions.js";
import { resolveContainer } from "../../engine/containers/container-state.js";
import { checkExec, execProcess } from "../../engine/containers/container-io.js";
import { ContainerCommandError } from "../../engine/containers/start-container.js";
import { detachKeys, type AttachStreams, type TerminalControl } from "../../engine/containers/container-attach.js";
import { ConflictError, InvalidArgumentError } from "../../errors.js";

const E = "types.ExecConfig";

async function createExec(call: ApiCall): Promise<void> {
  const body = (await readJsonBody(call.req, E)) ?? {};
  const cmd = stringList(body, "Cmd", E) ?? [];
  const privileged = optionalBool(body, "Privileged", E) ?? false;
  const record = checkExec(call.api.engine, call.params[0]!, { cmd, privileged });
  const instance = call.api.execs.create(record.spec.id, {
    cmd,
    env: stringList(body, "Env", E) ?? [],
    user: optionalString(body, "User", E) ?? "",
    workdir: optionalString(body, "WorkingDir", E) ?? "",
    tty: optionalBool(body, "Tty", E) ?? false,
    attachStdin: optionalBool(body, "AttachStdin", E) ?? false,
    attachStdout: optionalBool(body, "AttachStdout", E) ?? false,
    attachStderr: optionalBool(body, "AttachStderr", E) ?? false,
    privileged,
    detachKeys: optionalString(body, "DetachKeys", E) ?? "",
  });
  sendJson(call, 201, { Id: instance.id });
}

function discard(): Writable {
  return new Writable({ write: (_c, _e, done) => done() });
}

async function startExec(call: ApiCall): Promise<void> {
  const body = parseJsonBody(await readHijackBody(call), call.req.headers["content-type"], "types.ExecStartCheck") ?? {};
  const { engine, execs, log } = call.api;
  const instance = execs.get(call.params[0]!);
  if (instance.started) throw new ConflictError(`Exec ${instance.id} has already been started`);
  const record = resolveContainer(engine, instance.containerId);
  if (!record.state.Running) throw new ConflictError(`Container ${record.spec.id} is not running`);
  const detach = optionalBool(body, "Detach", "types.ExecStartCheck") ?? false;
  const rawOutput = optionalBool(body, "Tty", "types.ExecStartCheck") ?? false;
  const cfg = instance.config;
  const req = {
    cmd: cfg.cmd,
    env: cfg.env,
    user: cfg.user || undefined,
    workdir: cfg.workdir || undefined,
    tty: cfg.tty,
    stdin: cfg.attachStdin && !detach,
    detach,
  };
  instance.started = true;
  if (detach) {
    const session = await execProcess(engine, instance.containerId, req);
    running(call, instance, session.pid, session.terminal);
    session.wait().then(
      (exit) => execs.finish(instance, exit.code),
      () => execs.finish(instance, -1),
    );
    if (call.res) sendEmpty(call, 200);
    else call.upgrade?.socket.end("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    return;
  }
  const h = takeOver(call, { tty: rawOutput, stdin: cfg.attachStdin });
  const streams: AttachStreams = {
    ...(cfg.attachStdin && h.input ? { stdin: h.input } : {}),
    stdout: cfg.attachStdout ? h.output(1) : discard(),
    stderr: cfg.attachStderr && !rawOutput ? h.output(2) : discard(),
    detachKeys: cfg.attachStdin ? detachKeys(cfg.detachKeys || undefined) : [],
    signal: h.closed,
  };
  let session;
  try {
    session = await execProcess(engine, instance.containerId, req, streams);
  } catch (err) {
    // After the 101 an error can only be told in the stream, as text on stdout (dockerd does so).
    const message = err instanceof Error ? err.message : String(err);
    execs.finish(instance, err instanceof ContainerCommandError ? err.exitCode : 126);
    h.writeRaw(encodeOutput(rawOutput, 1, Buffer.from(`${message}\r\n`)));
    await h.end();
    return;
  }
  running(call, instance, session.pid, session.terminal);
  try {
    const result = await session.attached;
    if (result === "detached") {
      // The client went away or detached: the process runs on; its code is still recorded.
      session.wait().then(
        (exit) => execs.finish(instance, exit.code),
        () => execs.finish(instance, -1),
      );
      await h.end();
      return;
    }
    const exit = await session.wait();
    execs.finish(instance, exit.code);
  } catch (err) {
    log.warn(`exec ${instance.id.slice(0, 12)}: ${err instanceof Error ? err.message : String(err)}`);
    execs.finish(instance, -1);
  }
  await h.end();
}

function running(call: ApiCall, instance: ExecInstance, pid: number, terminal: TerminalControl): void {
  instance.running = true;
  instance.pid = pid;
  instance.terminal = terminal;
  call.api.log.debug(`exec ${instance.id.slice(0, 12)} started in ${instance.containerId.slice(0, 12)}: pid ${pid}`);
}

async function inspectExec(call: ApiCall): Promise<void> {
  const i = call.api.execs.get(call.params[0]!);
  const [entrypoint, ...args] = i.config.cmd;
  sendJson(call, 200, {
    ID: i.id,
    Running: i.running,
    ExitCode: i.exitCode,
    ProcessConfig: {
      tty: i.config.tty,
      entrypoint,
      arguments: args,
      privileged: i.config.privileged,
      ...(i.config.user ? { user: i.config.user } : {}),
    },
    OpenStdin: i.config.attachStdin,
    OpenStderr: i.config.attachStderr,
    OpenStdout: i.config.attachStdout,
    CanRemove: false,
    ContainerID: i.containerId,
    DetachKeys: i.config.detachKeys,
    Pid: i.pid,
  });
}

async function resizeExec(call: ApiCall): Promise<void> {
  const h = intValue(call.query, "h");
  const w = intValue(call.query, "w");
  if (h === undefined || w === undefined) throw new InvalidArgumentError('strconv.Atoi: parsing "": invalid syntax');
  const instance = call.api.execs.get(call.params[0]!);
  if (!instance.running || !instance.terminal) throw new ConflictError(`Exec ${instance.id} is not running`);
  await instance.terminal.resize({ rows: h, cols: w });
  sendEmpty(call, 200);
}

export const execRoutes: readonly Route[] = [
  { method: "POST", pattern: /^\/containers\/([^/]+)\/exec$/, handler: createExec },
  { method: "POST", pattern: /^\/exec\/([^/]+)\/start$/, handler: startExec, hijack: true },
  { method: "GET", pattern: /^\/exec\/([^/]+)\/json$/, handler: inspectExec },
  { method: "POST", pattern: /^\/exec\/([^/]+)\/resize$/, handler: resizeExec },
];
