// What inspect's NetworkSettings and /containers/json's Ports and NetworkSettings say of a
// container's network, from its mode, the networks it is attached to and, while it runs, its sandbox. One place, so that inspect,
// ps, the API's list and `port` cannot disagree. Docker's shapes (dockerd 20.10): only the default
// bridge fills the top-level IPAddress/Gateway/MacAddress; a stopped container keeps its NetworkID
// and loses the rest; one never started has no NetworkID either.
import type { Engine } from "../engine.js";
import type { ContainerRecord } from "../../store/container-store.js";
import { ZERO_TIME } from "../../store/container-store.js";
import type { EndpointConfig, EndpointRecord } from "../../store/network-store.js";
import { resolveNetwork } from "./networks.js";
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
  config: EndpointConfig;
  endpoint?: EndpointRecord;
  gateway: string;
  gateway6: string;
  /** The default bridge shows Aliases null; user networks the given ones and, once started, the short ID. */
  userDefined: boolean;
}

function endpointViews(engine: Engine, record: ContainerRecord): EndpointView[] {
  const mode = record.spec.hostConfig.NetworkMode;
  const kind = networkKind(mode);
  if (kind === "container") return [];
  const started = record.state.StartedAt !== ZERO_TIME;
  if (kind !== "bridge") {
    return [
      { name: mode, networkId: started ? resolveNetwork(engine, mode).id : "", config: {}, gateway: "", gateway6: "", userDefined: false },
    ];
  }
  const sandbox = record.state.Running ? engine.store.networks.sandbox(record.spec.id) : undefined;
  return engine.store.networks
    .attachments(record.spec.id)
    .map((a): EndpointView => {
      const network = (a.networkId && engine.store.networks.get(a.networkId)) || engine.store.networks.getByName(a.networkName);
      const endpoint = network ? sandbox?.endpoints.find((e) => e.networkId === network.id) : undefined;
      return {
        name: a.networkName,
        networkId: started ? (network?.id ?? a.networkId) : "",
        config: a.config,
        ...(endpoint ? { endpoint } : {}),
        gateway: endpoint && network ? network.gateway : "",
        gateway6: endpoint?.address6 && network ? (network.pools.find((p) => p.subnet.includes(":"))?.gateway ?? "") : "",
        userDefined: a.networkName !== DEFAULT_BRIDGE_NAME,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function endpointJson(view: EndpointView, record: ContainerRecord, opts: { list: boolean }): Record<string, unknown> {
  const e = view.endpoint;
  const started = record.state.StartedAt !== ZERO_TIME;
  const given = view.config.Aliases ?? [];
  const shortId = record.spec.id.slice(0, 12);
  const aliases =
    !view.userDefined || opts.list ? null : started && !given.includes(shortId) ? [...given, shortId] : given.length ? given : null;
  return {
    IPAMConfig: view.config.IPAMConfig ?? null,
    Links: view.config.Links ?? null,
    Aliases: aliases,
    NetworkID: view.networkId,
    EndpointID: e?.endpointId ?? "",
    Gateway: view.gateway,
    IPAddress: e?.address ?? "",
    IPPrefixLen: e?.prefixLen ?? 0,
    IPv6Gateway: view.gateway6,
    GlobalIPv6Address: e?.address6 ?? "",
    GlobalIPv6PrefixLen: e?.prefixLen6 ?? 0,
    MacAddress: e?.macAddress ?? "",
    DriverOpts: view.config.DriverOpts ?? null,
  };
}

/** NetworkSettings.Networks, as /containers/json shows it (Aliases null there, as dockerd's list has them). */
export function networksJson(engine: Engine, record: ContainerRecord): Record<string, Record<string, unknown>> {
  return Object.fromEntries(endpointViews(engine, record).map((v) => [v.name, endpointJson(v, record, { list: true })]));
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
    GlobalIPv6Address: bridge?.endpoint?.address6 ?? "",
    GlobalIPv6PrefixLen: bridge?.endpoint?.prefixLen6 ?? 0,
    IPAddress: bridge?.endpoint?.address ?? "",
    IPPrefixLen: bridge?.endpoint?.prefixLen ?? 0,
    IPv6Gateway: bridge?.gateway6 ?? "",
    MacAddress: bridge?.endpoint?.macAddress ?? "",
    Networks: Object.fromEntries(views.map((v) => [v.name, endpointJson(v, record, { list: false })])),
  };
}

/**
 * `docker port CONTAINER [PRIVATE_PORT[/PROTO]]`: its lines, from the same Ports inspect shows.
 * The formatter's errors carry the CLI's "Error: " already.
 */
export function portLines(engine: Engine, record: ContainerRecord, opts: { container: string; port?: string }): string[] {
  return formatPortLines(containerPorts(engine, record), opts);
}
