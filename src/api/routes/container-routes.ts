// /containers/…: create, list, inspect, the lifecycle (start, stop, restart, kill, pause, wait,
// rename, resize, rm), what the container holds (changes, export, archive, top, logs) and prune.
// attach lives in attach-routes.ts, commit in image-routes.ts' neighbour commit-route.ts.
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import type { ApiCall, ApiState } from "../api-context.js";
import { response, sendEmpty, sendJson } from "../api-context.js";
import type { Route } from "../router.js";
import { HttpStatus } from "../errors.js";
import { bodyStream, boolOr, boolValue, filterFlags, intValue, readJsonBody } from "../request-body.js";
import { toCreateRequest } from "../create-body.js";
import { encodeOutput } from "../stream-frames.js";
import { formatLogTimestamp, parseUnixTime } from "../formats.js";
import { createContainer } from "../../engine/containers/create-container.js";
import { containerSummaries } from "../../engine/containers/container-summary.js";
import { inspectContainer } from "../../engine/containers/inspect-container.js";
import { resolveContainer } from "../../engine/containers/container-state.js";
import { killRunning, pauseOrResume, stopContainer } from "../../engine/containers/container-lifecycle.js";
import { startWithAttach, type AttachConnection } from "../../engine/containers/container-attach.js";
import { removeContainer, renameContainer } from "../../engine/containers/remove-container.js";
import { removeLink } from "../../engine/network/remove-link.js";
import { validateContainerName } from "../../engine/containers/container-names.js";
import { containerChanges } from "../../engine/containers/container-diff.js";
import { exportContainer } from "../../engine/containers/export-container.js";
import { copyFromContainer, extractIntoContainer, statInContainer } from "../../engine/containers/copy-container.js";
import { splitPsOutput, topContainer } from "../../engine/containers/container-top.js";
import { attachRunning, containerLogs, resizeContainer } from "../../engine/containers/container-io.js";
import { parseWaitCondition, waitForCondition } from "../../engine/containers/wait-container.js";
import { pruneContainers } from "../../engine/containers/prune-containers.js";
import { containerStats } from "../../engine/containers/container-stats.js";
import { InvalidArgumentError } from "../../errors.js";

const ID = "([^/]+)";

function route(method: string, path: string, handler: (call: ApiCall) => Promise<void>): Route {
  return { method, pattern: new RegExp(`^${path}$`), handler };
}

async function create(call: ApiCall): Promise<void> {
  const body = (await readJsonBody(call.req, "container.Config")) ?? {};
  const name = call.query.get("name") || undefined;
  const platform = call.query.get("platform");
  if (platform && !/^linux(\/(amd64|x86_64))?$/.test(platform))
    throw new InvalidArgumentError(`image with platform ${platform} is not available: berth runs linux/amd64 images`);
  const result = createContainer(call.api.engine, toCreateRequest(body, name));
  call.api.log.info(`container ${result.id.slice(0, 12)} created`);
  sendJson(call, 201, { Id: result.id, Warnings: result.warnings });
}

async function list(call: ApiCall): Promise<void> {
  const limit = intValue(call.query, "limit");
  const summaries = containerSummaries(call.api.engine, {
    all: boolValue(call.query, "all"),
    ...(limit !== undefined && limit > 0 ? { last: limit } : {}),
    filters: filterFlags(call.query),
    size: boolValue(call.query, "size"),
  });
  sendJson(call, 200, summaries);
}

async function inspect(call: ApiCall): Promise<void> {
  const json = inspectContainer(call.api.engine, call.params[0]!, { size: boolValue(call.query, "size") });
  json.ExecIDs = call.api.execs.idsOf(String(json.Id)).length ? call.api.execs.idsOf(String(json.Id)) : null;
  sendJson(call, 200, json);
}

/**
 * Start, and connect the attaches that came first (`docker run`, `start -a`) between creating the
 * task and starting it, so they miss nothing. 304 when it already runs.
 */
async function start(call: ApiCall): Promise<void> {
  const record = resolveContainer(call.api.engine, call.params[0]!);
  if (!(await startWithAttaches(call.api, record.spec.id))) throw new HttpStatus(304);
  sendEmpty(call, 204);
}

/** Starts a container and hands it the attaches that wait for it; false when it already ran. */
async function startWithAttaches(api: ApiState, id: string): Promise<boolean> {
  const { engine, attaches } = api;
  const pending = attaches.take(id);
  // Each waiting attach is either handed its connection before the start, or cancelled.
  const settled = new Set<(typeof pending)[number]>();
  const cancelRest = (): void => {
    for (const p of pending) if (!settled.has(p)) p.cancel();
  };
  let started;
  try {
    started = await startWithAttach(engine, id, async (connect) => {
      const connections: { p: (typeof pending)[number]; conn: AttachConnection }[] = [];
      for (const p of pending) {
        try {
          connections.push({ p, conn: await connect() });
        } catch (err) {
          settled.add(p);
          p.cancel(err instanceof Error ? err.message : String(err));
        }
      }
      for (const { p, conn } of connections) {
        settled.add(p);
        p.begin(conn);
      }
    });
  } catch (err) {
    cancelRest();
    throw err;
  }
  if (!started) {
    cancelRest();
    return false;
  }
  // An attach that arrived while the task was being created missed the hand-over: it joins now.
  for (const late of attaches.take(id)) {
    attachRunning(engine, id).then(
      (r) => late.begin(r.connection),
      () => late.cancel(),
    );
  }
  api.log.info(`container ${id.slice(0, 12)} started`);
  return true;
}

async function stop(call: ApiCall): Promise<void> {
  const record = resolveContainer(call.api.engine, call.params[0]!);
  // A container waiting to be restarted counts as running (dockerd's State.Running): the stop cancels the restart.
  if (!record.state.Running && !record.state.Restarting) throw new HttpStatus(304);
  const t = intValue(call.query, "t");
  const signal = call.query.get("signal");
  await stopContainer(call.api.engine, record.spec.id, { timeout: t, ...(signal ? { signal } : {}) });
  sendEmpty(call, 204);
}

async function restart(call: ApiCall): Promise<void> {
  const id = resolveContainer(call.api.engine, call.params[0]!).spec.id;
  await stopContainer(call.api.engine, id, { timeout: intValue(call.query, "t") });
  await startWithAttaches(call.api, id);
  sendEmpty(call, 204);
}

async function kill(call: ApiCall): Promise<void> {
  await killRunning(call.api.engine, call.params[0]!, call.query.get("signal") || "KILL");
  sendEmpty(call, 204);
}

async function pause(call: ApiCall, paused: boolean): Promise<void> {
  await pauseOrResume(call.api.engine, call.params[0]!, paused);
  sendEmpty(call, 204);
}

async function wait(call: ApiCall): Promise<void> {
  const condition = parseWaitCondition(call.query.get("condition"));
  const record = resolveContainer(call.api.engine, call.params[0]!);
  const res = response(call);
  // The headers go out at once: the CLI sends `start` only after it has them (DOCKER-API.md §4.2).
  res.writeHead(200, { "Content-Type": "application/json" });
  res.flushHeaders();
  try {
    const { code } = await waitForCondition(call.api.engine, record.spec.id, { condition, signal: call.signal });
    res.end(JSON.stringify({ Error: null, StatusCode: code }) + "\n");
  } catch (err) {
    if (call.signal.aborted) return; // the client left (run -d drops its wait): nothing to answer
    res.end(JSON.stringify({ Error: { Message: err instanceof Error ? err.message : String(err) }, StatusCode: -1 }) + "\n");
  }
}

async function remove(call: ApiCall): Promise<void> {
  if (boolValue(call.query, "link")) {
    removeLink(call.api.engine, call.params[0]!);
    sendEmpty(call, 204);
    return;
  }
  const id = resolveContainer(call.api.engine, call.params[0]!).spec.id;
  await removeContainer(call.api.engine, id, {
    force: boolValue(call.query, "force"),
    volumes: boolValue(call.query, "v"),
  });
  // Attaches waiting for a start that will never come end now.
  for (const pending of call.api.attaches.take(id)) pending.cancel();
  sendEmpty(call, 204);
}

async function rename(call: ApiCall): Promise<void> {
  renameContainer(call.api.engine, call.params[0]!, call.query.get("name") ?? "", validateContainerName);
  sendEmpty(call, 204);
}

async function resizeTty(call: ApiCall): Promise<void> {
  const h = intValue(call.query, "h");
  const w = intValue(call.query, "w");
  if (h === undefined || w === undefined) throw new InvalidArgumentError('strconv.Atoi: parsing "": invalid syntax');
  await resizeContainer(call.api.engine, call.params[0]!, { rows: h, cols: w });
  sendEmpty(call, 200);
}

async function top(call: ApiCall): Promise<void> {
  const psArgs = (call.query.get("ps_args") ?? "").split(/\s+/).filter(Boolean);
  sendJson(call, 200, splitPsOutput(topContainer(call.api.engine, call.params[0]!, psArgs)));
}

async function changes(call: ApiCall): Promise<void> {
  const list = containerChanges(call.api.engine, call.params[0]!);
  const kinds = { C: 0, A: 1, D: 2 } as const;
  sendJson(call, 200, list.length ? list.map((c) => ({ Path: c.path, Kind: kinds[c.kind] })) : null);
}

/** A stream to the client; a client that hangs up stops it (and whatever feeds it) at once. */
async function streamOut(call: ApiCall, status: number, headers: Record<string, string>, body: Readable): Promise<void> {
  const res = response(call);
  res.writeHead(status, headers);
  try {
    await pipeline(body, res, { signal: call.signal });
  } catch (err) {
    if (!call.signal.aborted) throw err;
  }
}

async function exportFs(call: ApiCall): Promise<void> {
  const out = await exportContainer(call.api.engine, call.params[0]!);
  try {
    await streamOut(call, 200, { "Content-Type": "application/octet-stream" }, out.stream);
  } finally {
    out.stream.destroy();
    out.finished();
  }
}

/** Go's os.FileMode of a stat: permission bits, plus its own flags for the file type. */
function goFileMode(mode: number): number {
  const type = mode & 0o170000;
  let go = mode & 0o777;
  if (mode & 0o4000) go |= 1 << 23; // setuid
  if (mode & 0o2000) go |= 1 << 22; // setgid
  if (mode & 0o1000) go |= 1 << 20; // sticky
  if (type === 0o040000) go |= 2 ** 31;
  else if (type === 0o120000) go |= 1 << 27;
  else if (type === 0o010000)
    go |= 1 << 25; // named pipe
  else if (type === 0o140000)
    go |= 1 << 24; // socket
  else if (type === 0o020000)
    go |= (1 << 26) | (1 << 21); // device | char device
  else if (type === 0o060000) go |= 1 << 26;
  return go >>> 0;
}

async function statHeader(call: ApiCall, path: string): Promise<string> {
  const st = await statInContainer(call.api.engine, call.params[0]!, path);
  const json = { name: st.name, size: st.size, mode: goFileMode(st.mode), mtime: st.mtime.toISOString(), linkTarget: st.linkTarget };
  return Buffer.from(JSON.stringify(json)).toString("base64");
}

function archivePath(call: ApiCall): string {
  const path = call.query.get("path");
  if (!path) throw new InvalidArgumentError("path is required");
  if (path.includes("\0")) throw new InvalidArgumentError("invalid path: contains a NUL byte");
  return path;
}

async function archiveHead(call: ApiCall): Promise<void> {
  const header = await statHeader(call, archivePath(call));
  response(call).writeHead(200, { "X-Docker-Container-Path-Stat": header, "Content-Length": 0 }).end();
}

async function archiveGet(call: ApiCall): Promise<void> {
  const path = archivePath(call);
  const header = await statHeader(call, path);
  const out = await copyFromContainer(call.api.engine, call.params[0]!, path);
  try {
    await streamOut(call, 200, { "Content-Type": "application/x-tar", "X-Docker-Container-Path-Stat": header }, out.stream);
  } finally {
    out.stream.destroy();
    await out.finished();
  }
}

async function archivePut(call: ApiCall): Promise<void> {
  const path = archivePath(call);
  await extractIntoContainer(call.api.engine, call.params[0]!, path, () => bodyStream(call.req), {
    archive: boolValue(call.query, "copyUIDGID"),
  });
  sendEmpty(call, 200);
}

async function logs(call: ApiCall): Promise<void> {
  const q = call.query;
  const stdout = boolValue(q, "stdout");
  const stderr = boolValue(q, "stderr");
  if (!stdout && !stderr) throw new InvalidArgumentError("Bad parameters: you must choose at least one stream");
  const tailText = q.get("tail") ?? "all";
  const tail = tailText === "all" || tailText === "" ? undefined : Number(tailText);
  const since = q.get("since");
  const until = q.get("until");
  const { record, records, details } = containerLogs(call.api.engine, call.params[0]!, {
    follow: boolValue(q, "follow"),
    ...(tail !== undefined && Number.isInteger(tail) && tail >= 0 ? { tail } : {}),
    ...(since && since !== "0" ? { since: parseUnixTime(since) } : {}),
    ...(until && until !== "0" ? { until: parseUnixTime(until) } : {}),
    signal: call.signal,
  });
  const tty = Boolean(record.spec.config.Tty);
  const timestamps = boolValue(q, "timestamps");
  const withDetails = boolValue(q, "details");
  const res = response(call);
  const headers: Record<string, string> =
    call.version >= 1042 ? { "Content-Type": tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream" } : {};
  res.writeHead(200, headers);
  res.flushHeaders();
  try {
    for await (const r of records) {
      if (call.signal.aborted) break;
      if ((r.stream === "stdout" && !stdout) || (r.stream === "stderr" && !stderr)) continue;
      const text = Buffer.concat([
        Buffer.from(`${timestamps ? `${formatLogTimestamp(r.timestamp)} ` : ""}${withDetails ? `${details} ` : ""}`),
        r.line,
        Buffer.from(r.partial ? "" : "\n"),
      ]);
      if (!res.write(encodeOutput(tty, r.stream === "stderr" ? 2 : 1, text))) {
        await new Promise<void>((resolve) => {
          res.once("drain", resolve);
          res.once("close", resolve);
        });
      }
    }
  } finally {
    await records.return(undefined);
  }
  res.end();
}

async function prune(call: ApiCall): Promise<void> {
  const flags = filterFlags(call.query);
  const until = flags.find((f) => f.startsWith("until="));
  const { removed, spaceReclaimed } = await pruneContainers(call.api.engine, {
    until: until ? parseUnixTime(until.slice("until=".length)) : undefined,
    labels: flags.filter((f) => f.startsWith("label=")).map((f) => f.slice("label=".length)),
  });
  sendJson(call, 200, { ContainersDeleted: removed.length ? removed : null, SpaceReclaimed: spaceReclaimed });
}

/** GET /containers/{id}/stats: one StatsJSON per second, or one answer (stream=false, one-shot). */
async function stats(call: ApiCall): Promise<void> {
  const stream = boolOr(call.query, "stream", true);
  const oneShot = boolOr(call.query, "one-shot", false);
  const samples = containerStats(call.api.engine, call.params[0]!, { stream, oneShot, signal: call.signal });
  const first = await samples.next();
  const res = response(call);
  res.writeHead(200, { "Content-Type": "application/json" });
  if (!first.done) res.write(JSON.stringify(first.value) + "\n");
  for await (const sample of samples) {
    if (res.destroyed) break;
    res.write(JSON.stringify(sample) + "\n");
  }
  res.end();
}

export const containerRoutes: readonly Route[] = [
  route("POST", "/containers/create", create),
  route("GET", "/containers/json", list),
  route("POST", "/containers/prune", prune),
  route("GET", `/containers/${ID}/json`, inspect),
  route("GET", `/containers/${ID}/top`, top),
  route("GET", `/containers/${ID}/stats`, stats),
  route("GET", `/containers/${ID}/logs`, logs),
  route("GET", `/containers/${ID}/changes`, changes),
  route("GET", `/containers/${ID}/export`, exportFs),
  route("POST", `/containers/${ID}/start`, start),
  route("POST", `/containers/${ID}/stop`, stop),
  route("POST", `/containers/${ID}/restart`, restart),
  route("POST", `/containers/${ID}/kill`, kill),
  route("POST", `/containers/${ID}/pause`, (c) => pause(c, true)),
  route("POST", `/containers/${ID}/unpause`, (c) => pause(c, false)),
  route("POST", `/containers/${ID}/wait`, wait),
  route("POST", `/containers/${ID}/rename`, rename),
  route("POST", `/containers/${ID}/resize`, resizeTty),
  route("HEAD", `/containers/${ID}/archive`, archiveHead),
  route("GET", `/containers/${ID}/archive`, archiveGet),
  route("PUT", `/containers/${ID}/archive`, archivePut),
  // A link's name has a slash ("src/al"): dockerd's route takes any name, {name:.*}.
  route("DELETE", "/containers/(.+)", remove),
];
