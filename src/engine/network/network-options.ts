// dockerd's create-time checks of the per-container network options against the network mode
// (runconfig/hostconfig_unix.go validateNetContainerMode, in its order), and of --add-host's
// entries, which dockerd 20.10 refuses at create (400).
import { parseExtraHost } from "../containers/hosts-file.js";
import { networkKind, type NetworkKind } from "./network-mode.js";
import { InvalidArgumentError } from "../../errors.js";

export const HOST_AND_LINKS = "conflicting options: host type networking can't be used with links. This would result in undefined behavior";

export interface NetworkOptionsRequest {
  networkMode: string;
  links: readonly string[];
  dns: readonly string[];
  extraHosts: readonly string[];
  macAddress: string;
}

export function checkNetworkOptions(req: NetworkOptionsRequest): void {
  let kind: NetworkKind | undefined;
  try {
    kind = networkKind(req.networkMode);
  } catch {
    kind = undefined;
  }
  if (kind === "host" && req.links.length > 0) throw new InvalidArgumentError(HOST_AND_LINKS);
  if (kind === "container" && req.links.length > 0) {
    throw new InvalidArgumentError(
      "conflicting options: container type network can't be used with links. This would result in undefined behavior",
    );
  }
  if (kind === "container" && req.dns.length > 0) throw new InvalidArgumentError("conflicting options: dns and the network mode");
  if (kind === "container" && req.extraHosts.length > 0) {
    throw new InvalidArgumentError("conflicting options: custom host-to-IP mapping and the network mode");
  }
  if ((kind === "container" || kind === "host") && req.macAddress !== "") {
    throw new InvalidArgumentError("conflicting options: mac-address and the network mode");
  }
  for (const entry of req.extraHosts) parseExtraHost(entry);
}
