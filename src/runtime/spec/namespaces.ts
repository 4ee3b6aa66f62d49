// The container's namespaces (--network, --pid, --ipc, --uts, cgroupns) and the sysctls that
// depend on them (moby v20.10.24 daemon/oci_linux.go WithNamespaces, WithCommonOptions).
import type { RuntimeSpecInput } from "./spec-input.js";

export function buildNamespaces(input: RuntimeSpecInput): { type: string; path?: string }[] {
  const namespaces: { type: string; path?: string }[] = [{ type: "mount" }];
  if (input.network.kind === "path") namespaces.push({ type: "network", path: input.network.path });
  // "none" is a fresh namespace: runc brings up only its loopback.
  if (input.network.kind === "none") namespaces.push({ type: "network" });
  for (const [type, mode] of [
    ["uts", input.uts],
    ["pid", input.pid],
    ["ipc", input.ipc],
  ] as const) {
    const m = mode ?? { kind: "private" };
    if (m.kind === "private") namespaces.push({ type });
    else if (m.kind === "path") namespaces.push({ type, path: m.path });
    // "host": no entry, so the container stays in the host's namespace.
  }
  if (input.cgroupns === "private") namespaces.push({ type: "cgroup" });
  return namespaces;
}

/**
 * oci_linux.go WithCommonOptions: in a private network namespace, unprivileged ports and ping
 * sockets are open to every user (busybox's ping depends on the latter). Both sysctls exist on
 * every kernel these machines run (≥ 4.11). User sysctls win.
 */
export function buildSysctls(input: RuntimeSpecInput): Record<string, string> {
  const defaults: Record<string, string> =
    input.network.kind === "host" ? {} : { "net.ipv4.ip_unprivileged_port_start": "0", "net.ipv4.ping_group_range": "0 2147483647" };
  return { ...defaults, ...input.sysctls };
}
