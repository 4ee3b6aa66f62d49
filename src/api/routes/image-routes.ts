// /images/…: list, inspect, history, tag, remove, import (POST /images/create?fromSrc=), save
// (get), load, prune, and POST /commit. Image names in paths are greedy (/images/a/b:c/tag).
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ApiCall } from "../api-context.js";
import { response, sendJson } from "../api-context.js";
import type { Route } from "../router.js";
import { bodyStream, boolValue, filterFlags, readJsonBody, stringList, optionalObject, optionalString } from "../request-body.js";
import { parseUnixTime } from "../formats.js";
import { pullImage } from "./registry-routes.js";
import { jsonMessages, streamMessages } from "../json-messages.js";
import { listImages, parseFilters } from "../../engine/images/list-images.js";
import { inspectImage } from "../../engine/images/inspect-image.js";
import { analysisJson, analyzeImage } from "../../engine/images/analyze-image.js";
import { imageHistory } from "../../engine/images/image-history.js";
import { tagImage } from "../../engine/images/tag-image.js";
import { removeImage, pruneImages } from "../../engine/images/remove-image.js";
import { importImage } from "../../engine/images/import-image.js";
import { planSave, writeSaveArchive } from "../../engine/images/save-images.js";
import { loadImages } from "../../engine/images/load-images.js";
import { commitContainer } from "../../engine/containers/commit-container.js";
import { InvalidArgumentError, NotFoundError } from "../../errors.js";

function route(method: string, pattern: RegExp, handler: (call: ApiCall) => Promise<void>): Route {
  return { method, pattern, handler };
}

async function list(call: ApiCall): Promise<void> {
  const filters = parseFilters(filterFlags(call.query));
  const images = listImages(call.api.engine, { all: boolValue(call.query, "all"), filters });
  sendJson(
    call,
    200,
    images.map((i) => {
      const untagged = i.repoTags.length === 1 && i.repoTags[0] === "<none>:<none>";
      return {
        Containers: i.containers,
        Created: Math.floor(i.created.getTime() / 1000),
        Id: i.id,
        Labels: Object.keys(i.labels).length ? i.labels : null,
        ParentId: i.parentId,
        // API 1.43 replaced the placeholders with empty lists.
        RepoDigests: call.version >= 1043 && untagged ? [] : i.repoDigests.length ? i.repoDigests : null,
        RepoTags: call.version >= 1043 && untagged ? [] : i.repoTags,
        SharedSize: i.sharedSize,
        Size: i.size,
        ...(call.version < 1044 ? { VirtualSize: i.size } : {}),
      };
    }),
  );
}

async function inspect(call: ApiCall): Promise<void> {
  const name = call.params[0]!;
  let json: Record<string, unknown>;
  try {
    json = { ...inspectImage(call.api.engine, name) };
  } catch (err) {
    // dockerd's wording for this route (DOCKER-API.md §2).
    if (err instanceof NotFoundError) throw new NotFoundError(`no such image: ${name}: ${err.message}`, { cause: err });
    throw err;
  }
  if (call.version >= 1044) delete json.VirtualSize;
  if (call.version >= 1045) {
    delete json.Container;
    delete json.ContainerConfig;
  }
  sendJson(call, 200, json);
}

/** berth's own endpoint: `image analyze`'s JSON document (README, "Looking inside images"). */
async function analyze(call: ApiCall): Promise<void> {
  sendJson(call, 200, analysisJson(analyzeImage(call.api.engine, call.params[0]!)));
}

async function history(call: ApiCall): Promise<void> {
  const rows = imageHistory(call.api.engine, call.params[0]!);
  sendJson(
    call,
    200,
    rows.map((r) => ({
      Comment: r.comment,
      Created: r.created ? Math.floor(r.created.getTime() / 1000) : 0,
      CreatedBy: r.createdBy,
      Id: r.id,
      Size: r.size,
      Tags: r.tags.length ? r.tags : null,
    })),
  );
}

/** repo and tag query values as one name; the CLI sends repo fully qualified, import may put the tag in repo. */
function targetName(repo: string | null, tag: string | null): string | undefined {
  if (!repo) return undefined;
  if (!tag) return repo;
  if (/:[^/]*$/.test(repo) || repo.includes("@"))
    throw new InvalidArgumentError(`invalid reference format: repository name (${repo}) must not carry a tag when a tag is given`);
  return `${repo}:${tag}`;
}

async function tag(call: ApiCall): Promise<void> {
  const target = targetName(call.query.get("repo"), call.query.get("tag"));
  if (!target) throw new InvalidArgumentError("repository name must have at least one component");
  tagImage(call.api.engine, call.params[0]!, target);
  call.api.log.info(`image ${call.params[0]} tagged ${target}`);
  response(call).writeHead(201, { "Content-Length": 0 }).end();
}

async function remove(call: ApiCall): Promise<void> {
  const records = removeImage(call.api.engine, call.params[0]!, {
    force: boolValue(call.query, "force"),
    prune: !boolValue(call.query, "noprune"),
  });
  sendJson(
    call,
    200,
    records.map((r) => ("untagged" in r ? { Untagged: r.untagged } : { Deleted: r.deleted })),
  );
}

async function createImage(call: ApiCall): Promise<void> {
  const q = call.query;
  if (q.get("fromImage")) return pullImage(call);
  const from = q.get("fromSrc");
  if (!from) throw new InvalidArgumentError("fromImage or fromSrc is required");
  await streamMessages(call, async (send) => {
    let source: Readable;
    if (from === "-") {
      source = bodyStream(call.req);
    } else {
      let url: URL;
      try {
        url = new URL(from.includes("://") ? from : `http://${from}`);
      } catch {
        throw new InvalidArgumentError(`invalid URL: ${from}`);
      }
      if (url.protocol !== "http:" && url.protocol !== "https:")
        throw new InvalidArgumentError(`unsupported import source scheme: ${url.protocol}`);
      const fetched = await fetch(url, { signal: call.signal }).catch((err: unknown) => {
        throw new InvalidArgumentError(`Get "${from}": ${err instanceof Error ? err.message : String(err)}`);
      });
      if (!fetched.ok || !fetched.body) throw new InvalidArgumentError(`Get "${from}": ${fetched.status} ${fetched.statusText}`);
      send({ status: `Downloading from ${from}` });
      source = Readable.fromWeb(fetched.body as import("node:stream/web").ReadableStream<Uint8Array>);
    }
    const { id } = await importImage(call.api.engine, {
      source,
      sourceName: from === "-" ? "-" : from,
      name: targetName(q.get("repo"), q.get("tag")),
      changes: q.getAll("changes"),
      message: q.get("message") || undefined,
      platform: q.get("platform") || undefined,
      signal: call.signal,
    });
    call.api.log.info(`image ${id.slice(7, 19)} imported`);
    send({ status: id });
  });
}

async function save(call: ApiCall): Promise<void> {
  const names = call.params[0] !== undefined ? [call.params[0]] : call.query.getAll("names");
  if (names.length === 0) throw new InvalidArgumentError("no images given: use names=IMAGE");
  const items = planSave(call.api.engine, names);
  const res = response(call);
  res.writeHead(200, { "Content-Type": "application/x-tar" });
  try {
    await pipeline(writeSaveArchive(call.api.engine, items), res, { signal: call.signal });
  } catch (err) {
    if (!call.signal.aborted) throw err;
  }
}

async function load(call: ApiCall): Promise<void> {
  const lines = await loadImages(call.api.engine, bodyStream(call.req), { signal: call.signal });
  const messages = jsonMessages(call);
  for (const line of lines) messages.send({ stream: `${line}\n` });
  messages.end();
}

async function prune(call: ApiCall): Promise<void> {
  const flags = filterFlags(call.query);
  const dangling = flags.find((f) => f.startsWith("dangling="))?.slice("dangling=".length);
  const until = flags.find((f) => f.startsWith("until="))?.slice("until=".length);
  const result = pruneImages(call.api.engine, {
    all: dangling !== undefined && ["false", "0"].includes(dangling.toLowerCase()),
    ...(until ? { until: parseUnixTime(until) } : {}),
    labels: flags.filter((f) => f.startsWith("label=")).map((f) => f.slice("label=".length)),
  });
  sendJson(call, 200, {
    ImagesDeleted: result.records.length
      ? result.records.map((r) => ("untagged" in r ? { Untagged: r.untagged } : { Deleted: r.deleted }))
      : null,
    SpaceReclaimed: result.spaceReclaimed,
  });
}

/**
 * A commit body is a container.Config whose non-empty fields override the container's
 * (daemon/commit.go merge); they are handed to the engine as the change lines they amount to.
 */
function configChanges(body: Record<string, unknown> | undefined): string[] {
  if (!body) return [];
  const C = "container.Config";
  const changes: string[] = [];
  const cmd = stringList(body, "Cmd", C);
  if (cmd && cmd.length) changes.push(`CMD ${JSON.stringify(cmd)}`);
  const entrypoint = stringList(body, "Entrypoint", C);
  if (entrypoint && entrypoint.length) changes.push(`ENTRYPOINT ${JSON.stringify(entrypoint)}`);
  for (const e of stringList(body, "Env", C) ?? []) {
    const eq = e.indexOf("=");
    if (eq > 0) changes.push(`ENV ${e.slice(0, eq)}=${JSON.stringify(e.slice(eq + 1))}`);
  }
  for (const [k, v] of Object.entries(optionalObject(body, "Labels", C) ?? {}))
    changes.push(`LABEL ${JSON.stringify(k)}=${JSON.stringify(String(v))}`);
  for (const port of Object.keys(optionalObject(body, "ExposedPorts", C) ?? {})) changes.push(`EXPOSE ${port}`);
  const volumes = Object.keys(optionalObject(body, "Volumes", C) ?? {});
  if (volumes.length) changes.push(`VOLUME ${JSON.stringify(volumes)}`);
  const workdir = optionalString(body, "WorkingDir", C);
  if (workdir) changes.push(`WORKDIR ${workdir}`);
  const user = optionalString(body, "User", C);
  if (user) changes.push(`USER ${user}`);
  const stopSignal = optionalString(body, "StopSignal", C);
  if (stopSignal) changes.push(`STOPSIGNAL ${stopSignal}`);
  return changes;
}

async function commit(call: ApiCall): Promise<void> {
  const q = call.query;
  const body = await readJsonBody(call.req, "container.Config");
  const container = q.get("container");
  if (!container) throw new NotFoundError("No such container: ");
  const { id } = await commitContainer(call.api.engine, {
    container,
    name: targetName(q.get("repo"), q.get("tag")),
    author: q.get("author") || undefined,
    message: q.get("comment") || undefined,
    changes: [...configChanges(body), ...q.getAll("changes")],
    pause: q.has("pause") ? boolValue(q, "pause") : true,
  });
  call.api.log.info(`container ${container} committed as ${id.slice(7, 19)}`);
  sendJson(call, 201, { Id: id });
}

export const imageRoutes: readonly Route[] = [
  route("GET", /^\/images\/json$/, list),
  route("POST", /^\/images\/create$/, createImage),
  route("GET", /^\/images\/get$/, save),
  route("POST", /^\/images\/load$/, load),
  route("POST", /^\/images\/prune$/, prune),
  route("POST", /^\/commit$/, commit),
  route("GET", /^\/images\/(.+)\/json$/, inspect),
  route("GET", /^\/images\/(.+)\/history$/, history),
  route("GET", /^\/images\/(.+)\/analyze$/, analyze),
  route("POST", /^\/images\/(.+)\/tag$/, tag),
  route("GET", /^\/images\/(.+)\/get$/, save),
  route("DELETE", /^\/images\/(.+)$/, remove),
];
