// /_ping, /version, /info, /system/df, /events, and the plugin lookup `docker inspect` walks through
// on its way (berth has no plugins: 404, so the CLI moves on).
import * as os from "node:os";
import type { ApiCall } from "../api-context.js";
import { API_VERSION, MIN_API_VERSION, SERVER_VERSION, response, sendJson } from "../api-context.js";
import type { Route } from "../router.js";
import { diskUsage } from "../../engine/system/system-df.js";
import { systemInfo } from "../../engine/system/system-info.js";
import { parseUnixTimeNano } from "../formats.js";
import { containerSummary } from "../../engine/containers/container-summary.js";
import { VERSION } from "../../version.js";
import { NotFoundError } from "../../errors.js";
import { eventJson, followEvents } from "../../engine/events.js";
import { parseFilters } from "../../engine/images/list-images.js";
import { filterFlags } from "../request-body.js";

async function ping(call: ApiCall): Promise<void> {
  const res = response(call);
  const headers = {
    "Content-Type": "text/plain; charset=utf-8",
    "Cache-Control": "no-cache, no-store, must-revalidate",
    Pragma: "no-cache",
  };
  if (call.req.method === "HEAD") res.writeHead(200, { ...headers, "Content-Length": 0 }).end();
  else res.writeHead(200, { ...headers, "Content-Length": 2 }).end("OK");
}

function kernelVersion(): string {
  return os.release();
}

function goArch(): string {
  return process.arch === "x64" ? "amd64" : process.arch;
}

async function version(call: ApiCall): Promise<void> {
  const details = {
    ApiVersion: API_VERSION,
    Arch: goArch(),
    BuildTime: "",
    Experimental: "false",
    GitCommit: "",
    GoVersion: `node${process.versions.node}`,
    KernelVersion: kernelVersion(),
    MinAPIVersion: MIN_API_VERSION,
    Os: "linux",
  };
  sendJson(call, 200, {
    Platform: { Name: `berth ${VERSION}` },
    Components: [{ Name: "Engine", Version: SERVER_VERSION, Details: details }],
    Version: SERVER_VERSION,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: "",
    GoVersion: `node${process.versions.node}`,
    Os: "linux",
    Arch: goArch(),
    KernelVersion: kernelVersion(),
    BuildTime: "",
  });
}

async function info(call: ApiCall): Promise<void> {
  sendJson(call, 200, systemInfo(call.api.engine));
}

async function df(call: ApiCall): Promise<void> {
  const usage = diskUsage(call.api.engine);
  sendJson(call, 200, {
    LayersSize: usage.layersSize,
    Images: usage.images.map((i) => ({
      Containers: i.containers,
      Created: Math.floor(i.created.getTime() / 1000),
      Id: i.id,
      Labels: null,
      ParentId: "",
      RepoDigests: [],
      RepoTags: i.repoTags.length ? i.repoTags : ["<none>:<none>"],
      SharedSize: i.sharedSize,
      Size: i.size,
      VirtualSize: i.size,
    })),
    Containers: usage.containers.map(({ record, sizeRw }) => {
      const { NetworkSettings: _n, ...summary } = containerSummary(call.api.engine, record, false);
      return { ...summary, SizeRw: sizeRw };
    }),
    Volumes: usage.volumes.map((v) => {
      const record = call.api.engine.store.volumes.get(v.name);
      return {
        CreatedAt: record?.created ?? "",
        Driver: "local",
        Labels: record && Object.keys(record.labels).length ? record.labels : null,
        Mountpoint: record?.mountpoint ?? "",
        Name: v.name,
        Options: null,
        Scope: "local",
        UsageData: { RefCount: v.links, Size: v.size },
      };
    }),
    // dockerd 20.10 answers null when the builder has no records (BUILD-API §4).
    BuildCache: usage.buildCache.length
      ? usage.buildCache.map((r) => ({
          ID: r.id,
          Parent: "",
          Type: r.type,
          Description: r.description,
          InUse: r.inUse,
          Shared: r.shared,
          Size: r.size,
          CreatedAt: r.createdAt,
          LastUsedAt: r.lastUsedAt,
          UsageCount: r.usageCount,
        }))
      : null,
    BuilderSize: usage.builderSize,
  });
}

async function plugin(call: ApiCall): Promise<void> {
  throw new NotFoundError(`plugin "${call.params[0]}" not found`);
}

/** GET /events: past events from `since`, then new ones as they happen, until `until` or the client leaves. */
async function events(call: ApiCall): Promise<void> {
  const filters = parseFilters(filterFlags(call.query), new Set(["container", "event", "image", "label", "network", "type", "volume"]));
  const since = call.query.get("since") ? parseUnixTimeNano(call.query.get("since")!) : undefined;
  const until = call.query.get("until") ? parseUnixTimeNano(call.query.get("until")!) : undefined;
  const stream = followEvents(call.api.engine, { since, until, filters, signal: call.signal });
  const res = response(call);
  res.writeHead(200, { "Content-Type": "application/json" });
  // The CLI waits for the headers before it prints anything: send them at once.
  res.flushHeaders();
  for await (const e of stream) {
    if (res.destroyed) break;
    res.write(eventJson(e) + "\n");
  }
  res.end();
}

export const systemRoutes: readonly Route[] = [
  { method: "GET", pattern: /^\/_ping$/, handler: ping },
  { method: "HEAD", pattern: /^\/_ping$/, handler: ping },
  { method: "GET", pattern: /^\/version$/, handler: version },
  { method: "GET", pattern: /^\/info$/, handler: info },
  { method: "GET", pattern: /^\/system\/df$/, handler: df },
  { method: "GET", pattern: /^\/events$/, handler: events },
  { method: "GET", pattern: /^\/plugins\/(.+)\/json$/, handler: plugin },
];
