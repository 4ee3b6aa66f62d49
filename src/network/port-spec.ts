// Docker's port flags and shapes: `-p/--publish` and `--expose` parsed as the docker CLI 28 parses
// them (go-connections' nat.ParsePortSpec plus the CLI's long syntax), with its exact messages; the
// API's PortBindings/ExposedPorts maps; and the two ways Docker prints ports, the PORTS column of
// `docker ps` and the lines of `docker port`. Pure.
import { InvalidArgumentError, NotFoundError } from "../errors.js";
import { parseIp } from "./ip-address.js";

/** One binding as the API carries it: `HostIp` "" means every address, `HostPort` "" any port. */
export interface PortBinding {
  readonly HostIp: string;
  readonly HostPort: string;
}

/** `HostConfig.PortBindings` and `NetworkSettings.Ports`: "80/tcp" → bindings (null: exposed, unbound). */
export type PortMap = Record<string, PortBinding[] | null>;

/** `Config.ExposedPorts`: "80/tcp" → {}. */
export type PortSet = Record<string, Record<string, never>>;

/** A container port as `/containers/json` lists it (`docker ps` formats these). */
export interface PortSummary {
  readonly IP?: string;
  readonly PrivatePort: number;
  readonly PublicPort?: number;
  readonly Type: string;
}

/**
 * Go's strconv.ParseUint(text, 10, 16), which the nat package builds on; the message is Go's,
 * because `--expose` and `docker port` show it to the user.
 */
function parseUint16(text: string): number {
  if (!/^[0-9]+$/.test(text)) throw new InvalidArgumentError(`strconv.ParseUint: parsing ${goQuote(text)}: invalid syntax`);
  const n = Number(text);
  if (n > 0xffff) throw new InvalidArgumentError(`strconv.ParseUint: parsing ${goQuote(text)}: value out of range`);
  return n;
}

function goQuote(text: string): string {
  return JSON.stringify(text);
}

/**
 * nat.ParsePortRange: `80` or `80-90`. Only the first two `-` fields count (`80-81-82` is 80-81,
 * measured); an end below the start is refused.
 */
export function parsePortRange(text: string): { start: number; end: number } {
  if (text === "") throw new InvalidArgumentError("empty string specified for ports");
  if (!text.includes("-")) {
    const port = parseUint16(text);
    return { start: port, end: port };
  }
  const [first = "", second = ""] = text.split("-");
  const start = parseUint16(first);
  const end = parseUint16(second);
  if (end < start) throw new InvalidArgumentError(`invalid range specified for port: ${text}`);
  return { start, end };
}

/** nat.SplitProtoPort: `80/udp` → udp, 80; no or empty protocol is tcp; nothing after the second `/` counts. */
function splitProtoPort(raw: string): { proto: string; port: string } {
  const [port = "", proto = ""] = raw.split("/");
  if (raw === "" || port === "") return { proto: "", port: "" };
  return { proto: proto === "" ? "tcp" : proto, port };
}

/** `ip:hostPort:containerPort`, where ip may itself hold colons (`::1:80:80`). */
function splitParts(raw: string): { ip: string; hostPort: string; containerPort: string } {
  const parts = raw.split(":");
  const n = parts.length;
  if (n === 1) return { ip: "", hostPort: "", containerPort: parts[0]! };
  if (n === 2) return { ip: "", hostPort: parts[0]!, containerPort: parts[1]! };
  return { ip: parts.slice(0, n - 2).join(":"), hostPort: parts[n - 2]!, containerPort: parts[n - 1]! };
}

/** One port of one `-p` value. `port` is the map key, e.g. "80/tcp". */
export interface PortMapping {
  readonly port: string;
  readonly binding: PortBinding;
}

/**
 * One `-p` value in the short syntax. A range maps port for port and both sides must be as long,
 * except that a host range with one container port means "any free port of the range"
 * (`8000-8010:80` → HostPort "8000-8010"). Ports are normalised (`080` → 80, `80/TCP` → 80/tcp).
 */
export function parsePortSpec(raw: string): PortMapping[] {
  const parts = splitParts(raw);
  let ip = parts.ip;
  const { hostPort } = parts;
  const { proto: rawProto, port: containerPort } = splitProtoPort(parts.containerPort);
  if (containerPort === "") throw new InvalidArgumentError(`no port specified: ${raw}<empty>`);
  const proto = rawProto.toLowerCase();
  if (proto !== "tcp" && proto !== "udp" && proto !== "sctp") throw new InvalidArgumentError(`invalid proto: ${proto}`);
  if (ip.startsWith("[")) ip = stripBrackets(ip);
  if (ip !== "" && !parseIp(ip)) throw new InvalidArgumentError(`invalid IP address: ${ip}`);

  let container: { start: number; end: number };
  try {
    container = parsePortRange(containerPort);
  } catch {
    throw new InvalidArgumentError(`invalid containerPort: ${containerPort}`);
  }
  let host = { start: 0, end: 0 };
  if (hostPort !== "") {
    try {
      host = parsePortRange(hostPort);
    } catch {
      throw new InvalidArgumentError(`invalid hostPort: ${hostPort}`);
    }
    if (container.end - container.start !== host.end - host.start && container.end !== container.start) {
      throw new InvalidArgumentError(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
    }
  }
  const count = container.end - container.start + 1;
  const mappings: PortMapping[] = [];
  for (let i = 0; i < count; i++) {
    let hPort = "";
    if (hostPort !== "") {
      hPort = String(host.start + i);
      if (count === 1 && host.start !== host.end) hPort += `-${host.end}`;
    }
    mappings.push({ port: `${container.start + i}/${proto}`, binding: { HostIp: ip, HostPort: hPort } });
  }
  return mappings;
}

/**
 * `[::1]` → `::1`, as the CLI does with Go's net.SplitHostPort(ip + ":"), whose messages it passes
 * on (`-p [::1]:80` → `invalid IP address [:: address [::: missing ']' in address`).
 */
function stripBrackets(ip: string): string {
  const hostport = `${ip}:`;
  const fail = (why: string): never => {
    throw new InvalidArgumentError(`invalid IP address ${ip}: address ${hostport}: ${why}`);
  };
  const close = hostport.indexOf("]");
  if (close < 0) fail("missing ']' in address");
  const lastColon = hostport.lastIndexOf(":");
  if (close + 1 !== lastColon) fail(hostport[close + 1] === ":" ? "too many colons in address" : "missing port in address");
  if (hostport.indexOf("[", 1) >= 0) fail("unexpected '[' in address");
  if (hostport.indexOf("]", close + 1) >= 0) fail("unexpected ']' in address");
  return hostport.slice(1, close);
}

/**
 * The CLI's long syntax (`target=80,published=8080,protocol=udp`), rewritten to
 * `published:target/protocol` before parsing. Keys other than those three (`mode`, `host_ip`) are
 * accepted and dropped by docker CLI 28 (measured: `host_ip=127.0.0.1` binds every address).
 */
function toStandardNotation(spec: string): string {
  if (!spec.includes("=")) return spec;
  const params = new Map<string, string>([["protocol", "tcp"]]);
  for (const param of spec.split(",")) {
    const eq = param.indexOf("=");
    if (eq <= 0) throw new InvalidArgumentError(`invalid publish opts format (should be name=value but got '${param}')`);
    params.set(param.slice(0, eq), param.slice(eq + 1));
  }
  return `${params.get("published") ?? ""}:${params.get("target") ?? ""}/${params.get("protocol")}`;
}

/** Every `-p` of a command line → the API's ExposedPorts and PortBindings (bindings in flag order). */
export function parsePublishFlags(specs: readonly string[]): { exposedPorts: PortSet; portBindings: Record<string, PortBinding[]> } {
  const exposedPorts: PortSet = {};
  const portBindings: Record<string, PortBinding[]> = {};
  for (const spec of specs) {
    for (const { port, binding } of parsePortSpec(toStandardNotation(spec))) {
      exposedPorts[port] = {};
      (portBindings[port] ??= []).push(binding);
    }
  }
  return { exposedPorts, portBindings };
}

/**
 * Every `--expose` → ExposedPorts. Unlike `-p`, the protocol is neither checked nor lowered
 * (`--expose 80/foo` gives "80/foo", measured), and a `:` is refused.
 */
export function parseExposeFlags(specs: readonly string[]): PortSet {
  const ports: PortSet = {};
  for (const spec of specs) {
    if (spec.includes(":")) throw new InvalidArgumentError(`invalid port format for --expose: ${spec}`);
    const { proto, port } = splitProtoPort(spec);
    let range: { start: number; end: number };
    try {
      range = parsePortRange(port);
    } catch (err) {
      throw new InvalidArgumentError(`invalid range format for --expose: ${spec}, error: ${(err as Error).message}`);
    }
    for (let p = range.start; p <= range.end; p++) ports[`${p}/${proto}`] = {};
  }
  return ports;
}

/** A map key ("80/tcp", "80-90/udp") split; nat.Port's Proto() defaults to tcp. */
export function splitPortKey(key: string): { start: number; end: number; proto: string } {
  const { proto, port } = splitProtoPort(key);
  const { start, end } = parsePortRange(port);
  return { start, end, proto: proto || "tcp" };
}

/**
 * `NetworkSettings.Ports` → the `Ports` list of `/containers/json`: exposed but unbound ports have
 * no IP or PublicPort (measured: `{"PrivatePort":80,"Type":"tcp"}`).
 */
export function summarizePorts(ports: PortMap): PortSummary[] {
  const summary: PortSummary[] = [];
  for (const [key, bindings] of Object.entries(ports)) {
    const { start, proto } = splitPortKey(key);
    if (!bindings || bindings.length === 0) {
      summary.push({ PrivatePort: start, Type: proto });
      continue;
    }
    for (const b of bindings) summary.push({ IP: b.HostIp, PrivatePort: start, PublicPort: Number(b.HostPort), Type: proto });
  }
  return summary;
}

/** Go's net.JoinHostPort: brackets for any host holding a colon. */
function joinHostPort(host: string, port: string): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The PORTS column of `docker ps` (docker CLI 28's DisplayablePorts). Ports sort by container port,
 * then IP and host port as strings. Where host and container port agree, consecutive ports of one
 * IP and protocol merge into a range (`0.0.0.0:9000-9001->9000-9001/tcp`); groups print first, in
 * the order they began, and mappings to another port (`0.0.0.0:8000->90/tcp`) last, never merged.
 */
export function formatPortsColumn(ports: readonly PortSummary[]): string {
  const sorted = [...ports].sort(
    (a, b) =>
      a.PrivatePort - b.PrivatePort ||
      compareStrings(a.IP ?? "", b.IP ?? "") ||
      (a.PublicPort ?? 0) - (b.PublicPort ?? 0) ||
      compareStrings(a.Type, b.Type),
  );
  const groups = new Map<string, { ip: string; type: string; first: number; last: number }>();
  const result: string[] = [];
  const hostMappings: string[] = [];
  for (const port of sorted) {
    const ip = port.IP ?? "";
    if (ip !== "" && port.PublicPort !== port.PrivatePort) {
      hostMappings.push(`${joinHostPort(ip, String(port.PublicPort ?? 0))}->${port.PrivatePort}/${port.Type}`);
      continue;
    }
    const key = ip === "" ? port.Type : `${ip}/${port.Type}`;
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { ip, type: port.Type, first: port.PrivatePort, last: port.PrivatePort });
    } else if (port.PrivatePort === group.last + 1) {
      group.last = port.PrivatePort;
    } else {
      result.push(formatGroup(group));
      // Map.set on an existing key keeps its place: the group prints where it first began.
      groups.set(key, { ip, type: port.Type, first: port.PrivatePort, last: port.PrivatePort });
    }
  }
  for (const group of groups.values()) result.push(formatGroup(group));
  return [...result, ...hostMappings].join(", ");
}

function formatGroup(g: { ip: string; type: string; first: number; last: number }): string {
  const span = g.first === g.last ? String(g.first) : `${g.first}-${g.last}`;
  return g.ip === "" ? `${span}/${g.type}` : `${joinHostPort(g.ip, span)}->${span}/${g.type}`;
}

/** Go's string order: by UTF-8 bytes, which for these ASCII strings is by code unit. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `docker port CONTAINER [PRIVATE_PORT[/PROTO]]`, from the container's `NetworkSettings.Ports`:
 * `80/tcp -> 0.0.0.0:8080` lines, or only `0.0.0.0:8080` with a port given; sorted naturally
 * (digits as numbers: 127.0.0.9 before 127.0.0.10, measured). The messages carry the CLI's own
 * "Error: " prefix, and both exit 1.
 */
export function formatPortLines(ports: PortMap, opts: { container: string; port?: string }): string[] {
  const lines: string[] = [];
  if (opts.port !== undefined) {
    const slash = opts.port.indexOf("/");
    const number = slash < 0 ? opts.port : opts.port.slice(0, slash);
    const proto = slash < 0 || opts.port.slice(slash + 1) === "" ? "tcp" : opts.port.slice(slash + 1);
    try {
      parseUint16(number);
    } catch (err) {
      throw new InvalidArgumentError(`Error: invalid port (${number}): ${(err as Error).message}`);
    }
    const frontends = ports[`${number}/${proto}`];
    if (!frontends || frontends.length === 0) {
      throw new NotFoundError(`Error: No public port '${opts.port}' published for ${opts.container}`);
    }
    for (const f of frontends) lines.push(joinHostPort(f.HostIp, f.HostPort));
  } else {
    for (const [key, frontends] of Object.entries(ports)) {
      for (const f of frontends ?? []) lines.push(`${key} -> ${joinHostPort(f.HostIp, f.HostPort)}`);
    }
  }
  return lines.sort(naturalCompare);
}

/**
 * fvbommel/sortorder's NaturalLess, which `docker port` sorts with: runs of digits compare as
 * numbers (of equal value, the one with fewer leading zeros first), a digit sorts before any other
 * character, and everything else compares byte by byte.
 */
export function naturalCompare(a: string, b: string): number {
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (isDigit(a[i]) && isDigit(b[j])) {
      let ei = i;
      let ej = j;
      while (isDigit(a[ei])) ei++;
      while (isDigit(b[ej])) ej++;
      const na = a.slice(i, ei).replace(/^0+/, "");
      const nb = b.slice(j, ej).replace(/^0+/, "");
      if (na.length !== nb.length) return na.length - nb.length;
      if (na !== nb) return na < nb ? -1 : 1;
      if (ei - i !== ej - j) return ei - i - (ej - j);
      i = ei;
      j = ej;
      continue;
    }
    // A digit sorts before any other character.
    if (isDigit(a[i]) !== isDigit(b[j])) return isDigit(a[i]) ? -1 : 1;
    if (a[i] !== b[j]) return a[i]! < b[j]! ? -1 : 1;
    i++;
    j++;
  }
  return a.length - i - (b.length - j);
}
