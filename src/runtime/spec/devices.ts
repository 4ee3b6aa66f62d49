// Devices with Docker 20.10's rules (moby v20.10.24 oci/defaults.go, oci/devices_linux.go): the
// device cgroup's default rules, --privileged's allow-all, and --device nodes read from the host.
import * as fs from "node:fs";
import * as path from "node:path";
import { InvalidArgumentError } from "../../errors.js";
import type { OciDevice, OciDeviceRule } from "./runtime-spec.js";

/**
 * oci/defaults.go device cgroup: deny all, allow zero, null, urandom, random, tty, console, and deny
 * fuse explicitly. runc creates the default nodes (null, zero, full, random, urandom, tty, ptmx) and
 * adds its own allow rules for them, so the spec lists no devices.
 */
function defaultDeviceRules(): OciDeviceRule[] {
  const allow = (major: number, minor: number): OciDeviceRule => ({ allow: true, type: "c", major, minor, access: "rwm" });
  return [
    { allow: false, access: "rwm" },
    allow(1, 5),
    allow(1, 3),
    allow(1, 9),
    allow(1, 8),
    allow(5, 0),
    allow(5, 1),
    { allow: false, type: "c", major: 10, minor: 229, access: "rwm" },
  ];
}

/** Privileged containers may use any device (Docker adds all host nodes too; berth does not). */
export function deviceRules(privileged: boolean, devices: readonly DeviceFromPath[]): OciDeviceRule[] {
  if (privileged) return [{ allow: true, access: "rwm" }];
  return [...defaultDeviceRules(), ...devices.map((d) => d.rule)];
}

export interface DeviceFromPath {
  device: OciDevice;
  rule: OciDeviceRule;
}

/**
 * oci/devices_linux.go DevicesFromPath: a device node (symlinks on the host resolved), or every
 * device below a directory, each with an allow rule for `permissions`.
 */
export function devicesFromPath(pathOnHost: string, pathInContainer: string, permissions: string): DeviceFromPath[] {
  if (!/^[rwm]{1,3}$/.test(permissions) || new Set(permissions).size !== permissions.length) {
    throw new InvalidArgumentError(`invalid device mode: ${permissions}`);
  }
  const fail = (reason: string) =>
    new InvalidArgumentError(`error gathering device information while adding custom device ${JSON.stringify(pathOnHost)}: ${reason}`);
  let resolved: string;
  let stat: fs.BigIntStats;
  try {
    resolved = fs.realpathSync(pathOnHost);
    stat = fs.statSync(resolved, { bigint: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw fail(code === "ENOENT" ? "no such file or directory" : (err as Error).message);
  }
  if (stat.isCharacterDevice() || stat.isBlockDevice()) {
    return [deviceEntry(stat, pathInContainer, permissions)];
  }
  const found = stat.isDirectory() ? devicesUnder(resolved, pathInContainer, permissions) : [];
  if (found.length === 0) throw fail("not a device node");
  return found;
}

function devicesUnder(dirOnHost: string, dirInContainer: string, permissions: string): DeviceFromPath[] {
  const found: DeviceFromPath[] = [];
  for (const entry of fs.readdirSync(dirOnHost, { withFileTypes: true })) {
    const hostPath = path.join(dirOnHost, entry.name);
    const containerPath = path.posix.join(dirInContainer, entry.name);
    if (entry.isDirectory()) found.push(...devicesUnder(hostPath, containerPath, permissions));
    else if (entry.isCharacterDevice() || entry.isBlockDevice()) {
      found.push(deviceEntry(fs.lstatSync(hostPath, { bigint: true }), containerPath, permissions));
    }
  }
  return found;
}

function deviceEntry(stat: fs.BigIntStats, pathInContainer: string, permissions: string): DeviceFromPath {
  const type = stat.isCharacterDevice() ? "c" : "b";
  // glibc's major()/minor() on a 64-bit dev_t.
  const major = Number(((stat.rdev >> 8n) & 0xfffn) | ((stat.rdev >> 32n) & 0xfffff000n));
  const minor = Number((stat.rdev & 0xffn) | ((stat.rdev >> 12n) & 0xffffff00n));
  return {
    device: {
      path: pathInContainer,
      type,
      major,
      minor,
      fileMode: Number(stat.mode & 0o7777n),
      uid: Number(stat.uid),
      gid: Number(stat.gid),
    },
    rule: { allow: true, type, major, minor, access: permissions },
  };
}
