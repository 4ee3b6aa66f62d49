// Turns a container's settings into the OCI runtime spec (config.json) that runc 1.1 runs, with
// Docker 20.10's defaults: moby v20.10.24 oci/defaults.go, oci/caps, daemon/oci_linux.go,
// daemon/daemon_unix.go and profiles/seccomp, checked against the config.json dockerd 20.10.24
// writes on these machines. Reads only the seccomp profile file and --device nodes.
//
// berth's --privileged gives every capability the host's bounding set holds, no seccomp, no masked
// or read-only paths, a writable /sys and /sys/fs/cgroup and an allow-all device cgroup; unlike
// Docker it does not copy the host's device nodes into the container (only --device ones).
//
// This is the entry: each part of the spec is built by the module named for it (capabilities,
// seccomp, devices, mounts, namespaces, resources, rlimits, masked-paths), from the settings in
// spec-input.ts into the types of runtime-spec.ts.
import { randomUUID } from "node:crypto";
import { containerCapabilities } from "./capabilities.js";
import { devicesFromPath } from "./devices.js";
import { protectedPaths } from "./masked-paths.js";
import { buildMounts, IN_CONTAINER_INIT_PATH } from "./mounts.js";
import { buildNamespaces, buildSysctls } from "./namespaces.js";
import { buildResources } from "./resources.js";
import { toRlimit } from "./rlimits.js";
import type { OciLinux, OciProcess, OciSpec } from "./runtime-spec.js";
import { seccompFor } from "./seccomp.js";
import type { BuildOciSpecOptions, RuntimeSpecInput } from "./spec-input.js";

/** What dockerd 20.10 writes (runc 1.1.5 reports spec "1.0.2-dev"). */
const OCI_VERSION = "1.0.2-dev";

/** Builds config.json for runc from the container's settings; see the file comment for sources. */
export function buildOciSpec(input: RuntimeSpecInput, opts: BuildOciSpecOptions = {}): OciSpec {
  const capabilities = containerCapabilities(input, opts.hostCapabilities);
  const seccomp = seccompFor(input, capabilities, opts);
  const devices = input.devices.flatMap((d) => devicesFromPath(d.pathOnHost, d.pathInContainer, d.permissions));

  const sysctl = buildSysctls(input);
  const linux: OciLinux = {
    ...(Object.keys(sysctl).length > 0 ? { sysctl } : {}),
    resources: buildResources(input, devices, opts.swapAccounting ?? true),
    cgroupsPath: input.cgroupsPath,
    namespaces: buildNamespaces(input),
  };
  if (seccomp) linux.seccomp = seccomp;
  const { masked, readonly } = protectedPaths(input);
  if (masked.length > 0) linux.maskedPaths = masked;
  if (readonly.length > 0) linux.readonlyPaths = readonly;
  if (devices.length > 0) linux.devices = devices.map((d) => d.device);

  return {
    ociVersion: OCI_VERSION,
    process: buildProcess(input, capabilities, opts.hostRlimits),
    root: input.readonlyRootfs ? { path: input.rootfs, readonly: true } : { path: input.rootfs },
    // A hostname needs a UTS namespace of the container's own.
    ...((input.uts ?? { kind: "private" }).kind === "private" ? { hostname: input.hostname } : {}),
    mounts: buildMounts(input),
    ...(input.annotations && Object.keys(input.annotations).length > 0 ? { annotations: { ...input.annotations } } : {}),
    linux,
  };
}

function buildProcess(input: RuntimeSpecInput, capabilities: string[], hostRlimits: BuildOciSpecOptions["hostRlimits"]): OciProcess {
  const rlimits = input.ulimits.map((u) => toRlimit(u, hostRlimits));
  // Keys in runtime-spec's (and so dockerd's) order, to keep config.json diffable against Docker's.
  return {
    ...(input.terminal ? { terminal: true } : {}),
    user: { uid: input.user.uid, gid: input.user.gid, additionalGids: [...input.user.additionalGids] },
    args: input.init ? [IN_CONTAINER_INIT_PATH, "--", ...input.args] : [...input.args],
    env: [...input.env],
    cwd: input.cwd === "" ? "/" : input.cwd,
    // oci.SetCapabilities: a non-root user gets only the bounding set, as execve would leave it.
    capabilities:
      input.user.uid === 0
        ? { bounding: capabilities, effective: [...capabilities], permitted: [...capabilities] }
        : { bounding: capabilities },
    ...(rlimits.length > 0 ? { rlimits } : {}),
    ...(input.noNewPrivileges ? { noNewPrivileges: true } : {}),
    oomScoreAdj: input.tuning?.oomScoreAdj ?? 0,
  };
}

/** RLIM_INFINITY as runc decodes it (uint64); JavaScript numbers cannot print it exactly. */
const RLIM_INFINITY_JSON = "18446744073709551615";

/**
 * config.json text for a spec: JSON.stringify, except that an rlimit of -1 is written as
 * RLIM_INFINITY (runc's rlimits are uint64 and reject -1). Use this, not JSON.stringify, to write
 * the bundle.
 */
export function formatOciSpec(spec: OciSpec): string {
  const rlimits = spec.process.rlimits;
  if (!rlimits?.some((r) => r.hard < 0 || r.soft < 0)) return JSON.stringify(spec, null, 2);
  // A per-call marker cannot collide with any string in the spec (args, env, paths).
  const marker = `rlim-infinity-${randomUUID()}`;
  const mark = (n: number) => (n < 0 ? marker : n);
  const marked = {
    ...spec,
    process: { ...spec.process, rlimits: rlimits.map((r) => ({ type: r.type, hard: mark(r.hard), soft: mark(r.soft) })) },
  };
  return JSON.stringify(marked, null, 2).replaceAll(JSON.stringify(marker), RLIM_INFINITY_JSON);
}
