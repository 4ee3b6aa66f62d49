// `rm`: a container goes when it is not running (or with force, after a kill); its rootfs is
// unmounted, its runtime state deleted, its directory and row removed, and with -v its
// anonymous volumes too.
import { recordContainerEvent } from "../events.js";
import type { Engine } from "../engine.js";
import { ConflictError } from "../../errors.js";
import { resolveContainer } from "./container-state.js";
import { lockRootfs, unmountRootfs } from "./container-rootfs.js";
import { containerPaths } from "./container-paths.js";
import { removeTree } from "../../sys/remove-tree.js";
import type { ContainerRecord } from "../../store/container-store.js";

export interface RuntimeCleanup {
  /** Kills and waits for a running container (force removal). */
  killAndWait(engine: Engine, record: ContainerRecord): Promise<void>;
  /** Deletes the runtime's state of a stopped container (runc delete). */
  deleteRuntimeState(engine: Engine, record: ContainerRecord): Promise<void>;
}

export async function removeContainer(
  engine: Engine,
  idOrName: string,
  opts: { force?: boolean; volumes?: boolean; runtime: RuntimeCleanup },
): Promise<void> {
  let record = resolveContainer(engine, idOrName);
  if (record.state.Running) {
    if (!opts.force) {
      throw new ConflictError(
        `You cannot remove a ${record.state.Paused ? "paused" : "running"} container ${record.spec.id}. Stop the container before attempting removal or force remove`,
      );
    }
    await opts.runtime.killAndWait(engine, record);
    record = resolveContainer(engine, record.spec.id);
  }
  const rootfsLock = await lockRootfs(engine, record.spec.id);
  try {
    await opts.runtime.deleteRuntimeState(engine, record);
    unmountRootfs(engine, record.spec.id);
  } finally {
    rootfsLock.release();
  }
  const paths = containerPaths(engine, record.spec.id);
  const { store } = engine;
  store.write((trash) => {
    if (!store.containers.get(record.spec.id)) return;
    store.containers.delete(record.spec.id);
    store.layers.remove(record.spec.id, trash);
    // In the transaction: a container removed by two processes at once is destroyed once.
    recordContainerEvent(engine, record.spec, "destroy");
    if (opts.volumes) {
      for (const m of record.spec.mounts) {
        const volume = m.Type === "volume" && m.Name ? store.volumes.get(m.Name) : undefined;
        if (volume?.anonymous && store.volumes.users(volume.name).length === 0) store.volumes.remove(volume.name, trash);
      }
    }
  });
  // The container is gone from the store by now: what stays in the run dir is reported, not raised.
  for (const path of [
    paths.bundle,
    `${paths.exitDir}/${record.spec.id}`,
    `${paths.socketDir}/${record.spec.id}`,
    `${engine.config.runroot}/locks/${record.spec.id}`,
  ]) {
    try {
      removeTree(path);
    } catch (err) {
      engine.log.warn((err as Error).message);
    }
  }
}

export function renameContainer(engine: Engine, idOrName: string, newName: string, validate: (n: string) => string): void {
  const name = validate(newName);
  const { store } = engine;
  const renamed = store.write(() => {
    const record = store.containers.resolve(idOrName);
    if (record.spec.name === name) throw new ConflictError(`Renaming a container with the same name as its current name`);
    store.containers.checkName(name);
    store.containers.setSpec({ ...record.spec, name });
    return record.spec;
  });
  recordContainerEvent(engine, { ...renamed, name }, "rename", { oldName: `/${renamed.name}` });
}
