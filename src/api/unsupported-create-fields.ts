// The create body's fields berth does not implement yet, refused when a client sets them instead
// of dropped: a container made without the sysctl, CPU share or volumes of another its user asked for
// starts, and fails later, far from the cause. Clients send most of them on every create with
// Go's zero value (the docker CLI all, docker-compose `VolumesFrom: []`), which
// means "not set" and passes. The CLI refuses the same settings as flags (src/cli/unsupported.ts).
// Remove an entry when berth gains the field.
import { NotImplementedError } from "../errors.js";

/** HostConfig field → the docker run flag that sets it. */
const HOST_FIELDS: Readonly<Record<string, string>> = {
  Cgroup: "--cgroup",
  MaskedPaths: "--security-opt systempaths=unconfined",
  ReadonlyPaths: "--security-opt systempaths=unconfined",
};

/** container.Config fields. */
const CONFIG_FIELDS: Readonly<Record<string, string>> = {
  NetworkDisabled: "HostConfig.NetworkMode none does the same",
};

/** Throws NotImplementedError naming the first field of the body that is set and that berth lacks. */
export function refuseUnsupportedCreateFields(body: Record<string, unknown>, host: Record<string, unknown>): void {
  for (const [key, flag] of Object.entries(CONFIG_FIELDS)) {
    if (isSet(key, body[key])) throw new NotImplementedError(`berth does not implement ${key} (${flag}) yet`);
  }
  for (const [key, flag] of Object.entries(HOST_FIELDS)) {
    if (isSet(key, host[key])) throw new NotImplementedError(`berth does not implement HostConfig.${key} (${flag}) yet`);
  }
}

/**
 * Anything but Go's zero value; an empty
 * MaskedPaths or ReadonlyPaths is set: it is how the CLI sends systempaths=unconfined (mask nothing).
 */
function isSet(key: string, value: unknown): boolean {
  if (value === undefined || value === null || value === "" || value === 0 || value === false) return false;
  if (key === "MaskedPaths" || key === "ReadonlyPaths") return true;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}
