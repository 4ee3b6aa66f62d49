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
 * build takes.
 */
const BUILD_FLAGS: readonly UnsupportedFlag[] = [
  { long: "allow" },
  { long: "annotation" },
  { long: "attest" },
  { long: "build-context" },
  { long: "builder" },
  { long: "cache-to" },
  { long: "compress" },
  { long: "metadata-file" },
  { long: "provenance" },
  { long: "push" },
  { long: "sbom" },
  { long: "ssh" },
];

const UNSUPPORTED_FLAGS = new Map<string, readonly UnsupportedFlag[]>([["image build", BUILD_FLAGS]]);

/** By the command's own path (["container", "run"]), so that its aliases (`run`) share the list. */
export function unsupportedFlagsOf(path: readonly string[]): readonly UnsupportedFlag[] {
  return UNSUPPORTED_FLAGS.get(path.join(" ")) ?? [];
}
