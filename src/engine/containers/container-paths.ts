// Where a container's own files live, under --root: its layers, hosts files and log. What the
// runtime keeps for it (the OCI bundle, the monitor's sockets, exit record and state) is the
// runtime's, under --runroot, which a reboot empties.
import type { Engine } from "../engine.js";

export interface ContainerPaths {
  dir: string;
  upper: string;
  work: string;
  init: string;
  merged: string;
  userdata: string;
  logPath: string;
  /** The cgroup runc puts the container in, below each controller's root. */
  cgroupsPath: string;
}

export function containerPaths(engine: Engine, id: string): ContainerPaths {
  const dir = `${engine.store.containersDir}/${id}`;
  return {
    dir,
    upper: `${dir}/diff`,
    work: `${dir}/work`,
    init: `${dir}/init`,
    merged: `${dir}/merged`,
    userdata: `${dir}/userdata`,
    logPath: `${dir}/userdata/ctr.log`,
    cgroupsPath: `/berth/${id}`,
  };
}
