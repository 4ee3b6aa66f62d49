// The docker CLI 28 commands and `run`/`create` flags berth does not have yet. A user who types one
// is told so, not that Docker's own command is "unknown". Remove an entry when berth gains it.

/** Command paths as docker CLI 28 lists them (`docker --help` and each management command's help). */
export const UNSUPPORTED_COMMANDS: readonly (readonly string[])[] = [
  ["checkpoint"],
  ["config"],
  ["context"],
  ["manifest"],
  ["node"],
  ["plugin"],
  ["search"],
  ["secret"],
  ["service"],
  ["stack"],
  ["swarm"],
  ["trust"],
  ["volume", "update"],
];

export interface UnsupportedFlag {
  long: string;
  short?: string;
}

/**
 * `docker build --help` (CLI 28.2.2, classic) and the buildx flags scripts use, less what berth's
 * build takes. Resource limits for RUN steps are not applied by berth's builder yet.
 */
const BUILD_FLAGS: readonly UnsupportedFlag[] = [
  { long: "allow" },
  { long: "annotation" },
  { long: "attest" },
  { long: "build-context" },
  { long: "builder" },
  { long: "cache-to" },
  { long: "cgroup-parent" },
  { long: "compress" },
  { long: "cpu-period" },
  { long: "cpu-quota" },
  { long: "cpu-shares", short: "c" },
  { long: "cpuset-cpus" },
  { long: "cpuset-mems" },
  { long: "disable-content-trust" },
  { long: "isolation" },
  { long: "memory", short: "m" },
  { long: "memory-swap" },
  { long: "metadata-file" },
  { long: "provenance" },
  { long: "push" },
  { long: "sbom" },
  { long: "security-opt" },
  { long: "ssh" },
];

const UNSUPPORTED_FLAGS = new Map<string, readonly UnsupportedFlag[]>([["image build", BUILD_FLAGS]]);

/** By the command's own path (["container", "run"]), so that its aliases (`run`) share the list. */
export function unsupportedFlagsOf(path: readonly string[]): readonly UnsupportedFlag[] {
  return UNSUPPORTED_FLAGS.get(path.join(" ")) ?? [];
}
