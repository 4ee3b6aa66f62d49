// --mac-address (Config.MacAddress): the address of the container's interface on the default
// bridge, in place of the one derived from its IPv4 address.
import type { ContainerSpec } from "../../store/container-store.js";
import { SystemError } from "../../errors.js";

/**
 * Go's net.ParseMAC for 48-bit addresses (colons, hyphens, or dotted groups of four), written as
 * netavark and the kernel take it; undefined for anything else.
 */
export function parseMacAddress(text: string): string | undefined {
  let hex: string | undefined;
  if (/^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i.test(text)) hex = text.replace(/[:-]/g, "");
  else if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i.test(text)) hex = text.replace(/\./g, "");
  return hex?.toLowerCase().match(/../g)?.join(":");
}

/** The MAC the container asked for, if any; dockerd refuses a bad one only when the container starts. */
export function requestedMacAddress(spec: ContainerSpec): string | undefined {
  const text = spec.config.MacAddress;
  if (!text) return undefined;
  const mac = parseMacAddress(text);
  if (!mac) throw new SystemError(`address ${text}: invalid MAC address`);
  return mac;
}
