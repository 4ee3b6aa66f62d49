// Choosing host ports for a container's PortBindings at start, as dockerd 20.10's port allocator
// does, and the shapes that follow from the choice: NetworkSettings.Ports for inspect and the
// published ports netavark maps. netavark checks no conflicts itself (a second setup on a taken
// port succeeds and breaks the first), so this choice, and the sockets the engine then binds to
// hold the ports, are all that keep two containers apart. Pure: the caller passes what is taken.
import { SystemError } from "../errors.js";
import type { PublishedPort } from "./netavark.js";
import { splitPortKey, type PortBinding, type PortMap, type PortSet } from "./port-spec.js";

/** A host port held by a running container: the allocator's unit (address as bound, "0.0.0.0" for all). */
export interface PortReservation {
  readonly hostIp: string;
  readonly protocol: string;
  readonly hostPort: number;
}

export interface HostPortState {
  /** Ports held by other containers. */
  readonly reserved: readonly PortReservation[];
  /**
   * The last ephemeral port handed out per `hostIp/protocol`. dockerd goes on from it rather than
   * taking the lowest free port (measured: with 32768 freed, the next `-p 80` got 32770), with one
   * counter per address and protocol (127.0.0.1/tcp started at 32768 while 0.0.0.0/tcp was at 32769).
   */
  readonly lastEphemeral?: Readonly<Record<string, number>>;
  /** The kernel's ip_local_port_range, which dockerd reads; 32768–60999 by default. */
  readonly ephemeralRange?: { readonly start: number; readonly end: number };
}

export interface BoundPorts {
  /** `NetworkSettings.Ports`: "every address" shows as 0.0.0.0 and ::, exposed-only ports as null. */
  readonly ports: PortMap;
  /** For netavark's port_mappings: "" stays "", since netavark maps both families itself. */
  readonly published: PublishedPort[];
  /** What this container now holds: the engine binds these sockets and later frees them. */
  readonly reservations: PortReservation[];
  readonly lastEphemeral: Record<string, number>;
}

const DEFAULT_EPHEMERAL = { start: 32768, end: 60999 };

/**
 * Picks every host port. A given port must be free (`Bind for 0.0.0.0:18125 failed: port is already
 * allocated`, also for the same port twice in one container); a range (`8000-8010`) takes its
 * lowest free port (`all ports are allocated` when none is); "" an ephemeral one. dockerd wraps
 * these messages in `driver failed programming external connectivity on endpoint NAME (ID): `,
 * which is the caller's to add. Ports go in ascending order (dockerd's own order is a Go map's).
 */
export function bindHostPorts(
  req: { portBindings: Readonly<Record<string, readonly PortBinding[]>>; exposedPorts?: PortSet },
  state: HostPortState,
): BoundPorts {
  const range = state.ephemeralRange ?? DEFAULT_EPHEMERAL;
  const lastEphemeral: Record<string, number> = { ...state.lastEphemeral };
  const taken = new Set(state.reserved.map(reservationKey));
  const reservations: PortReservation[] = [];
  const published: PublishedPort[] = [];
  const ports: PortMap = {};
  const keys = [...new Set([...Object.keys(req.exposedPorts ?? {}), ...Object.keys(req.portBindings)])].sort(comparePortKeys);
  for (const key of keys) {
    const bindings = req.portBindings[key] ?? [];
    if (bindings.length === 0) {
      ports[key] = null;
      continue;
    }
    const { start: containerPort, proto } = splitPortKey(key);
    const bound: PortBinding[] = [];
    for (const binding of bindings) {
      const hostIp = binding.HostIp === "" ? "0.0.0.0" : binding.HostIp;
      const hostPort = chooseHostPort({ hostIp, proto, requested: binding.HostPort, taken, lastEphemeral, range });
      const reservation = { hostIp, protocol: proto, hostPort };
      taken.add(reservationKey(reservation));
      reservations.push(reservation);
      published.push({ hostIp: binding.HostIp, hostPort, containerPort, protocol: netavarkProtocol(proto) });
      bound.push({ HostIp: hostIp, HostPort: String(hostPort) });
      if (binding.HostIp === "") bound.push({ HostIp: "::", HostPort: String(hostPort) });
    }
    ports[key] = bound;
  }
  return { ports, published, reservations, lastEphemeral };
}

function chooseHostPort(a: {
  hostIp: string;
  proto: string;
  requested: string;
  taken: ReadonlySet<string>;
  lastEphemeral: Record<string, number>;
  range: { start: number; end: number };
}): number {
  const free = (port: number): boolean => !a.taken.has(reservationKey({ hostIp: a.hostIp, protocol: a.proto, hostPort: port }));
  const counter = `${a.hostIp}/${a.proto}`;
  if (a.requested === "" || a.requested === "0") {
    const size = a.range.end - a.range.start + 1;
    const last = a.lastEphemeral[counter];
    const from = last === undefined || last < a.range.start || last >= a.range.end ? 0 : last - a.range.start + 1;
    for (let i = 0; i < size; i++) {
      const port = a.range.start + ((from + i) % size);
      if (free(port)) {
        a.lastEphemeral[counter] = port;
        return port;
      }
    }
    throw new SystemError("all ports are allocated");
  }
  const { start, end } = splitPortKey(a.requested);
  if (start === end) {
    if (!free(start)) throw new SystemError(`Bind for ${a.hostIp}:${start} failed: port is already allocated`);
    return start;
  }
  for (let port = start; port <= end; port++) if (free(port)) return port;
  throw new SystemError("all ports are allocated");
}

function reservationKey(r: PortReservation): string {
  return `${r.hostIp}/${r.protocol}/${r.hostPort}`;
}

function comparePortKeys(a: string, b: string): number {
  const pa = splitPortKey(a);
  const pb = splitPortKey(b);
  return pa.start - pb.start || (pa.proto < pb.proto ? -1 : pa.proto > pb.proto ? 1 : 0);
}

function netavarkProtocol(proto: string): PublishedPort["protocol"] {
  if (proto === "tcp" || proto === "udp" || proto === "sctp") return proto;
  // The CLI refuses other protocols for -p; an API client may still send one.
  throw new SystemError(`invalid proto: ${proto}`);
}
