// /networks: list, inspect, create, delete, prune, connect, disconnect, as dockerd 20.10 answers
// them (NETWORKING.md §3: connect and disconnect answer 200 with no body, delete 204).
import type { ApiCall } from "../api-context.js";
import { sendEmpty, sendJson } from "../api-context.js";
import type { Route } from "../router.js";
import { filterFlags, optionalBool, optionalObject, optionalString, readJsonBody, unmarshal } from "../request-body.js";
import { parseUnixTime } from "../formats.js";
import { createNetwork, listNetworks, networkJson, pruneNetworks, removeNetwork, resolveNetwork } from "../../engine/network/networks.js";
import { connectContainer, disconnectContainer } from "../../engine/network/connect-container.js";
import { endpointConfig } from "../endpoint-config.js";
import { InvalidArgumentError, NotImplementedError } from "../../errors.js";

const T = "types.NetworkCreateRequest";

function stringMap(body: Record<string, unknown>, key: string, type: string): Record<string, string> {
  return Object.fromEntries(Object.entries(optionalObject(body, key, type) ?? {}).map(([k, v]) => [k, String(v)]));
}

async function list(call: ApiCall): Promise<void> {
  const engine = call.api.engine;
  sendJson(
    call,
    200,
    listNetworks(engine, filterFlags(call.query)).map((n) => networkJson(engine, n, { containers: false })),
  );
}

async function inspect(call: ApiCall): Promise<void> {
  const engine = call.api.engine;
  sendJson(call, 200, networkJson(engine, resolveNetwork(engine, call.params[0]!), { containers: true }));
}

async function create(call: ApiCall): Promise<void> {
  const body = (await readJsonBody(call.req, T)) ?? {};
  const ipam = optionalObject(body, "IPAM", T) ?? {};
  const config = ipam.Config;
  if (config !== undefined && config !== null && !Array.isArray(config))
    throw unmarshal(config, `${T}.IPAM.Config`, "[]network.IPAMConfig");
  const entries = ((config as Record<string, unknown>[] | null | undefined) ?? []).map((c) => {
    const C = "network.IPAMConfig";
    if (Object.keys(optionalObject(c, "AuxiliaryAddresses", C) ?? {}).length > 0) {
      throw new NotImplementedError("berth does not support auxiliary addresses of a network yet");
    }
    const subnet = optionalString(c, "Subnet", C);
    const ipRange = optionalString(c, "IPRange", C);
    const gateway = optionalString(c, "Gateway", C);
    return { ...(subnet ? { Subnet: subnet } : {}), ...(ipRange ? { IPRange: ipRange } : {}), ...(gateway ? { Gateway: gateway } : {}) };
  });
  const configFrom = optionalObject(body, "ConfigFrom", T);
  const result = createNetwork(call.api.engine, {
    name: optionalString(body, "Name", T) ?? "",
    driver: optionalString(body, "Driver", T),
    ipamDriver: optionalString(ipam, "Driver", "network.IPAM"),
    ipamConfig: entries,
    ipamOptions: stringMap(ipam, "Options", "network.IPAM"),
    internal: optionalBool(body, "Internal", T) ?? false,
    attachable: optionalBool(body, "Attachable", T) ?? false,
    ingress: optionalBool(body, "Ingress", T) ?? false,
    enableIpv6: optionalBool(body, "EnableIPv6", T) ?? false,
    labels: stringMap(body, "Labels", T),
    options: stringMap(body, "Options", T),
    configOnly: optionalBool(body, "ConfigOnly", T) ?? false,
    configFrom: configFrom ? optionalString(configFrom, "Network", "network.ConfigReference") : undefined,
    scope: optionalString(body, "Scope", T),
  });
  sendJson(call, 201, { Id: result.id, Warning: result.warning });
}

async function remove(call: ApiCall): Promise<void> {
  await removeNetwork(call.api.engine, call.params[0]!);
  sendEmpty(call, 204);
}

async function prune(call: ApiCall): Promise<void> {
  const flags = filterFlags(call.query);
  const until = flags.find((f) => f.startsWith("until="));
  const removed = await pruneNetworks(call.api.engine, {
    flags: flags.filter((f) => !f.startsWith("until=")),
    until: until ? parseUnixTime(until.slice("until=".length)) : undefined,
  });
  sendJson(call, 200, { NetworksDeleted: removed.length ? removed : null });
}

async function connect(call: ApiCall): Promise<void> {
  const C = "types.NetworkConnect";
  const body = (await readJsonBody(call.req, C)) ?? {};
  const container = optionalString(body, "Container", C);
  if (!container) throw new InvalidArgumentError("no container specified to connect to the network");
  const endpoint = optionalObject(body, "EndpointConfig", C) ?? {};
  await connectContainer(call.api.engine, call.params[0]!, container, endpointConfig(endpoint, "network.EndpointSettings"));
  sendEmpty(call, 200);
}

async function disconnect(call: ApiCall): Promise<void> {
  const D = "types.NetworkDisconnect";
  const body = (await readJsonBody(call.req, D)) ?? {};
  const container = optionalString(body, "Container", D);
  if (!container) throw new InvalidArgumentError("no container specified to disconnect from the network");
  await disconnectContainer(call.api.engine, call.params[0]!, container, { force: optionalBool(body, "Force", D) ?? false });
  sendEmpty(call, 200);
}

export const networkRoutes: readonly Route[] = [
  { method: "GET", pattern: /^\/networks$/, handler: list },
  { method: "POST", pattern: /^\/networks\/create$/, handler: create },
  { method: "POST", pattern: /^\/networks\/prune$/, handler: prune },
  { method: "POST", pattern: /^\/networks\/([^/]+)\/connect$/, handler: connect },
  { method: "POST", pattern: /^\/networks\/([^/]+)\/disconnect$/, handler: disconnect },
  { method: "GET", pattern: /^\/networks\/([^/]+)$/, handler: inspect },
  { method: "DELETE", pattern: /^\/networks\/([^/]+)$/, handler: remove },
];
