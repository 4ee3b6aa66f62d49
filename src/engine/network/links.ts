// --link NAME[:ALIAS] on the default bridge, as dockerd 20.10 keeps its legacy links: checked and
// stored at create (HostConfig.Links as `/target:/container/alias`), and at start turned into an
// /etc/hosts line and the environment variables of daemon/links/links.go. Links on user
// networks are DNS aliases and do not come here.
import type { Engine } from "../engine.js";
import type { ContainerSpec } from "../../store/container-store.js";
import type { HostEntry } from "../containers/hosts-file.js";
import { DEFAULT_BRIDGE_NAME } from "./default-bridge.js";
import { networkKind } from "./network-mode.js";
import { HOST_AND_LINKS } from "./network-options.js";
import { parseLink } from "./link-spec.js";
import { InvalidArgumentError, NotFoundError, SystemError } from "../../errors.js";

/**
 * At create (daemon registerLinks), after network-options.ts checked the mode: each target must
 * exist and not use the host's network. Returns HostConfig.Links as dockerd shows it.
 */
export function checkLinks(engine: Engine, req: { links: readonly string[]; name: string }): string[] | null {
  if (req.links.length === 0) return null;
  return req.links.map((text) => {
    const { name, alias } = parseLink(text);
    if (name === "") throw new InvalidArgumentError(`could not get container for : invalid name or ID supplied: ""`);
    let target;
    try {
      target = engine.store.containers.resolve(name);
    } catch (err) {
      // A missing target is the request's fault, not a missing image (moby#39823): 400, not 404.
      if (err instanceof NotFoundError) throw new InvalidArgumentError(`could not get container for ${name}: ${err.message}`);
      throw err;
    }
    if (kindOf(target.spec.hostConfig.NetworkMode) === "host") throw new InvalidArgumentError(HOST_AND_LINKS);
    return `/${target.spec.name}:/${req.name}/${alias}`;
  });
}

function kindOf(mode: string): string {
  try {
    return networkKind(mode);
  } catch {
    return "other";
  }
}

/** A linked container as a start sees it. */
export interface LinkedContainer {
  /** `/container/alias`, the link's name in Docker's graph. */
  linkName: string;
  alias: string;
  targetName: string;
  targetHostname: string;
  address: string;
  env: readonly string[];
  exposedPorts: readonly string[];
}

/**
 * The links of a container that starts on the default bridge (none for other modes, as dockerd
 * skips them). A target removed since is skipped; one that is not running fails the start.
 */
export function linkedContainers(engine: Engine, spec: ContainerSpec): LinkedContainer[] {
  const links = spec.hostConfig.Links ?? [];
  if (links.length === 0 || kindOf(spec.hostConfig.NetworkMode) !== "bridge") return [];
  const bridge = engine.store.networks.getByName(DEFAULT_BRIDGE_NAME);
  const out: LinkedContainer[] = [];
  for (const stored of links) {
    const { name, alias } = parseLink(stored);
    const id = engine.store.containers.resolveName(name);
    const target = id === undefined ? undefined : engine.store.containers.get(id);
    if (!target) continue;
    const linkName = `/${spec.name}/${alias}`;
    if (!target.state.Running) throw new SystemError(`Cannot link to a non running container: /${target.spec.name} AS ${linkName}`);
    const endpoint = engine.store.networks.sandbox(target.spec.id)?.endpoints.find((e) => e.networkId === bridge?.id);
    if (!endpoint) throw new SystemError(`container ${target.spec.id} not attached to default bridge network`);
    out.push({
      linkName,
      alias,
      targetName: target.spec.name,
      targetHostname: target.spec.config.Hostname ?? "",
      address: endpoint.address,
      env: target.spec.config.Env ?? [],
      exposedPorts: Object.keys(target.spec.config.ExposedPorts ?? {}),
    });
  }
  return out;
}

/** The /etc/hosts line: alias, the target's host name, and its name when the alias differs. */
export function linkHostEntry(link: LinkedContainer): HostEntry {
  const names = [link.alias, link.targetHostname, ...(link.alias === link.targetName ? [] : [link.targetName])];
  return { address: link.address, names: names.join(" ") };
}

interface Port {
  number: number;
  proto: string;
}

/**
 * links.go ToEnv: ALIAS_PORT (the lowest port), ALIAS_PORT_N_PROTO_START/END… for runs of three
 * or more consecutive ports, each port's four variables, ALIAS_NAME, then ALIAS_ENV_* for the
 * target's environment (without HOME and PATH). Keys repeat where a run and a port share one;
 * the runtime's environment keeps the first place and the last value.
 */
export function linkEnv(link: LinkedContainer): string[] {
  const alias = link.alias.toUpperCase().replace(/-/g, "_");
  const ip = link.address;
  const ports: Port[] = link.exposedPorts.map((p) => {
    const [n, proto = "tcp"] = p.split("/");
    return { number: Number(n), proto };
  });
  // nat.Sort with links.go's order: by number, tcp before the other protocols of the same number.
  ports.sort((a, b) => a.number - b.number || Number(b.proto === "tcp") - Number(a.proto === "tcp"));
  const env: string[] = [];
  const key = (p: Port) => `${alias}_PORT_${p.number}_${p.proto.toUpperCase()}`;
  const url = (p: Port) => `${p.proto}://${ip}:${p.number}`;
  if (ports[0]) env.push(`${alias}_PORT=${url(ports[0])}`);
  for (let i = 0; i < ports.length;) {
    const p = ports[i]!;
    const j = nextContiguous(ports, p.number, i);
    if (j > i + 1) {
      const q = ports[j]!;
      env.push(
        `${key(p)}_START=${url(p)}`,
        `${key(p)}_ADDR=${ip}`,
        `${key(p)}_PROTO=${p.proto}`,
        `${key(p)}_PORT_START=${p.number}`,
        `${alias}_PORT_${p.number}_${q.proto.toUpperCase()}_END=${q.proto}://${ip}:${q.number}`,
        `${alias}_PORT_${p.number}_${q.proto.toUpperCase()}_PORT_END=${q.number}`,
      );
      i = j + 1;
    } else i++;
  }
  for (const p of ports) {
    env.push(`${key(p)}=${url(p)}`, `${key(p)}_ADDR=${ip}`, `${key(p)}_PORT=${p.number}`, `${key(p)}_PROTO=${p.proto}`);
  }
  env.push(`${alias}_NAME=${link.linkName}`);
  for (const entry of link.env) {
    const eq = entry.indexOf("=");
    if (eq < 0) continue;
    const name = entry.slice(0, eq);
    if (name === "HOME" || name === "PATH") continue;
    env.push(`${alias}_ENV_${name}=${entry.slice(eq + 1)}`);
  }
  return env;
}

/** links.go nextContiguous, as it is: it counts on, whatever the protocol. */
function nextContiguous(ports: readonly Port[], start: number, index: number): number {
  if (index + 1 === ports.length) return index;
  let value = start;
  for (let i = index + 1; i < ports.length; i++) {
    if (ports[i]!.number > value + 1) return i - 1;
    value++;
  }
  return ports.length - 1;
}
