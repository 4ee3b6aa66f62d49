// Published and exposed ports as the CLI and the API hand them to the engine: -p/--expose parsed
// as the docker CLI parses them, the daemon's own check of PortBindings, and the container's
// ports in the shapes ps, /containers/json and `port` show. The parsing and formats are
// src/network/port-spec.ts's; this is the engine's door to them.
import { InvalidArgumentError } from "../../errors.js";
import { parseExposeFlags, parsePortRange, parsePublishFlags, type PortBinding } from "../../network/port-spec.js";

export { formatPortLines, formatPortsColumn, summarizePorts, type PortMap, type PortSummary } from "../../network/port-spec.js";

/** `-p` and `--expose` of a command line → Config.ExposedPorts keys and HostConfig.PortBindings. */
export function portFlags(
  publish: readonly string[],
  expose: readonly string[],
): { exposedPorts: string[]; portBindings: Record<string, PortBinding[]> } {
  const published = parsePublishFlags(publish);
  const exposed = parseExposeFlags(expose);
  return {
    exposedPorts: [...new Set([...Object.keys(exposed), ...Object.keys(published.exposedPorts)])],
    portBindings: published.portBindings,
  };
}

/**
 * dockerd's own check of a create's PortBindings (runconfig's verifyPlatformContainerSettings),
 * for API clients that skip the CLI's: every container port and every host port must parse.
 */
export function checkPortBindings(bindings: Readonly<Record<string, readonly PortBinding[] | null>>): void {
  for (const [key, list] of Object.entries(bindings)) {
    const port = key.split("/")[0] ?? "";
    if (!parses(port)) throw new InvalidArgumentError(`invalid port specification: ${JSON.stringify(port)}`);
    for (const binding of list ?? []) {
      const hostPort = (binding.HostPort ?? "").split("/")[0] ?? "";
      if (hostPort !== "" && !parses(hostPort))
        throw new InvalidArgumentError(`invalid port specification: ${JSON.stringify(binding.HostPort)}`);
    }
  }
}

function parses(port: string): boolean {
  try {
    parsePortRange(port);
    return true;
  } catch {
    return false;
  }
}
