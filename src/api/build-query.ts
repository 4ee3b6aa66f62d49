// POST /build's query string (BUILD-API §1.2) as the parts of a BuildRequest. The docker CLI
// sends only what was set (a missing `rm` means true); docker-py sends its booleans as True/False.
// What berth's builder cannot honour (BuildKit sessions, a remote context) is refused with a 400
// rather than ignored. The RUN steps' limits and security options become the request's stepHost.
import { InvalidArgumentError, SystemError } from "../errors.js";
import { boolOr, boolValue, intValue } from "./request-body.js";
import { parseReference } from "../image/reference.js";
import { checkBuildPlatform } from "../engine/build/build-platform.js";
import type { BuildRequest, BuildStepHost, BuildUlimit } from "../engine/build/build-request.js";
import { checkBuildIsolation } from "../engine/build/step-host.js";

/** Everything of a BuildRequest the query decides; the context, reporter and signal come apart. */
export type BuildQuery = Omit<BuildRequest, "context" | "reporter" | "signal"> & {
  /** The Dockerfile's path inside the context archive. */
  readonly dockerfile: string;
  readonly quiet: boolean;
};

export function parseBuildQuery(query: URLSearchParams): BuildQuery {
  const version = query.get("version") ?? "";
  if (version === "2")
    throw new InvalidArgumentError("berth does not run BuildKit sessions (version=2): send the context as a tar with version=1");
  if (version !== "" && version !== "1") throw new SystemError(`invalid version ${JSON.stringify(version)}`);
  const remote = query.get("remote") ?? "";
  if (remote !== "")
    throw new InvalidArgumentError(`berth does not fetch remote build contexts (remote=${remote}): send the context as the body`);
  if ((query.get("outputs") ?? "") !== "")
    throw new InvalidArgumentError("berth does not take outputs= on POST /build: the result is an image");
  // dockerd refuses a bad isolation before reading the body; the limits' own checks come with the build.
  checkBuildIsolation(query.get("isolation") ?? "");

  const tags = query.getAll("t").filter((t) => t !== "");
  for (const tag of tags) {
    try {
      parseReference(tag);
    } catch (err) {
      // dockerd answers a bad -t with a 500 (BUILD-API §1.2).
      throw new SystemError((err as Error).message);
    }
  }
  return {
    tags,
    dockerfile: query.get("dockerfile") || "Dockerfile",
    buildArgs: buildArgs(query.get("buildargs")),
    target: query.get("target") || undefined,
    labels: stringMap(query.get("labels"), "labels"),
    noCache: boolValue(query, "nocache"),
    // BuildKit's per-stage no-cache has no classic query key; the API only knows all or nothing.
    noCacheFilter: [],
    pull: boolValue(query, "pull"),
    network: networkMode(query.get("networkmode") ?? ""),
    extraHosts: query
      .getAll("extrahosts")
      .flatMap((v) => v.split(","))
      .map((v) => v.trim())
      .filter(Boolean),
    platform: checkBuildPlatform(query.get("platform") ?? ""),
    output: { type: "image" },
    cacheFrom: stringArray(query.get("cachefrom"), "cachefrom"),
    secrets: [],
    shmSize: nonNegative(intValue(query, "shmsize") ?? 0, "shmsize"),
    ulimits: ulimits(query.get("ulimits")),
    stepHost: stepHost(query),
    rm: boolOr(query, "rm", true),
    forceRm: boolValue(query, "forcerm"),
    quiet: boolValue(query, "q"),
    // squash= is accepted: berth's builder writes one minimal layer per filesystem step already.
  };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`error reading ${what}: ${(err as Error).message}`);
  }
}

/** `{"K":"v","U":null}`: null is a name given without a value (the Dockerfile's default applies). */
function buildArgs(text: string | null): Map<string, string | undefined> {
  const args = new Map<string, string | undefined>();
  if (!text) return args;
  const parsed = parseJson(text, "build args");
  if (parsed === null) return args;
  if (typeof parsed !== "object" || Array.isArray(parsed))
    throw new InvalidArgumentError("error reading build args: json: cannot unmarshal into map[string]*string");
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (v !== null && typeof v !== "string")
      throw new InvalidArgumentError(`error reading build args: json: cannot unmarshal ${typeof v} into Go value of type string`);
    args.set(k, v ?? undefined);
  }
  return args;
}

function stringMap(text: string | null, what: string): Record<string, string> {
  if (!text) return {};
  const parsed = parseJson(text, what);
  if (parsed === null) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== "string"))
    throw new InvalidArgumentError(`error reading ${what}: json: cannot unmarshal into map[string]string`);
  return parsed as Record<string, string>;
}

function stringArray(text: string | null, what: string): string[] {
  if (!text) return [];
  const parsed = parseJson(text, what);
  if (parsed === null) return [];
  if (!Array.isArray(parsed) || parsed.some((v) => typeof v !== "string"))
    throw new InvalidArgumentError(`error reading ${what}: json: cannot unmarshal into []string`);
  return parsed as string[];
}

/** `[{"Name":"nofile","Hard":2048,"Soft":1024}]` (go-units Ulimit). */
function ulimits(text: string | null): BuildUlimit[] {
  if (!text) return [];
  const parsed = parseJson(text, "ulimits");
  if (parsed === null) return [];
  const bad = () => new InvalidArgumentError("error reading ulimits: json: cannot unmarshal into []*units.Ulimit");
  if (!Array.isArray(parsed)) throw bad();
  return parsed.map((u: unknown) => {
    if (u === null || typeof u !== "object") throw bad();
    const { Name, Soft, Hard } = u as Record<string, unknown>;
    if (typeof Name !== "string" || !Number.isInteger(Soft) || !Number.isInteger(Hard)) throw bad();
    if ((Soft as number) > (Hard as number))
      throw new InvalidArgumentError(`ulimit soft limit must be less than or equal to hard limit: ${Soft as number} > ${Hard as number}`);
    return { name: Name, soft: Soft as number, hard: Hard as number };
  });
}

/**
 * memory, memswap, cpushares, cpuperiod, cpuquota (integers, 0 or absent: none), cpusetcpus,
 * cpusetmems, cgroupparent, securityopt (repeated) and isolation, as the docker CLI sends its
 * `-m`, `--memory-swap`, `-c`, ... flags (docker-py: container_limits).
 */
function stepHost(query: URLSearchParams): BuildStepHost {
  const int = (key: string) => intValue(query, key) ?? 0;
  const securityOpt = query.getAll("securityopt").filter((o) => o !== "");
  return {
    Memory: int("memory"),
    MemorySwap: int("memswap"),
    CpuShares: int("cpushares"),
    CpuPeriod: int("cpuperiod"),
    CpuQuota: int("cpuquota"),
    CpusetCpus: query.get("cpusetcpus") ?? "",
    CpusetMems: query.get("cpusetmems") ?? "",
    CgroupParent: query.get("cgroupparent") ?? "",
    SecurityOpt: securityOpt.length ? securityOpt : null,
    Isolation: query.get("isolation") ?? "",
  };
}

/** dockerd's classic builder takes a network name here; berth's builder has the three modes. */
function networkMode(mode: string): "default" | "host" | "none" {
  if (mode === "" || mode === "default" || mode === "bridge") return "default";
  if (mode === "host" || mode === "none") return mode;
  throw new InvalidArgumentError(
    `berth builds run their RUN steps on the network "default", "host" or "none", not ${JSON.stringify(mode)}`,
  );
}

function nonNegative(n: number, key: string): number {
  if (n < 0) throw new InvalidArgumentError(`${key} must be zero or more`);
  return n;
}
