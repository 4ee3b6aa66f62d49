// What a container asked for in its /etc files, from its spec: its names, --dns/--dns-search/
// --dns-option, --add-host (host-gateway as the default bridge's gateway, as dockerd's
// HostGatewayIP defaults to it) and, on the default bridge, its links' lines.
import type { Engine } from "../engine.js";
import type { ContainerSpec } from "../../store/container-store.js";
import type { EtcOptions } from "../containers/etc-files.js";
import { HOST_GATEWAY, extraHostEntries } from "../containers/hosts-file.js";
import { ensureDefaultBridge } from "./default-bridge.js";
import { linkHostEntry, linkedContainers } from "./links.js";

export function etcOptions(engine: Engine, spec: ContainerSpec): Omit<EtcOptions, "network"> {
  const host = spec.hostConfig;
  const extraHosts = host.ExtraHosts ?? [];
  const gateway = extraHosts.some((e) => e.endsWith(`:${HOST_GATEWAY}`))
    ? engine.store.write(() => ensureDefaultBridge(engine)).gateway
    : "";
  return {
    hostname: spec.config.Hostname ?? "",
    domainname: spec.config.Domainname ?? "",
    dns: { servers: host.Dns ?? [], search: host.DnsSearch ?? [], options: host.DnsOptions ?? [] },
    extraHosts: [...extraHostEntries(extraHosts, gateway), ...linkedContainers(engine, spec).map(linkHostEntry)],
  };
}
