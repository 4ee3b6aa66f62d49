// Where a container's own files live, under --root: its hosts files and log (its layers are the
// store's, see LayerStore.dirs). What the runtime keeps for it (the OCI bundle, the monitor's
// sockets, exit record and state) is the runtime's, under --runroot, which a reboot empties.
import type { Engine } from "../engine.js";

export interface ContainerPaths {
  dir: string;
  /** Where the rootfs is mounted. */
  merged: string;
  userdata: string;
  logPath: string;
}

export function containerPaths(engine: Engine, id: string): ContainerPaths {
  const dir = `${engine.store.containersDir}/${id}`;
  return {
    dir,
    merged: `${dir}/merged`,
    userdata: `${dir}/userdata`,
    logPath: `${dir}/userdata/ctr.log`,
  };
}
