// Capabilities with Docker 20.10's rules (moby v20.10.24 oci/caps): the default set, --cap-add and
// --cap-drop, --privileged, and the host's bounding set that limits what "everything" can mean.
import { InvalidArgumentError } from "../../errors.js";
import type { RuntimeSpecInput } from "./spec-input.js";

/** oci/caps/defaults.go, in Docker's order (CapEff 0xa80425fb). */
export const DEFAULT_CAPABILITIES: readonly string[] = Object.freeze([
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FSETID",
  "CAP_FOWNER",
  "CAP_MKNOD",
  "CAP_NET_RAW",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETFCAP",
  "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT",
  "CAP_KILL",
  "CAP_AUDIT_WRITE",
]);

/**
 * Every capability by bit number. Docker 20.10 stops at CAP_AUDIT_READ (37): caps.GetAllCapabilities
 * leaves out PERFMON, BPF and CHECKPOINT_RESTORE, so "ALL" means bits 0..37 and `--cap-add BPF`
 * is an unknown capability, as on the reference engine.
 */
const CAPABILITY_BITS: readonly string[] = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
];
const LAST_DOCKER_CAP = CAPABILITY_BITS.indexOf("CAP_AUDIT_READ");
const ALL_CAPABILITIES: readonly string[] = CAPABILITY_BITS.slice(0, LAST_DOCKER_CAP + 1);

/**
 * Docker 20.10's rules (oci/caps TweakCapabilities): privileged → every capability; otherwise the
 * defaults minus drops plus adds, where "ALL" in adds means every capability minus drops and "ALL"
 * in drops means exactly the adds. Names are case-insensitive, "CAP_" optional. Both lists are
 * validated first, as daemon/container.go does, even when privileged.
 */
export function effectiveCapabilities(capAdd: readonly string[], capDrop: readonly string[], privileged: boolean): string[] {
  const adds = normalizeCapabilities(capAdd, "CapAdd");
  const drops = normalizeCapabilities(capDrop, "CapDrop");
  if (privileged) return [...ALL_CAPABILITIES];
  let caps: string[];
  if (adds.includes("ALL")) caps = ALL_CAPABILITIES.filter((c) => !drops.includes(c));
  else if (drops.includes("ALL")) caps = adds;
  else caps = [...DEFAULT_CAPABILITIES.filter((c) => !drops.includes(c)), ...adds];
  return [...new Set(caps)]; // Docker repeats a default that is also added; the kernel sees one
}

/** NormalizeLegacyCapabilities: upper case, "CAP_" prefix, known names only. */
function normalizeCapabilities(caps: readonly string[], field: "CapAdd" | "CapDrop"): string[] {
  return caps.map((raw) => {
    const upper = raw.toUpperCase();
    if (upper === "ALL") return upper;
    const name = upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
    if (!ALL_CAPABILITIES.includes(name)) {
      throw new InvalidArgumentError(`invalid ${field}: unknown capability: ${JSON.stringify(name)}`);
    }
    return name;
  });
}

/** Docker's set, then limited to the host's bounding set where berth grants "everything". */
export function containerCapabilities(input: RuntimeSpecInput, hostCapabilities: readonly string[] | undefined): string[] {
  const caps = effectiveCapabilities(input.capAdd, input.capDrop, input.privileged);
  const grantsAll = input.privileged || input.capAdd.some((c) => c.toUpperCase() === "ALL");
  if (!grantsAll || hostCapabilities === undefined) return caps;
  return caps.filter((c) => hostCapabilities.includes(c));
}

/** Capability names for a hex mask such as CapBnd in /proc/self/status, for hostCapabilities. */
export function parseCapabilityMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim()}`);
  return CAPABILITY_BITS.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}
