// The body of POST /containers/create (a container.Config with HostConfig inside) as the engine's
// CreateRequest. Fields Go's decoder would reject by type get its message; fields berth does not
// know are ignored, as dockerd ignores them (dockerode and docker-py send extras).
import type { CreateRequest } from "../engine/containers/create-container.js";
import type { HealthConfig } from "../image/config.js";
import type { DeviceRequest } from "../engine/containers/device-requests.js";
import { parseMountFlag, parseTmpfsFlag, parseVolumeFlag, type MountRequest } from "../engine/containers/mount-specs.js";
import { InvalidArgumentError } from "../errors.js";
import { endpointsConfig } from "./endpoint-config.js";
import { refuseUnsupportedCreateFields } from "./unsupported-create-fields.js";
import { shareFields } from "./share-fields.js";
import { createResources } from "./resources-body.js";
import { optionalBool, optionalNumber, optionalObject, optionalString, stringList, unmarshal } from "./request-body.js";

const C = "container.Config";
const H = "container.HostConfig";

export function toCreateRequest(body: Record<string, unknown>, name: string | undefined): CreateRequest {
  const image = optionalString(body, "Image", C);
  if (!image) throw new InvalidArgumentError("Config cannot be empty in order to create a container");
  const host = optionalObject(body, "HostConfig", C) ?? {};
  refuseUnsupportedCreateFields(body, host);
  const mounts: MountRequest[] = [];
  const binds = stringList(host, "Binds", H) ?? [];
  mounts.push(...binds.map(parseVolumeFlag));
  for (const dest of Object.keys(optionalObject(body, "Volumes", C) ?? {})) {
    if (!mounts.some((m) => m.destination === dest)) mounts.push(parseVolumeFlag(dest));
  }
  const tmpfs = optionalObject(host, "Tmpfs", H) ?? {};
  for (const [dest, options] of Object.entries(tmpfs)) mounts.push(parseTmpfsFlag(options ? `${dest}:${String(options)}` : dest));
  const apiMounts = host.Mounts;
  if (apiMounts !== undefined && apiMounts !== null) {
    if (!Array.isArray(apiMounts)) throw unmarshal(apiMounts, `${H}.Mounts`, "[]mount.Mount");
    for (const m of apiMounts as Record<string, unknown>[]) mounts.push(parseMountFlag(mountSpec(m)));
  }
  const network = optionalString(host, "NetworkMode", H) || "default";
  const restart = optionalObject(host, "RestartPolicy", H);
  const restartPolicy = {
    Name: (restart ? optionalString(restart, "Name", "container.RestartPolicy") : undefined) ?? "",
    MaximumRetryCount: (restart ? optionalNumber(restart, "MaximumRetryCount", "container.RestartPolicy") : undefined) ?? 0,
  };
  const logConfig = optionalObject(host, "LogConfig", H);
  const portBindings = bindingsOf(optionalObject(host, "PortBindings", H) ?? {});
  const labels = optionalObject(body, "Labels", C) ?? {};
  const stopTimeout = optionalNumber(body, "StopTimeout", C);
  const pidsLimit = optionalNumber(host, "PidsLimit", H);
  const ulimits = host.Ulimits;
  const devices = host.Devices;
  const capAdd = stringList(host, "CapAdd", H) ?? null;
  const capDrop = stringList(host, "CapDrop", H) ?? null;
  const securityOpt = stringList(host, "SecurityOpt", H) ?? null;
  const entrypoint = stringList(body, "Entrypoint", C);
  const share = shareFields(host);
  const resources = createResources(host, H);
  return {
    image,
    name,
    cmd: stringList(body, "Cmd", C) ?? [],
    ...(entrypoint === undefined || entrypoint === null ? {} : { entrypoint }),
    env: stringList(body, "Env", C) ?? [],
    workdir: optionalString(body, "WorkingDir", C) || undefined,
    user: optionalString(body, "User", C) || undefined,
    hostname: optionalString(body, "Hostname", C) || undefined,
    domainname: optionalString(body, "Domainname", C) || undefined,
    macAddress: optionalString(body, "MacAddress", C) || undefined,
    labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])),
    tty: optionalBool(body, "Tty", C) ?? false,
    openStdin: optionalBool(body, "OpenStdin", C) ?? false,
    attachStdin: optionalBool(body, "AttachStdin", C) ?? false,
    attachStdout: optionalBool(body, "AttachStdout", C) ?? false,
    attachStderr: optionalBool(body, "AttachStderr", C) ?? false,
    mounts,
    exposedPorts: Object.keys(optionalObject(body, "ExposedPorts", C) ?? {}),
    stopSignal: optionalString(body, "StopSignal", C) || undefined,
    stopTimeout: stopTimeout ?? undefined,
    healthcheck: healthcheckOf(body),
    binds: binds.filter((b) => b.includes(":")),
    endpoints: endpointsConfig(body),
    logConfig: logConfig && {
      Type: optionalString(logConfig, "Type", "container.LogConfig"),
      Config: Object.fromEntries(
        Object.entries(optionalObject(logConfig, "Config", "container.LogConfig") ?? {}).map(([k, v]) => [k, String(v)]),
      ),
    },
    windowsOnly: resources.windowsOnly,
    host: {
      ...resources.settings,
      NetworkMode: network,
      PortBindings: portBindings,
      PublishAllPorts: optionalBool(host, "PublishAllPorts", H) ?? false,
      // Go's nil slices: left out or null, inspect shows null.
      Dns: goStringList(host, "Dns", H),
      DnsOptions: goStringList(host, "DnsOptions", H),
      DnsSearch: goStringList(host, "DnsSearch", H),
      ExtraHosts: goStringList(host, "ExtraHosts", H),
      Links: goStringList(host, "Links", H),
      AutoRemove: optionalBool(host, "AutoRemove", H) ?? false,
      RestartPolicy: restartPolicy,
      PidMode: optionalString(host, "PidMode", H) ?? "",
      IpcMode: optionalString(host, "IpcMode", H) ?? "",
      UTSMode: optionalString(host, "UTSMode", H) ?? "",
      CapAdd: capAdd && capAdd.length ? capAdd : null,
      CapDrop: capDrop && capDrop.length ? capDrop : null,
      Privileged: optionalBool(host, "Privileged", H) ?? false,
      ReadonlyRootfs: optionalBool(host, "ReadonlyRootfs", H) ?? false,
      SecurityOpt: securityOpt && securityOpt.length ? securityOpt : null,
      Memory: optionalNumber(host, "Memory", H) ?? 0,
      MemorySwap: optionalNumber(host, "MemorySwap", H) ?? 0,
      NanoCpus: optionalNumber(host, "NanoCpus", H) ?? 0,
      PidsLimit: pidsLimit ? pidsLimit : null,
      Ulimits:
        Array.isArray(ulimits) && ulimits.length
          ? (ulimits as Record<string, unknown>[]).map((u) => ({ Name: String(u.Name), Soft: Number(u.Soft), Hard: Number(u.Hard) }))
          : null,
      Init: optionalBool(host, "Init", H) ? true : null,
      ShmSize: optionalNumber(host, "ShmSize", H) || 64 * 1024 * 1024,
      Devices:
        Array.isArray(devices) && devices.length
          ? (devices as Record<string, unknown>[]).map((d) => ({
              PathOnHost: String(d.PathOnHost ?? ""),
              PathInContainer: String(d.PathInContainer || d.PathOnHost || ""),
              CgroupPermissions: String(d.CgroupPermissions || "rwm"),
            }))
          : null,
      Runtime: optionalString(host, "Runtime", H) || "runc",
      DeviceRequests: deviceRequestsOf(host),
      Isolation: optionalString(host, "Isolation", H) ?? "",
      VolumeDriver: optionalString(host, "VolumeDriver", H) ?? "",
      ...share.host,
    },
    storageOpt: share.storageOpt,
  };
}

/** HostConfig.DeviceRequests as Go decodes them; null (inspect's) when left out or empty. */
function deviceRequestsOf(host: Record<string, unknown>): DeviceRequest[] | null {
  const raw = host.DeviceRequests;
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw)) throw unmarshal(raw, `${H}.DeviceRequests`, "[]container.DeviceRequest");
  if (raw.length === 0) return null;
  const T = "container.DeviceRequest";
  return (raw as unknown[]).map((item) => {
    if (item === null || typeof item !== "object" || Array.isArray(item)) throw unmarshal(item, `${H}.DeviceRequests`, T);
    const r = item as Record<string, unknown>;
    const capabilities = r.Capabilities;
    if (
      capabilities !== undefined &&
      capabilities !== null &&
      (!Array.isArray(capabilities) || capabilities.some((c) => !Array.isArray(c)))
    )
      throw unmarshal(capabilities, `${T}.Capabilities`, "[][]string");
    const options = optionalObject(r, "Options", T);
    return {
      Driver: optionalString(r, "Driver", T) ?? "",
      Count: optionalNumber(r, "Count", T) ?? 0,
      DeviceIDs: stringList(r, "DeviceIDs", T) ?? null,
      Capabilities: capabilities ? (capabilities as unknown[][]).map((set) => set.map(String)) : null,
      Options: options ? Object.fromEntries(Object.entries(options).map(([k, v]) => [k, String(v)])) : null,
    };
  });
}

/** A Go []string field (not a StrSlice: one string is a type error); null when left out. */
function goStringList(body: Record<string, unknown>, key: string, type: string): string[] | null {
  if (typeof body[key] === "string") throw unmarshal(body[key], `${type}.${key}`, "[]string");
  return stringList(body, key, type) ?? null;
}

/**
 * Config.Healthcheck with Go's decoding: null (whole or a field, as docker-compose sends Timeout
 * and StartPeriod) means unset; a wrong type gets the decoder's message, measured on dockerd 20.10.
 */
function healthcheckOf(body: Record<string, unknown>): HealthConfig | undefined {
  const raw = body.Healthcheck;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "object" || Array.isArray(raw)) throw unmarshal(raw, "ContainerConfigWrapper.Healthcheck", "container.HealthConfig");
  const h = raw as Record<string, unknown>;
  const field = "HealthConfig.Healthcheck";
  const test = h.Test;
  if (test !== undefined && test !== null && (!Array.isArray(test) || test.some((x) => typeof x !== "string"))) {
    throw unmarshal(Array.isArray(test) ? test.find((x) => typeof x !== "string") : test, `${field}.Test`, "[]string");
  }
  const integer = (key: keyof HealthConfig, goType: string): number | undefined => {
    const v = h[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "number" && Number.isSafeInteger(v)) return v;
    if (typeof v === "number")
      throw new InvalidArgumentError(`json: cannot unmarshal number ${v} into Go struct field ${field}.${key} of type ${goType}`);
    throw unmarshal(v, `${field}.${key}`, goType);
  };
  const health: HealthConfig = {};
  if (Array.isArray(test)) health.Test = test as string[];
  const interval = integer("Interval", "time.Duration");
  const timeout = integer("Timeout", "time.Duration");
  const startPeriod = integer("StartPeriod", "time.Duration");
  const startInterval = integer("StartInterval", "time.Duration");
  const retries = integer("Retries", "int");
  if (interval !== undefined) health.Interval = interval;
  if (timeout !== undefined) health.Timeout = timeout;
  if (startPeriod !== undefined) health.StartPeriod = startPeriod;
  if (startInterval !== undefined) health.StartInterval = startInterval;
  if (retries !== undefined) health.Retries = retries;
  return health;
}

/** An API Mount object as the --mount flag's text, so both go through one parser. */
function mountSpec(m: Record<string, unknown>): string {
  const parts = [`type=${String(m.Type ?? "volume")}`];
  if (m.Source) parts.push(`source=${String(m.Source)}`);
  if (m.Target) parts.push(`target=${String(m.Target)}`);
  if (m.ReadOnly) parts.push("readonly");
  const bind = m.BindOptions as Record<string, unknown> | undefined;
  if (bind?.Propagation) parts.push(`bind-propagation=${String(bind.Propagation)}`);
  const volume = m.VolumeOptions as Record<string, unknown> | undefined;
  if (volume?.NoCopy) parts.push("volume-nocopy");
  const tmpfs = m.TmpfsOptions as Record<string, unknown> | undefined;
  if (tmpfs?.SizeBytes) parts.push(`tmpfs-size=${String(tmpfs.SizeBytes)}`);
  if (tmpfs?.Mode) parts.push(`tmpfs-mode=${(Number(tmpfs.Mode) & 0o7777).toString(8)}`);
  return parts.join(",");
}

/** HostConfig.PortBindings: "80/tcp" → [{HostIp, HostPort}] or null; the engine checks the ports. */
function bindingsOf(raw: Record<string, unknown>): Record<string, { HostIp: string; HostPort: string }[]> {
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const [port, list] of Object.entries(raw)) {
    if (list === null) {
      bindings[port] = [];
      continue;
    }
    if (!Array.isArray(list)) throw unmarshal(list, "container.HostConfig.PortBindings", "[]nat.PortBinding");
    bindings[port] = (list as unknown[]).map((b) => {
      if (b === null || typeof b !== "object") throw unmarshal(b, "container.HostConfig.PortBindings", "nat.PortBinding");
      const binding = b as Record<string, unknown>;
      return {
        HostIp: optionalString(binding, "HostIp", "nat.PortBinding") ?? "",
        HostPort: optionalString(binding, "HostPort", "nat.PortBinding") ?? "",
      };
    });
  }
  return bindings;
}
