// The image config as Docker and OCI write it (wire spelling kept), and the manifest around it.
import type { Digest } from "./digest.js";
import { InvalidArgumentError } from "../errors.js";

/** The execution context carried from container to image (Docker's container.Config subset). */
export interface ContainerConfig {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, Record<string, never>> | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Healthcheck?: HealthConfig;
  ArgsEscaped?: boolean;
  Image?: string;
  Volumes?: Record<string, Record<string, never>> | null;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  NetworkDisabled?: boolean;
  MacAddress?: string;
  OnBuild?: string[] | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  StopTimeout?: number;
  Shell?: string[];
}

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  /** API 1.44: the interval while the start period lasts. */
  StartInterval?: number;
  Retries?: number;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** Docker writes these extra top-level fields besides the OCI ones; berth keeps them. */
export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: ContainerConfig;
  container?: string;
  container_config?: ContainerConfig;
  docker_version?: string;
  comment?: string;
  parent?: string;
  rootfs: { type: "layers"; diff_ids: Digest[] };
  history?: HistoryEntry[];
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
}

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  "os.version"?: string;
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** Node's arch names to the OCI/Go ones, so images made here say what Docker would. */
export function hostPlatform(): Platform {
  const archMap: Record<string, string> = {
    x64: "amd64",
    arm64: "arm64",
    arm: "arm",
    ia32: "386",
    ppc64: "ppc64le",
    s390x: "s390x",
    riscv64: "riscv64",
  };
  return { architecture: archMap[process.arch] ?? process.arch, os: "linux" };
}

/** `linux`, `linux/amd64`, `linux/arm64/v8`, as --platform takes them. */
export function parsePlatform(text: string): Platform {
  const [os, architecture, variant, ...rest] = text.toLowerCase().split("/");
  if (!os || rest.length || architecture === "" || variant === "") {
    throw new InvalidArgumentError(`invalid platform: ${JSON.stringify(text)}: expected os[/arch[/variant]]`);
  }
  const host = hostPlatform();
  const arch = architecture === "x86_64" || architecture === "x86-64" ? "amd64" : architecture === "aarch64" ? "arm64" : architecture;
  return { os, architecture: arch ?? host.architecture, ...(variant ? { variant } : {}) };
}

/** Docker's timestamps: RFC 3339 with nanoseconds, as Go's time.Time marshals them. */
export function formatTimestamp(date: Date, nanos?: number): string {
  const iso = date.toISOString(); // 2026-01-02T03:04:05.678Z
  const frac = nanos === undefined ? iso.slice(20, 23) : String(nanos).padStart(9, "0");
  const trimmed = frac.replace(/0+$/, "");
  return iso.slice(0, 19) + (trimmed ? "." + trimmed : "") + "Z";
}

/**
 * Orders two timestamps as formatTimestamp writes them, earliest first. Their text does not sort:
 * the fraction loses its trailing zeros, so "…05.6Z" (600 ms) would sort after "…05.61Z".
 */
export function compareTimestamps(a: string, b: string): number {
  const key = (t: string) => t.replace(/(?:\.(\d+))?Z$/, (_, frac: string | undefined) => `.${(frac ?? "").padEnd(9, "0")}Z`);
  const [ka, kb] = [key(a), key(b)];
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Layers (diff ids) are matched to history entries by skipping empty_layer entries, as Docker does. */
export function nonEmptyHistoryCount(history: readonly HistoryEntry[] | undefined): number {
  return (history ?? []).filter((h) => !h.empty_layer).length;
}

/**
 * The container config in the field order and with the omitempty rules of Go's container.Config,
 * so that berth's JSON (image configs, inspect) reads exactly like Docker's.
 */
export function canonicalContainerConfig(c: ContainerConfig | undefined | null): ContainerConfig {
  const src = c ?? {};
  const out: ContainerConfig = {
    Hostname: src.Hostname ?? "",
    Domainname: src.Domainname ?? "",
    User: src.User ?? "",
    AttachStdin: src.AttachStdin ?? false,
    AttachStdout: src.AttachStdout ?? false,
    AttachStderr: src.AttachStderr ?? false,
  };
  if (src.ExposedPorts && Object.keys(src.ExposedPorts).length) out.ExposedPorts = sortKeys(src.ExposedPorts);
  out.Tty = src.Tty ?? false;
  out.OpenStdin = src.OpenStdin ?? false;
  out.StdinOnce = src.StdinOnce ?? false;
  out.Env = src.Env ?? null;
  out.Cmd = src.Cmd ?? null;
  if (src.Healthcheck) out.Healthcheck = src.Healthcheck;
  if (src.ArgsEscaped) out.ArgsEscaped = true;
  out.Image = src.Image ?? "";
  out.Volumes = src.Volumes && Object.keys(src.Volumes).length ? sortKeys(src.Volumes) : null;
  out.WorkingDir = src.WorkingDir ?? "";
  out.Entrypoint = src.Entrypoint ?? null;
  if (src.NetworkDisabled) out.NetworkDisabled = true;
  if (src.MacAddress) out.MacAddress = src.MacAddress;
  out.OnBuild = src.OnBuild ?? null;
  out.Labels = src.Labels ? sortKeys(src.Labels) : null;
  if (src.StopSignal) out.StopSignal = src.StopSignal;
  if (src.StopTimeout !== undefined) out.StopTimeout = src.StopTimeout;
  if (src.Shell?.length) out.Shell = src.Shell;
  return out;
}

/** Go marshals maps with sorted keys. */
function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
