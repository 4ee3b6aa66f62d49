// /volumes: list, create, inspect, remove, prune (local driver only, as the CLI has it).
import type { ApiCall } from "../api-context.js";
import { sendEmpty, sendJson } from "../api-context.js";
import type { Route } from "../router.js";
import { boolValue, filterFlags, optionalObject, optionalString, readJsonBody } from "../request-body.js";
import { createVolume, listVolumes, pruneVolumes, removeVolumes, volumeJson } from "../../engine/volumes/volumes.js";
import { NotImplementedError } from "../../errors.js";

async function list(call: ApiCall): Promise<void> {
  const volumes = listVolumes(call.api.engine, filterFlags(call.query));
  sendJson(call, 200, { Volumes: volumes.map((v) => volumeJson(v.volume)), Warnings: null });
}

async function create(call: ApiCall): Promise<void> {
  const body = (await readJsonBody(call.req, "volume.VolumeCreateBody")) ?? {};
  const T = "volume.VolumeCreateBody";
  const opts = optionalObject(body, "DriverOpts", T) ?? {};
  if (Object.keys(opts).length) throw new NotImplementedError("volume driver options are not supported by berth's local driver yet");
  const driver = optionalString(body, "Driver", T);
  const labels = optionalObject(body, "Labels", T) ?? {};
  const volume = createVolume(call.api.engine, {
    name: optionalString(body, "Name", T),
    ...(driver ? { driver } : {}),
    labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])),
  });
  sendJson(call, 201, volumeJson(volume));
}

async function inspect(call: ApiCall): Promise<void> {
  sendJson(call, 200, volumeJson(call.api.engine.store.volumes.resolve(call.params[0]!)));
}

async function remove(call: ApiCall): Promise<void> {
  const { errors } = removeVolumes(call.api.engine, [call.params[0]!], { force: boolValue(call.query, "force") });
  if (errors[0]) throw errors[0];
  sendEmpty(call, 204);
}

async function prune(call: ApiCall): Promise<void> {
  const flags = filterFlags(call.query);
  const all = flags.find((f) => f.startsWith("all="))?.slice(4);
  const { removed, reclaimed } = pruneVolumes(call.api.engine, {
    all: all !== undefined && ["true", "1"].includes(all.toLowerCase()),
    labels: flags.filter((f) => f.startsWith("label=")).map((f) => f.slice("label=".length)),
  });
  sendJson(call, 200, { VolumesDeleted: removed.length ? removed : null, SpaceReclaimed: reclaimed });
}

export const volumeRoutes: readonly Route[] = [
  { method: "GET", pattern: /^\/volumes$/, handler: list },
  { method: "POST", pattern: /^\/volumes\/create$/, handler: create },
  { method: "POST", pattern: /^\/volumes\/prune$/, handler: prune },
  { method: "GET", pattern: /^\/volumes\/([^/]+)$/, handler: inspect },
  { method: "DELETE", pattern: /^\/volumes\/([^/]+)$/, handler: remove },
];
