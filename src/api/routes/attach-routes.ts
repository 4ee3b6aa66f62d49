// POST /containers/{id}/attach: the container's streams on a taken-over connection. A running
// container is attached at once; any other waits for its start (pending-attaches.ts), which is how
// `docker run` and `start -a` see every byte. The connection ends when the container exits.
import { Writable } from "node:stream";
import type { ApiCall } from "../api-context.js";
import type { Route } from "../router.js";
import { readHijackBody, takeOver, type Hijacked } from "../hijack.js";
import { boolValue } from "../request-body.js";
import { encodeOutput } from "../stream-frames.js";
import { resolveContainer } from "../../engine/containers/container-state.js";
import { attachRunning, containerLogs } from "../../engine/containers/container-io.js";
import { detachKeys, streamAttach, type AttachConnection, type AttachStreams } from "../../engine/containers/container-attach.js";
import { checkLogsReadable } from "../../engine/containers/log-config.js";
import { ConflictError } from "../../errors.js";

function discard(): Writable {
  return new Writable({ write: (_c, _e, done) => done() });
}

async function replayLogs(call: ApiCall, h: Hijacked, id: string, tty: boolean, want: { stdout: boolean; stderr: boolean }): Promise<void> {
  const { records } = containerLogs(call.api.engine, id, { signal: h.closed });
  for await (const r of records) {
    if ((r.stream === "stdout" && !want.stdout) || (r.stream === "stderr" && !want.stderr)) continue;
    h.writeRaw(encodeOutput(tty, r.stream === "stderr" ? 2 : 1, Buffer.concat([r.line, Buffer.from(r.partial ? "" : "\n")])));
  }
}

async function attachContainer(call: ApiCall): Promise<void> {
  await readHijackBody(call); // dockerode repeats the query as JSON; nothing in it is new
  const q = call.query;
  const { engine, attaches, log } = call.api;
  const record = resolveContainer(engine, call.params[0]!);
  if (record.state.Paused) throw new ConflictError("You cannot attach to a paused container, unpause it first");
  const id = record.spec.id;
  const tty = Boolean(record.spec.config.Tty);
  const want = { stdin: boolValue(q, "stdin"), stdout: boolValue(q, "stdout"), stderr: boolValue(q, "stderr") };
  // Before the take-over, so that a driver that keeps no log is refused as a plain error.
  if (boolValue(q, "logs")) checkLogsReadable(record.spec.hostConfig.LogConfig);
  const h = takeOver(call, { tty, stdin: want.stdin });
  if (boolValue(q, "logs")) await replayLogs(call, h, id, tty, want);
  if (!boolValue(q, "stream")) {
    await h.end();
    return;
  }
  const streams: AttachStreams = {
    ...(want.stdin && h.input ? { stdin: h.input } : {}),
    stdout: want.stdout ? h.output(1) : discard(),
    stderr: want.stderr ? h.output(2) : discard(),
    detachKeys: want.stdin ? detachKeys(q.get("detachKeys") || undefined) : [],
    signal: h.closed,
  };
  const run = (connection: AttachConnection): void => {
    const delivered = streamAttach(connection, streams).then(
      (result) => {
        log.debug(`attach to ${id.slice(0, 12)} ended: ${result}`);
        return h.end();
      },
      (err: unknown) => {
        log.warn(`attach to ${id.slice(0, 12)}: ${err instanceof Error ? err.message : String(err)}`);
        return h.end();
      },
    );
    // A wait on this container answers after this output is sent (engine/attached-streams.ts).
    engine.attachedStreams.add(id, delivered);
  };
  if (record.state.Running) {
    try {
      run((await attachRunning(engine, id)).connection);
    } catch (err) {
      // The container ended between the check and the connect: its stream is simply over.
      log.debug(`attach to ${id.slice(0, 12)}: ${err instanceof Error ? err.message : String(err)}`);
      await h.end();
    }
    return;
  }
  const withdraw = attaches.add(id, {
    begin: (connection) => {
      h.closed.removeEventListener("abort", onGone);
      run(connection);
    },
    cancel: (message) => {
      h.closed.removeEventListener("abort", onGone);
      if (message) h.writeRaw(encodeOutput(tty, 1, Buffer.from(`${message}\r\n`)));
      // Nobody waits for this client's output (no attach stream ran), and end() never rejects.
      void h.end();
    },
  });
  const onGone = (): void => withdraw();
  h.closed.addEventListener("abort", onGone, { once: true });
}

export const attachRoutes: readonly Route[] = [
  { method: "POST", pattern: /^\/containers\/([^/]+)\/attach$/, handler: attachContainer, hijack: true },
];
