// Where a container's files live: persistent ones under --root (hosts files, logs; its layers are
// the store's, see LayerStore.dirs), run-time ones under --runroot (the OCI bundle, conmon's
// sockets and pid files, runc's state), which a reboot empties.
import type { Engine } from "../engine.js";

export interface ContainerPaths {
  dir: string;
  /** Where the rootfs is mounted. */
  merged: string;
  userdata: string;
  logPath: string;
  bundle: string;
  runtimeRoot: string;
  exitDir: string;
  socketDir: string;
  persistDir: string;
  /** The cgroup runc puts the container in, below each controller's root. */
  cgroupsPath: string;
}

export function containerPaths(engine: Engine, id: string): ContainerPaths {
  const dir = `${engine.store.containersDir}/${id}`;
  const run = engine.config.runroot;
  return {
    dir,
    merged: `${dir}/merged`,
    userdata: `${dir}/userdata`,
    logPath: `${dir}/userdata/ctr.log`,
    bundle: `${run}/containers/${id}`,
    runtimeRoot: `${run}/runc`,
    exitDir: `${run}/exits`,
    // conmon makes <socketDir>/<id>/attach; a short base keeps it inside sun_path's 108 bytes.
    socketDir: `${run}/s`,
    persistDir: `${dir}/userdata/conmon`,
    cgroupsPath: `/berth/${id}`,
  };
}
