// What inspect's NetworkSettings and /containers/json's Ports and NetworkSettings say of a
// container's network, from its mode and, while it runs, its sandbox. One place, so that inspect,
// ps, the API's list and `port` cannot disagree. Docker's shapes (dockerd 20.10): only the default
// bridge fills the top-level IPAddress/Gateway/MacAddress; a stopped container keeps its NetworkID
// and loses the rest; one never started has no NetworkID either.
import type { Engine } from "../engine.js";
import type { ContainerRecord } from "../../store/container-store.js";
import { ZERO_TIME } from "../../store/container-store.js";
import type { EndpointRecord } from "../../store/network-store.js";
import { DEFAULT_BRIDGE_NAME } from "./default-bridge.js";
import { networkKind } from "./network-mode.js";
import { formatPortLines, summarizePorts, type PortMap, type PortSummary } from "../../network/port-spec.js";

/** NetworkSettings.Ports: what is bound while the container runs, else {}. */
export function containerPorts(engine: Engine, record: ContainerRecord): PortMap {
  const sandbox = record.state.Running ? engine.store.networks.sandbox(record.spec.id) : undefined;
  return sandbox ? (JSON.parse(sandbox.ports) as PortMap) : {};
}

/** The `Ports` of /containers/json (and so of ps). */
export function portSummaries(engine: Engine, record: ContainerRecord): PortSummary[] {
  return summarizePorts(containerPorts(engine, record));
}

interface EndpointView {
  name: string;
  networkId: string;
  endpoint?: EndpointRecord;
  gateway: string;
}

function endpointViews(engine: Engine, record: ContainerRecord): EndpointView[] {
  const mode = record.spec.hostConfig.NetworkMode;
  let kind;
  try {
    kind = networkKind(mode);
  } catch {
    return [];
  }
  if (kind === "container") return [];
  // The host and none networks have no rows; their mode names them, as before networks existed.
  if (kind !== "bridge") return [{ name: mode, networkId: mode, gateway: "" }];
  const network = engine.store.networks.getByName(DEFAULT_BRIDGE_NAME);
  const sandbox = record.state.Running ? engine.store.networks.sandbox(record.spec.id) : undefined;
  const endpoint = sandbox?.endpoints.find((e) => e.networkId === network?.id);
  const started = record.state.StartedAt !== ZERO_TIME;
  return [
    {
      name: DEFAULT_BRIDGE_NAME,
      networkId: started && network ? network.id : "",
      ...(endpoint ? { endpoint } : {}),
      gateway: endpoint && network ? network.gateway : "",
    },
  ];
}

function endpointJson(view: EndpointView): Record<string, unknown> {
  const e = view.endpoint;
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    NetworkID: view.networkId,
    EndpointID: e?.endpointId ?? "",
    Gateway: view.gateway,
    IPAddress: e?.address ?? "",
    IPPrefixLen: e?.prefixLen ?? 0,
    IPv6Gateway: "",
    GlobalIPv6Address: "",
    GlobalIPv6PrefixLen: 0,
    MacAddress: e?.macAddress ?? "",
    DriverOpts: null,
  };
}

/** NetworkSettings.Networks, as both inspect and /containers/json show it. */
export function networksJson(engine: Engine, record: ContainerRecord): Record<string, Record<string, unknown>> {
  return Object.fromEntries(endpointViews(engine, record).map((v) => [v.name, endpointJson(v)]));
}

/** inspect's NetworkSettings. */
export function networkSettingsJson(engine: Engine, record: ContainerRecord): Record<string, unknown> {
  const views = endpointViews(engine, record);
  const sandbox = record.state.Running ? engine.store.networks.sandbox(record.spec.id) : undefined;
  const bridge = views.find((v) => v.name === DEFAULT_BRIDGE_NAME);
  return {
    Bridge: "",
    SandboxID: sandbox?.sandboxId ?? "",
    HairpinMode: false,
    LinkLocalIPv6Address: "",
    LinkLocalIPv6PrefixLen: 0,
    Ports: containerPorts(engine, record),
    SandboxKey: sandbox?.netns ?? "",
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: bridge?.endpoint?.endpointId ?? "",
    Gateway: bridge?.gateway ?? "",
    GlobalIPv6Address: "",
    GlobalIPv6PrefixLen: 0,
    IPAddress: bridge?.endpoint?.address ?? "",
    IPPrefixLen: bridge?.endpoint?.prefixLen ?? 0,
    IPv6Gateway: "",
    MacAddress: bridge?.endpoint?.macAddress ?? "",
    Networks: Object.fromEntries(views.map((v) => [v.name, endpointJson(v)])),
  };
}

/**
 * `docker port CONTAINER [PRIVATE_PORT[/PROTO]]`: its lines, from the same Ports inspect shows.
 * The formatter's errors carry the CLI's "Error: " already.
 */
export function portLines(engine: Engine, record: ContainerRecord, opts: { container: string; port?: string }): string[] {
  return formatPortLines(containerPorts(engine, record), opts);
}
