// Where a container's own files live, under --root: its hosts files and log (its layers are the
// store's, see LayerStore.dirs). What the runtime keeps for it (the OCI bundle, the monitor's
// sockets, exit record and state) is the runtime's, under --runroot, which a reboot empties.
import type { Engine } from "../engine.js";
import { taskCgroupPath } from "../../runtime/cgroup-processes.js";

export interface ContainerPaths {
  dir: string;
  /** Where the rootfs is mounted. */
  merged: string;
  userdata: string;
  logPath: string;
  /** The cgroup runc puts the container in, below each controller's root: the runtime's rule, which finds it by it. */
  cgroupsPath: string;
}

export function containerPaths(engine: Engine, id: string): ContainerPaths {
  const dir = `${engine.store.containersDir}/${id}`;
  return {
    dir,
    merged: `${dir}/merged`,
    userdata: `${dir}/userdata`,
    logPath: `${dir}/userdata/ctr.log`,
    cgroupsPath: taskCgroupPath(id),
  };
}
