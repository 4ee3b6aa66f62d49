// The /proc and /sys paths a container cannot read (masked) or write (read-only), as in Docker
// (moby oci/defaults.go, daemon/oci_linux.go WithCommonOptions), with HostConfig's overrides.
import type { RuntimeSpecInput } from "./spec-input.js";

/**
 * Docker 20.10.24's list plus what later releases mask for the same reasons: powercap (20.10.27,
 * GHSA-jq35-85cj-fj4p) and /proc/interrupts (GHSA-6fw5-f8r9-fgfm). SECURITY-NOTES (b2) picks the
 * newer list for berth; master's per-CPU thermal_throttle entries need a host probe and are left out.
 */
export const DEFAULT_MASKED_PATHS: readonly string[] = Object.freeze([
  "/proc/asound",
  "/proc/acpi",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/proc/scsi",
  "/sys/firmware",
  "/sys/devices/virtual/powercap",
  "/proc/interrupts",
]);

export const DEFAULT_READONLY_PATHS: readonly string[] = Object.freeze([
  "/proc/bus",
  "/proc/fs",
  "/proc/irq",
  "/proc/sys",
  "/proc/sysrq-trigger",
]);

/** The lists for linux.maskedPaths and linux.readonlyPaths. */
export function protectedPaths(input: RuntimeSpecInput): { masked: string[]; readonly: string[] } {
  // moby clears both lists for --privileged, but an explicit override is applied after that.
  const masked = input.maskedPaths ?? (input.privileged ? [] : [...DEFAULT_MASKED_PATHS]);
  const readonly = input.readonlyPaths ?? (input.privileged ? [] : [...DEFAULT_READONLY_PATHS]);
  return { masked, readonly };
}
