// The create request's sharing options that need no other container: --userns, --cgroupns,
// --cgroup-parent, --storage-opt, --group-add, --sysctl and --annotation, checked at create with
// dockerd 20.10's words and turned into the HostConfig fields inspect shows.
import * as fs from "node:fs";
import { posix } from "node:path";
import { taskCgroupPath } from "../../runtime/cgroup-processes.js";
import { InvalidArgumentError, NotImplementedError, SystemError } from "../../errors.js";

export interface ShareRequest {
  UsernsMode?: string | undefined;
  CgroupnsMode?: string | undefined;
  CgroupParent?: string | undefined;
  StorageOpt?: Record<string, string> | undefined;
  GroupAdd?: string[] | null | undefined;
  Sysctls?: Record<string, string> | undefined;
  Annotations?: Record<string, string> | undefined;
}

export interface ShareOptions {
  UsernsMode: string;
  CgroupnsMode: string;
  CgroupParent: string;
  GroupAdd: string[] | null;
  Sysctls?: Record<string, string>;
  Annotations?: Record<string, string>;
}

/** Docker 20.10's default: a private cgroup namespace on cgroup v2 hosts, the host's on v1. */
export function defaultCgroupnsMode(cgroupRoot = "/sys/fs/cgroup"): "host" | "private" {
  return fs.existsSync(`${cgroupRoot}/cgroup.controllers`) ? "private" : "host";
}

/** `storeRoot` is where the writable layers live: the filesystem a size limit would need quotas on. */
export function checkShareOptions(req: ShareRequest, storeRoot: string): ShareOptions {
  const userns = req.UsernsMode ?? "";
  // berth maps no user namespaces (dockerd without --userns-remap takes "" and "host" only).
  if (userns !== "" && userns !== "host") throw new InvalidArgumentError("--userns: invalid USER mode");
  const cgroupns = req.CgroupnsMode ?? "";
  if (cgroupns !== "" && cgroupns !== "host" && cgroupns !== "private") {
    throw new InvalidArgumentError(`invalid cgroup namespace mode: ${cgroupns}`);
  }
  if (req.StorageOpt && Object.keys(req.StorageOpt).length > 0) refuseStorageOpt(storeRoot);
  const parent = req.CgroupParent ?? "";
  if (parent.split("/").includes("..")) throw new InvalidArgumentError(`invalid cgroup parent: ${parent}`);
  const groups = req.GroupAdd ?? null;
  return {
    UsernsMode: userns,
    CgroupnsMode: cgroupns || defaultCgroupnsMode(),
    CgroupParent: parent,
    GroupAdd: groups && groups.length ? [...groups] : null,
    ...(req.Sysctls && Object.keys(req.Sysctls).length ? { Sysctls: sortedMap(req.Sysctls) } : {}),
    ...(req.Annotations && Object.keys(req.Annotations).length ? { Annotations: sortedMap(req.Annotations) } : {}),
  };
}

/** Go's encoding/json writes a map's keys sorted; inspect shows them so. */
function sortedMap(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(map)
      .sort()
      .map((k) => [k, map[k]!]),
  );
}

/** statfs magic of XFS, the only filesystem whose project quotas overlay2 sizes containers with. */
const XFS_MAGIC = 0x58465342;

/**
 * dockerd's overlay2 refuses any storage option unless its backing filesystem is xfs mounted with
 * pquota; berth's overlay store sets no project quotas at all, so it refuses them everywhere,
 * with Docker's words where Docker would refuse them too.
 */
function refuseStorageOpt(backing: string): never {
  let type = 0;
  try {
    type = Number(fs.statfsSync(backing).type);
  } catch {
    // An unreadable backing filesystem is not xfs as far as this check goes.
  }
  if (type !== XFS_MAGIC) throw new SystemError("--storage-opt is supported only for overlay over xfs with 'pquota' mount option");
  throw new NotImplementedError("berth does not implement --storage-opt (xfs project quotas) yet");
}

/** Where the container's cgroup is, below each controller's root: `/berth/ID` or `PARENT/ID`. */
export function containerCgroupsPath(id: string, parent: string | undefined): string {
  // A relative parent is taken from the root: runc would resolve it against berth's own cgroup,
  // which differs per controller and per berth process, as it does for dockerd.
  return parent ? posix.join("/", parent, id) : taskCgroupPath(id);
}
