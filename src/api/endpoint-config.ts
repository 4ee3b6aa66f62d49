// network.EndpointSettings, as `POST /networks/{id}/connect` and the NetworkingConfig of a create
// carry it, as the engine's EndpointConfig.
import type { EndpointConfig } from "../engine/network/attachments.js";
import { optionalObject, optionalString, stringList } from "./request-body.js";

/** network.EndpointSettings as connect's body and create's NetworkingConfig carry it; nulls are "not set". */
export function endpointConfig(body: Record<string, unknown>, type: string): EndpointConfig {
  const ipam = optionalObject(body, "IPAMConfig", type) ?? {};
  const ipv4 = optionalString(ipam, "IPv4Address", "network.EndpointIPAMConfig");
  const ipv6 = optionalString(ipam, "IPv6Address", "network.EndpointIPAMConfig");
  const linkLocal = stringList(ipam, "LinkLocalIPs", "network.EndpointIPAMConfig") ?? [];
  const mac = optionalString(body, "MacAddress", type);
  const driverOpts = optionalObject(body, "DriverOpts", type);
  return {
    Aliases: stringList(body, "Aliases", type) ?? [],
    IPAMConfig: {
      ...(ipv4 ? { IPv4Address: ipv4 } : {}),
      ...(ipv6 ? { IPv6Address: ipv6 } : {}),
      ...(linkLocal.length ? { LinkLocalIPs: linkLocal } : {}),
    },
    Links: stringList(body, "Links", type) ?? [],
    ...(mac ? { MacAddress: mac } : {}),
    ...(driverOpts ? { DriverOpts: Object.fromEntries(Object.entries(driverOpts).map(([k, v]) => [k, String(v)])) } : {}),
  };
}

/** NetworkingConfig.EndpointsConfig of a create body, by network. */
export function endpointsConfig(body: Record<string, unknown>): Record<string, EndpointConfig> {
  const networking = optionalObject(body, "NetworkingConfig", "container.Config") ?? {};
  const endpoints = optionalObject(networking, "EndpointsConfig", "network.NetworkingConfig") ?? {};
  return Object.fromEntries(
    Object.entries(endpoints).map(([name, value]) => [
      name,
      value && typeof value === "object" ? endpointConfig(value as Record<string, unknown>, "network.EndpointSettings") : {},
    ]),
  );
}
