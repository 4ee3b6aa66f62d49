// `create` (and the first half of `run`): a container record, its snapshot (writable layer and init
// layer, made by the layer store) and its volumes, made visible in one transaction. Nothing runs yet.
import { checkLogConfig, keepsLog, LOG_INIT_ERROR } from "./log-config.js";
import { checkLogAttributes } from "./log-attributes.js";
import { checkNamespaceModes } from "./namespace-modes.js";
import { recordContainerEvent } from "../events.js";
import { NO_RESTART, checkRestartPolicy } from "./restart-policy.js";
import * as fs from "node:fs";
import { randomBytes } from "node:crypto";
import type { Engine } from "../engine.js";
import { readImage } from "../images/read-image.js";
import { withNewRootfs } from "./container-rootfs.js";
import { setupWorkingDirectory } from "./working-directory.js";
import { generateName, validateContainerName } from "./container-names.js";
import type { MountRequest } from "./mount-specs.js";
import type { ImageRecord } from "../../store/image-store.js";
import { canonicalContainerConfig, formatTimestamp, type ContainerConfig, type HealthConfig } from "../../image/config.js";
import { initialState, type ContainerSpec, type HostConfig, type MountPoint } from "../../store/container-store.js";
import { ImageNotFoundError, InvalidArgumentError, NotFoundError, SystemError } from "../../errors.js";
import { checkEnvEntry } from "./env-entry.js";
import { checkNetworkMode } from "../network/network-mode.js";
import { checkPortBindings } from "../network/ports.js";
import { plannedAttachments } from "../network/attachments.js";
import type { EndpointConfig } from "../../store/network-store.js";
import { checkNetworkOptions } from "../network/network-options.js";
import { checkLinks } from "../network/links.js";
import { checkHealthcheck, mergeHealthcheck } from "./healthcheck.js";
import { checkShareOptions } from "./share-options.js";
import { inheritedMounts } from "./volumes-from.js";
import { checkResources } from "./resource-checks.js";

/** The image a container is made from; its absence is an ImageNotFoundError, which `run --pull=missing` answers with a pull. */
function imageToRun(engine: Engine, text: string): ImageRecord {
  try {
    return engine.store.images.resolve(text);
  } catch (err) {
    if (err instanceof NotFoundError) throw new ImageNotFoundError(err.message, { cause: err });
    throw err;
  }
}

/** The kernel stacks at most 500 lower layers in one overlay; the init layer is one of them. */
export const MAX_IMAGE_LAYERS = 499;

export interface CreateRequest {
  image: string;
  name?: string | undefined;
  cmd: string[];
  /**
   * undefined: the image's; "" (or [] / [""] from the API): none; else one word, as docker's
   * --entrypoint takes it, or the API's list.
   */
  entrypoint?: string | readonly string[] | undefined;
  env: string[];
  workdir?: string | undefined;
  user?: string | undefined;
  hostname?: string | undefined;
  /** Config.Domainname: the kernel's domain name inside, and the /etc/hosts line's FQDN. */
  domainname?: string | undefined;
  /** Config.MacAddress, as typed; checked when the container starts, as dockerd does. */
  macAddress?: string | undefined;
  labels: Record<string, string>;
  tty: boolean;
  openStdin: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  mounts: MountRequest[];
  exposedPorts: string[];
  stopSignal?: string | undefined;
  stopTimeout?: number | undefined;
  /** Config.Healthcheck as given; kept merged with the image's, and run by health-probes.ts. */
  healthcheck?: HealthConfig | undefined;
  host: Omit<HostConfig, "Binds" | "Tmpfs" | "LogConfig">;
  /** HostConfig.LogConfig as given; checked by log-config.ts. */
  logConfig?: { Type?: string | undefined; Config?: Record<string, string> | undefined } | undefined;
  /** -v flags as typed, for HostConfig.Binds. */
  binds: string[];
  /** NetworkingConfig.EndpointsConfig, by network name or ID ("default" is the default bridge). */
  endpoints?: Record<string, EndpointConfig>;
  /** HostConfig.StorageOpt (--storage-opt): checked, and refused, by share-options.ts. */
  storageOpt?: Record<string, string> | undefined;
  /** HostConfig fields dockerd on Linux checks and then drops (CpuPercent) or refuses (IOMaximum*). */
  windowsOnly?: { CpuPercent?: number; IOMaximumIOps?: number; IOMaximumBandwidth?: number };
}

export interface CreateResult {
  id: string;
  warnings: string[];
}

export function createContainer(engine: Engine, req: CreateRequest): CreateResult {
  const { store } = engine;
  const record = imageToRun(engine, req.image);
  const image = readImage(store, record);
  if (image.layers.length > MAX_IMAGE_LAYERS) {
    throw new InvalidArgumentError(
      `max depth exceeded: the image has ${image.layers.length} layers and an overlay mount stacks at most ${MAX_IMAGE_LAYERS} plus the container's init layer`,
    );
  }
  const name = req.name ? validateContainerName(req.name) : generateName((n) => store.containers.resolveName(n) !== undefined);
  if (req.name) store.containers.checkName(name);
  for (const entry of req.env) checkEnvEntry(entry);
  validateHostConfig(req);
  checkHealthcheck(req.healthcheck);
  const restartPolicy = checkRestartPolicy(req.host.RestartPolicy ?? NO_RESTART, req.host.AutoRemove);
  const logConfig = checkLogConfig(req.logConfig);
  const namespaces = checkNamespaceModes(engine, req);
  const portBindings = req.host.PortBindings ?? {};
  checkPortBindings(portBindings);
  checkNetworkMode(engine, {
    hostname: req.hostname,
    networkMode: req.host.NetworkMode,
    portBindings,
    publishAll: Boolean(req.host.PublishAllPorts),
    exposedPorts: req.exposedPorts,
  });
  checkNetworkOptions({
    networkMode: req.host.NetworkMode,
    links: req.host.Links ?? [],
    dns: req.host.Dns ?? [],
    extraHosts: req.host.ExtraHosts ?? [],
    macAddress: req.macAddress ?? "",
  });
  const links = checkLinks(engine, { links: req.host.Links ?? [], name });
  const share = checkShareOptions({ ...req.host, StorageOpt: req.storageOpt }, engine.config.root);
  const resources = checkResources({ ...req.host, ...req.windowsOnly }, { update: false });
  const warnings: string[] = [...resources.warnings];
  // dockerd keeps them in HostConfig and binds nothing: the host's ports are the container's own.
  if (req.host.NetworkMode === "host" && (Object.keys(portBindings).length > 0 || req.host.PublishAllPorts)) {
    warnings.push("Published ports are discarded when using host network mode");
  }

  const id = randomBytes(32).toString("hex");
  const attachments = plannedAttachments(engine, { containerId: id, networkMode: req.host.NetworkMode, endpoints: req.endpoints ?? {} });
  const config = mergeConfig(image.config.config ?? {}, req, id);
  const [path, ...args] = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (path === undefined) throw new InvalidArgumentError("No command specified");

  const now = formatTimestamp(engine.clock.now());
  const spec: ContainerSpec = {
    id,
    name,
    imageId: record.id,
    image: req.image,
    created: now,
    path,
    args,
    config,
    hostConfig: {
      ...req.host,
      ...resources.settings,
      PortBindings: portBindings,
      PublishAllPorts: Boolean(req.host.PublishAllPorts),
      Links: links,
      Binds: req.binds.length ? req.binds : null,
      Tmpfs: tmpfsMap(req.mounts),
      LogConfig: logConfig,
      RestartPolicy: restartPolicy,
      ...namespaces,
      ...share,
      VolumesFrom: req.host.VolumesFrom?.length ? [...req.host.VolumesFrom] : null,
      ContainerIDFile: req.host.ContainerIDFile ?? "",
    },
    mounts: [],
    topLayer: image.layers[image.layers.length - 1]?.chainId ?? null,
  };
  // A tag naming a field logger.Info lacks fails only once the container is known (dockerd: at start).
  if (keepsLog(logConfig)) checkLogAttributes(spec, logConfig.Config, LOG_INIT_ERROR);
  store.write(() => {
    store.containers.checkName(name);
    if (!store.images.get(record.id)) throw new ImageNotFoundError(`No such image: ${req.image}`);
    spec.mounts = resolveMounts(engine, {
      requests: req.mounts,
      volumesFrom: req.host.VolumesFrom ?? [],
      volumeDriver: req.host.VolumeDriver ?? "",
      config,
      now: engine.clock
        .now()
        .toISOString()
        .replace(/\.\d+Z$/, "Z"),
    });
    const mounts = store.layers.prepare(id, spec.topLayer);
    try {
      if (config.WorkingDir) withNewRootfs(engine, { id, mounts }, (rootfs) => setupWorkingDirectory(rootfs, config.WorkingDir!));
      store.containers.insert(spec, initialState());
      for (const a of attachments) store.networks.attach(a);
      for (const m of spec.mounts) if (m.Type === "volume" && m.Name) store.volumes.link(id, m.Name);
      recordContainerEvent(engine, spec, "create");
    } catch (err) {
      // The transaction rolls back; the snapshot it would have published goes with it.
      store.layers.discard(id);
      throw err;
    }
  });
  return { id, warnings };
}

/** Docker's merge of the image's config with the user's (daemon/commit.go merge, create.go). */
export function mergeConfig(imageConfig: ContainerConfig, req: CreateRequest, id: string): ContainerConfig {
  const env = [...(imageConfig.Env ?? [])];
  for (const entry of req.env) {
    const key = entry.split("=", 1)[0];
    const at = env.findIndex((e) => e.split("=", 1)[0] === key);
    if (at >= 0) env[at] = entry;
    else env.push(entry);
  }
  // A user's entrypoint (even "") clears the image's CMD, as Docker documents for --entrypoint.
  const given = typeof req.entrypoint === "string" ? [req.entrypoint] : req.entrypoint;
  const cleared = given !== undefined && (given.length === 0 || (given.length === 1 && given[0] === ""));
  const entrypoint = given === undefined ? (imageConfig.Entrypoint ?? null) : cleared ? null : [...given];
  const cmd = req.cmd.length ? req.cmd : req.entrypoint === undefined ? (imageConfig.Cmd ?? null) : null;
  if (req.workdir !== undefined && req.workdir !== "" && !req.workdir.startsWith("/")) {
    throw new InvalidArgumentError(`the working directory '${req.workdir}' is invalid, it needs to be an absolute path`);
  }
  const volumes: Record<string, Record<string, never>> = { ...(imageConfig.Volumes ?? {}) };
  for (const m of req.mounts) if (m.type === "volume" && m.source === "") volumes[m.destination] = {};
  const ports: Record<string, Record<string, never>> = { ...(imageConfig.ExposedPorts ?? {}) };
  for (const p of req.exposedPorts) ports[p.includes("/") ? p : `${p}/tcp`] = {};
  const healthcheck = mergeHealthcheck(req.healthcheck, imageConfig.Healthcheck);
  const hostname = req.hostname || (req.host.NetworkMode === "host" ? hostHostname() : id.slice(0, 12));
  return canonicalContainerConfig({
    Hostname: hostname,
    Domainname: req.domainname ?? "",
    User: req.user ?? imageConfig.User ?? "",
    AttachStdin: req.attachStdin,
    AttachStdout: req.attachStdout,
    AttachStderr: req.attachStderr,
    ExposedPorts: Object.keys(ports).length ? ports : null,
    Tty: req.tty,
    OpenStdin: req.openStdin,
    StdinOnce: req.openStdin && req.attachStdin,
    Env: env,
    Cmd: cmd,
    ...(healthcheck ? { Healthcheck: healthcheck } : {}),
    Image: req.image,
    Volumes: Object.keys(volumes).length ? volumes : null,
    WorkingDir: req.workdir || imageConfig.WorkingDir || "",
    Entrypoint: entrypoint,
    ...(req.macAddress ? { MacAddress: req.macAddress } : {}),
    OnBuild: null,
    Labels: { ...(imageConfig.Labels ?? {}), ...req.labels },
    ...(req.stopSignal || imageConfig.StopSignal ? { StopSignal: req.stopSignal || imageConfig.StopSignal! } : {}),
    ...(req.stopTimeout !== undefined ? { StopTimeout: req.stopTimeout } : {}),
  });
}

function hostHostname(): string {
  try {
    return fs.readFileSync("/proc/sys/kernel/hostname", "utf8").trim();
  } catch {
    return "localhost";
  }
}

function validateHostConfig(req: CreateRequest): void {
  // dockerd on Linux (daemon/daemon_unix.go verifyPlatformContainerSettings) answers 500.
  const isolation = req.host.Isolation ?? "";
  if (isolation !== "" && isolation.toLowerCase() !== "default") {
    throw new SystemError(`Invalid isolation: ${JSON.stringify(isolation)} - linux only supports 'default'`);
  }
  for (const d of req.host.Devices ?? []) {
    if (!fs.existsSync(d.PathOnHost)) {
      throw new InvalidArgumentError(
        `error gathering device information while adding custom device "${d.PathOnHost}": no such file or directory`,
      );
    }
  }
}

function tmpfsMap(mounts: readonly MountRequest[]): Record<string, string> | null {
  const tmpfs = mounts.filter((m) => m.type === "tmpfs");
  return tmpfs.length ? Object.fromEntries(tmpfs.map((m) => [m.destination, m.tmpfsOptions.join(",")])) : null;
}

/**
 * Binds, named volumes (created on first use), anonymous volumes for -v DEST and the image's
 * VOLUMEs, and the mounts of --volumes-from containers where the others leave room.
 */
function resolveMounts(
  engine: Engine,
  opts: { requests: readonly MountRequest[]; volumesFrom: readonly string[]; config: ContainerConfig; now: string; volumeDriver: string },
): MountPoint[] {
  const { store } = engine;
  const { requests, config, now } = opts;
  const taken = new Set<string>();
  for (const req of requests) {
    if (taken.has(req.destination)) throw new InvalidArgumentError(`Duplicate mount point: ${req.destination}`);
    taken.add(req.destination);
  }
  const points = inheritedMounts(engine, opts.volumesFrom, taken);
  const driver = opts.volumeDriver || "local";
  for (const m of points) taken.add(m.Destination);
  const anonymous = Object.keys(config.Volumes ?? {}).filter((dest) => !taken.has(dest));
  const all: MountRequest[] = [
    ...requests,
    ...anonymous.map((destination): MountRequest => ({
      type: "volume",
      source: "",
      destination,
      readOnly: false,
      copy: true,
      propagation: "",
      tmpfsOptions: [],
    })),
  ];
  const names = all.map((req) => (req.type === "volume" ? req.source || randomBytes(32).toString("hex") : ""));
  // Before any volume is made: dockerd's volume service fails on the plugin lookup, even for a
  // volume that exists (with the local driver), and the API answers 404.
  const unserved = all.findIndex((req) => req.type === "volume" && !req.ownDriver && driver !== "local");
  if (unserved >= 0) {
    throw new NotFoundError(
      `create ${names[unserved]}: error looking up volume plugin ${driver}: plugin ${JSON.stringify(driver)} not found`,
    );
  }
  for (const [i, req] of all.entries()) {
    if (req.type === "bind") {
      if (!fs.existsSync(req.source)) fs.mkdirSync(req.source, { recursive: true, mode: 0o755 });
      points.push({
        Type: "bind",
        Source: req.source,
        Destination: req.destination,
        Mode: req.readOnly ? "ro" : "",
        RW: !req.readOnly,
        Propagation: req.propagation || "rprivate",
      });
    } else if (req.type === "tmpfs") {
      points.push({
        Type: "tmpfs",
        Source: "",
        Destination: req.destination,
        Mode: "",
        RW: !req.readOnly,
        Propagation: "",
        options: req.tmpfsOptions,
      });
    } else {
      const name = names[i]!;
      const volume = store.volumes.ensure(name, { anonymous: !req.source, now });
      points.push({
        Type: "volume",
        Name: name,
        Source: volume.mountpoint,
        Destination: req.destination,
        Driver: "local",
        Mode: req.readOnly ? "ro" : "z",
        RW: !req.readOnly,
        Propagation: "",
        ...(req.copy ? {} : { options: ["nocopy"] }),
      });
    }
  }
  return points;
}
