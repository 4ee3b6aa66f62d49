// The flags `run` and `create` share, parsed as docker/cli's container opts do, into the engine's
// CreateRequest. Values that Docker rejects on the client are rejected here with its words.
import { parseRestartFlag } from "../../engine/containers/restart-policy.js";
import * as fs from "node:fs";
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { collect } from "../command-spec.js";
import type { CreateRequest } from "../../engine/containers/create-container.js";
import { checkEnvEntry } from "../../engine/containers/env-entry.js";
import { parseMountFlag, parseTmpfsFlag, parseVolumeFlag, type MountRequest } from "../../engine/containers/mount-specs.js";
import { ClientArgumentError, ClientError } from "../errors.js";
import { portFlags } from "../../engine/network/ports.js";
import { networkFlags } from "../../engine/network/network-flags.js";
import { parseDnsSearch, parseDnsServer } from "../../engine/containers/resolv-conf.js";
import { parseAddHostFlag } from "../../engine/containers/hosts-file.js";
import { parseLink } from "../../engine/network/link-spec.js";
import { parseMacAddress } from "../../engine/network/mac-address.js";
import { healthcheckFromFlags, parseDurationFlag } from "./health-flags.js";
import { checkSysctlFlag } from "../sysctl-flag.js";
import { readLabelFile } from "../label-file.js";
import { addCreateResourceFlags, createResourceSettings } from "./resource-flags.js";
import { addExtraCreateFlags, extraHostSettings } from "./run-extra-flags.js";

export function addCreateFlags(cmd: Command): Command {
  return addExtraCreateFlags(
    addCreateResourceFlags(cmd)
      .option("-a, --attach <stream>", "Attach to STDIN, STDOUT or STDERR", collect, [])
      .option("--add-host <list>", "Add a custom host-to-IP mapping (host:ip)", collectChecked(parseAddHostFlag), [])
      .option("--cap-add <cap>", "Add Linux capabilities", collect, [])
      .option("--cap-drop <cap>", "Drop Linux capabilities", collect, [])
      .option("--cpus <decimal>", "Number of CPUs", parseCpus)
      .option("--device <device>", "Add a host device to the container", collect, [])
      .option("--dns <list>", "Set custom DNS servers", collectChecked(parseDnsServer), [])
      .option("--dns-option <list>", "Set DNS options", collect, [])
      .option("--dns-search <list>", "Set custom DNS search domains", collectChecked(parseDnsSearch), [])
      .option("--domainname <string>", "Container NIS domain name")
      .option("--entrypoint <command>", "Overwrite the default ENTRYPOINT of the image")
      .option("-e, --env <list>", "Set environment variables", collectEnv, [])
      .option("--env-file <file>", "Read in a file of environment variables", collect, [])
      .option("--expose <port>", "Expose a port or a range of ports", collect, [])
      .option("--health-cmd <string>", "Command to run to check health")
      .option("--health-interval <duration>", "Time between running the check (ms|s|m|h) (default 0s)", parseDurationFlag)
      .option("--health-retries <int>", "Consecutive failures needed to report unhealthy", parseInteger)
      .option(
        "--health-start-interval <duration>",
        "Time between running the check during the start period (ms|s|m|h) (default 0s)",
        parseDurationFlag,
      )
      .option(
        "--health-start-period <duration>",
        "Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)",
        parseDurationFlag,
      )
      .option("--health-timeout <duration>", "Maximum time to allow one check to run (ms|s|m|h) (default 0s)", parseDurationFlag)
      .option("--no-healthcheck", "Disable any container-specified HEALTHCHECK")
      .option("-h, --hostname <name>", "Container host name")
      .option("--init", "Run an init inside the container that forwards signals and reaps processes")
      .option("-i, --interactive", "Keep STDIN open even if not attached")
      .option("-l, --label <label>", "Set meta data on a container", collect, [])
      .option("--link <list>", "Add link to another container", collectChecked(parseLinkFlag), [])
      .option("--mac-address <string>", "Container MAC address (e.g., 92:d0:c6:0a:29:33)")
      .option("-m, --memory <bytes>", "Memory limit", parseBytes)
      .option("--memory-swap <bytes>", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", parseSwap)
      .option("--mount <mount>", "Attach a filesystem mount to the container", collect, [])
      .option("--name <string>", "Assign a name to the container")
      .option("--network <network>", "Connect a container to a network", collect, [])
      .option("--network-alias <list>", "Add network-scoped alias for the container", collect, [])
      .option("--ip <ip>", "IPv4 address (e.g., 172.30.100.104)")
      .option("--ip6 <ip>", "IPv6 address (e.g., 2001:db8::33)")
      .option("--pids-limit <int>", "Tune container pids limit (set -1 for unlimited)", parseInteger)
      .option("--privileged", "Give extended privileges to this container")
      .option("-p, --publish <list>", "Publish a container's port(s) to the host", collect, [])
      .option("-P, --publish-all", "Publish all exposed ports to random ports")
      .option("--pull <policy>", 'Pull image before running ("always", "missing", "never")', "missing")
      .option("--restart <policy>", "Restart policy to apply when a container exits", "no")
      .option("--pid <string>", "PID namespace to use")
      .option("--ipc <string>", "IPC mode to use")
      .option("--uts <string>", "UTS namespace to use")
      .option("--platform <string>", "Set platform if server is multi-platform capable")
      .option("-q, --quiet", "Suppress the pull output")
      .option("--read-only", "Mount the container's root filesystem as read only")
      .option("--rm", "Automatically remove the container when it exits")
      .option("--runtime <runtime>", "Runtime to use for this container")
      .option("--security-opt <option>", "Security Options", collect, [])
      .option("--shm-size <bytes>", "Size of /dev/shm", parseBytes)
      .option("--stop-signal <signal>", "Signal to stop the container")
      .option("--stop-timeout <int>", "Timeout (in seconds) to stop a container", parseInteger)
      .option("--tmpfs <mount>", "Mount a tmpfs directory", collect, [])
      .option("-t, --tty", "Allocate a pseudo-TTY")
      .option("--ulimit <ulimit>", "Ulimit options", collect, [])
      .option("-u, --user <user>", "Username or UID (format: <name|uid>[:<group|gid>])")
      .option("-v, --volume <list>", "Bind mount a volume", collect, [])
      .option("-w, --workdir <dir>", "Working directory inside the container")
      // Sharing and files (issue 13).
      .option("--annotation <map>", "Add an annotation to the container (passed through to the OCI runtime)", collect, [])
      .option("--cgroup-parent <string>", "Optional parent cgroup for the container")
      .option("--cgroupns <string>", "Cgroup namespace to use (host|private)")
      .option("--cidfile <string>", "Write the container ID to the file")
      .option("--group-add <list>", "Add additional groups to join", collect, [])
      .option("--label-file <list>", "Read in a line delimited file of labels", collect, [])
      .option("--log-driver <string>", "Logging driver for the container")
      .option("--log-opt <list>", "Log driver options", collect, [])
      .option("--storage-opt <list>", "Storage driver options for the container", collect, [])
      .option("--sysctl <map>", "Sysctl options", collectChecked(checkSysctlFlag), [])
      .option("--userns <string>", "User namespace to use")
      .option("--volumes-from <list>", "Mount volumes from the specified container(s)", collect, []),
  );
}

/** go-units RAMInBytes: binary multipliers, optional "b". */
export function parseBytes(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)b?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`invalid size: '${value}'`);
  const power = " kmgtp".indexOf((m[2] || " ").toLowerCase());
  return Math.floor(Number(m[1]) * 1024 ** power);
}

export function parseSwap(value: string): number {
  return value === "-1" ? -1 : parseBytes(value);
}

export function parseCpus(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`failed to parse ${value} as a rational number`);
  return Math.round(n * 1e9);
}

export function parseInteger(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
  return Number(value);
}

/** A list flag whose values the docker CLI checks (and may rewrite) as it parses them: a flag error. */
function collectChecked(check: (value: string) => string): (value: string, previous?: string[]) => string[] {
  return (value, previous = []) => {
    try {
      return [...previous, check(value)];
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

/** docker/cli's --link check is the daemon's parser; its words, as a flag error. */
function parseLinkFlag(value: string): string {
  parseLink(value);
  return value;
}

/** -e values are checked as they are parsed: a flag error (exit 125), as docker's ValidateEnv makes it. */
export function collectEnv(value: string, previous: string[] = []): string[] {
  try {
    checkEnvEntry(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return [...previous, value];
}

/** -e KEY takes KEY's value from berth's own environment, or is dropped when unset (docker's rule). */
function expandEnv(entries: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    if (entry.includes("=")) {
      out.push(entry);
    } else if (env[entry] !== undefined) out.push(`${entry}=${env[entry]}`);
  }
  return out;
}

function readEnvFile(path: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(path, "utf8");
  } catch (err) {
    throw new ClientError(
      `open ${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (err as Error).message}`,
    );
  }
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.replace(/^\s+/, ""))
    .filter((l) => l && !l.startsWith("#"));
  // docker/cli's parseKeyValueFile words it so, naming the file.
  const nameless = lines.find((l) => l.startsWith("="));
  if (nameless !== undefined) throw new ClientError(`invalid env file (${path}): no variable name on line '${nameless}'`);
  return lines;
}

export function parseUlimit(spec: string): { Name: string; Soft: number; Hard: number } {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(spec);
  if (!m) throw new ClientError(`invalid argument "${spec}" for "--ulimit" flag: invalid ulimit argument: ${spec}`);
  const soft = Number(m[2]);
  const hard = m[3] === undefined ? soft : Number(m[3]);
  if (soft > hard)
    throw new ClientError(
      `invalid argument "${spec}" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`,
    );
  return { Name: m[1]!, Soft: soft, Hard: hard };
}

function parseDevice(spec: string): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  const [host, second, third] = spec.split(":");
  let inContainer = host!;
  let perms = "rwm";
  if (third !== undefined) [inContainer, perms] = [second!, third];
  else if (second !== undefined) {
    if (/^[rwm]+$/.test(second)) perms = second;
    else inContainer = second;
  }
  if (!host?.startsWith("/") || !inContainer.startsWith("/"))
    throw new ClientError(`invalid argument "${spec}" for "--device" flag: ${spec} is not an absolute path`);
  return { PathOnHost: host, PathInContainer: inContainer, CgroupPermissions: perms };
}

/** `-l key=value` and `-l key` (an empty value), as --label flags give them. */
export function parseLabels(entries: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    if (eq < 0) labels[entry] = "";
    else labels[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return labels;
}

/** The attach flags docker/cli derives: -a given, or stdout+stderr (+stdin with -i) when not -d. */
function attachments(opts: Record<string, unknown>, detached: boolean): { stdin: boolean; stdout: boolean; stderr: boolean } {
  const chosen = (opts.attach as string[]).map((s) => s.toLowerCase());
  for (const s of chosen)
    if (!["stdin", "stdout", "stderr"].includes(s))
      throw new ClientError(`invalid argument "${s}" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR`);
  if (chosen.length) {
    if (detached) throw new ClientError("Conflicting options: -a and -d");
    return { stdin: chosen.includes("stdin"), stdout: chosen.includes("stdout"), stderr: chosen.includes("stderr") };
  }
  if (detached) return { stdin: false, stdout: false, stderr: false };
  return { stdin: Boolean(opts.interactive), stdout: true, stderr: true };
}

export function toCreateRequest(
  image: string,
  cmd: string[],
  opts: Record<string, unknown>,
  ctx: { detached: boolean; env: NodeJS.ProcessEnv },
): CreateRequest {
  const env = [
    ...(opts.envFile as string[]).flatMap((f) => expandEnv(readEnvFile(f), ctx.env)),
    ...expandEnv(opts.env as string[], ctx.env),
  ];
  const attach = attachments(opts, ctx.detached);
  const volumes = opts.volume as string[];
  const mounts: MountRequest[] = [
    ...volumes.map(parseVolumeFlag),
    ...(opts.mount as string[]).map(parseMountFlag),
    ...(opts.tmpfs as string[]).map(parseTmpfsFlag),
  ];
  const networks = clientSide(() =>
    networkFlags([...(opts.network as string[]), ...(opts.net as string[])], {
      aliases: opts.networkAlias as string[],
      ip: opts.ip as string | undefined,
      ip6: opts.ip6 as string | undefined,
      linkLocalIps: opts.linkLocalIp as string[],
    }),
  );
  const memory = (opts.memory as number | undefined) ?? 0;
  const ports = clientSide(() => portFlags(opts.publish as string[], opts.expose as string[]));
  const mac = (opts.macAddress as string | undefined) ?? "";
  if (mac !== "" && !parseMacAddress(mac)) throw new ClientArgumentError(`${mac} is not a valid mac address`);
  const extraHosts = opts.addHost as string[];
  const links = opts.link as string[];
  return {
    image,
    name: opts.name as string | undefined,
    cmd,
    entrypoint: opts.entrypoint as string | undefined,
    env,
    workdir: opts.workdir as string | undefined,
    user: opts.user as string | undefined,
    hostname: opts.hostname as string | undefined,
    domainname: opts.domainname as string | undefined,
    macAddress: mac || undefined,
    labels: parseLabels([...(opts.labelFile as string[]).flatMap(readLabelFile), ...(opts.label as string[])]),
    tty: Boolean(opts.tty),
    openStdin: Boolean(opts.interactive),
    attachStdin: attach.stdin,
    attachStdout: attach.stdout,
    attachStderr: attach.stderr,
    mounts,
    exposedPorts: ports.exposedPorts,
    stopSignal: opts.stopSignal as string | undefined,
    stopTimeout: opts.stopTimeout as number | undefined,
    healthcheck: healthcheckFromFlags(opts),
    binds: volumes.filter((v) => v.includes(":")),
    endpoints: networks.endpoints,
    host: {
      ...createResourceSettings(opts),
      NetworkMode: networks.mode,
      PortBindings: ports.portBindings,
      PublishAllPorts: Boolean(opts.publishAll),
      // The docker CLI always sends the DNS lists, and the others only when given.
      Dns: opts.dns as string[],
      DnsOptions: opts.dnsOption as string[],
      DnsSearch: opts.dnsSearch as string[],
      ExtraHosts: extraHosts.length ? extraHosts : null,
      Links: links.length ? links : null,
      AutoRemove: Boolean(opts.rm),
      RestartPolicy: parseRestartFlag(opts.restart as string),
      PidMode: (opts.pid as string | undefined) ?? "",
      IpcMode: (opts.ipc as string | undefined) ?? "",
      UTSMode: (opts.uts as string | undefined) ?? "",
      CapAdd: (opts.capAdd as string[]).length ? (opts.capAdd as string[]) : null,
      CapDrop: (opts.capDrop as string[]).length ? (opts.capDrop as string[]) : null,
      Privileged: Boolean(opts.privileged),
      ReadonlyRootfs: Boolean(opts.readOnly),
      SecurityOpt: (opts.securityOpt as string[]).length ? (opts.securityOpt as string[]) : null,
      Memory: memory,
      MemorySwap: (opts.memorySwap as number | undefined) ?? 0,
      NanoCpus: (opts.cpus as number | undefined) ?? 0,
      PidsLimit: (opts.pidsLimit as number | undefined) ?? null,
      Ulimits: (opts.ulimit as string[]).length ? (opts.ulimit as string[]).map(parseUlimit) : null,
      Init: opts.init ? true : null,
      ShmSize: (opts.shmSize as number | undefined) ?? 64 * 1024 * 1024,
      Devices: (opts.device as string[]).length ? (opts.device as string[]).map(parseDevice) : null,
      Runtime: (opts.runtime as string | undefined) ?? "runc",
      ...shareFlags(opts),
      ...extraHostSettings(opts),
    },
    storageOpt: parseStorageOpts(opts.storageOpt as string[]),
    logConfig: logFlags(opts.logDriver as string | undefined, opts.logOpt as string[]),
  };
}

/** --log-driver and --log-opt as the docker CLI sends them (parseLoggingOpts): "k=v", a bare "k" is k="", the last wins. */
export function logFlags(driver: string | undefined, logOpts: readonly string[]): { Type: string; Config: Record<string, string> } {
  const type = driver ?? "";
  if (type === "none" && logOpts.length > 0) throw new ClientArgumentError(`invalid logging opts for driver ${type}`);
  const config: Record<string, string> = {};
  for (const opt of logOpts) {
    const eq = opt.indexOf("=");
    if (eq < 0) config[opt] = "";
    else config[opt.slice(0, eq)] = opt.slice(eq + 1);
  }
  return { Type: type, Config: config };
}

/** --volumes-from, --group-add, --sysctl, --annotation, --cgroupns, --cgroup-parent, --userns, --cidfile. */
function shareFlags(opts: Record<string, unknown>): Partial<CreateRequest["host"]> {
  const userns = (opts.userns as string | undefined) ?? "";
  if (userns !== "" && userns !== "host") throw new ClientArgumentError("--userns: invalid USER mode");
  const cgroupns = (opts.cgroupns as string | undefined) ?? "";
  if (!["", "host", "private"].includes(cgroupns)) throw new ClientArgumentError("--cgroupns: invalid CGROUP mode");
  const volumesFrom = opts.volumesFrom as string[];
  const groupAdd = opts.groupAdd as string[];
  const sysctls = parseLabels(opts.sysctl as string[]);
  const annotations = parseLabels(opts.annotation as string[]);
  return {
    VolumesFrom: volumesFrom.length ? volumesFrom : null,
    GroupAdd: groupAdd.length ? groupAdd : null,
    ...(Object.keys(sysctls).length ? { Sysctls: sysctls } : {}),
    ...(Object.keys(annotations).length ? { Annotations: annotations } : {}),
    CgroupnsMode: cgroupns,
    CgroupParent: (opts.cgroupParent as string | undefined) ?? "",
    UsernsMode: userns,
    ContainerIDFile: (opts.cidfile as string | undefined) ?? "",
  };
}

/** --storage-opt KEY=VALUE; docker/cli's parseStorageOpts words a missing "=" so. */
function parseStorageOpts(entries: readonly string[]): Record<string, string> | undefined {
  if (!entries.length) return undefined;
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    if (eq < 0) throw new ClientArgumentError("invalid storage option");
    out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

/** The docker CLI parses -p and --expose itself: their failures are the client's, not the daemon's. */
function clientSide<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new ClientArgumentError((err as Error).message);
  }
}
