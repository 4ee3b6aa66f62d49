// `rm`: a container goes when it is not running (or with force, after a kill); its rootfs is
// unmounted, its runtime state deleted and what the runtime kept for it forgotten, its directory
// and row removed, and with -v its anonymous volumes too.
import { recordContainerEvent } from "../events.js";
import type { Engine } from "../engine.js";
import { ConflictError } from "../../errors.js";
import { resolveContainer } from "./container-state.js";
import { containerRuntime } from "./container-runtime.js";
import { killAndSettle, releaseRun } from "./container-exit.js";
import { removeTree } from "../../sys/remove-tree.js";

export async function removeContainer(engine: Engine, idOrName: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
  let record = resolveContainer(engine, idOrName);
  if (record.state.Running) {
    if (!opts.force) {
      throw new ConflictError(
        `You cannot remove a ${record.state.Paused ? "paused" : "running"} container ${record.spec.id}. Stop the container before attempting removal or force remove`,
      );
    }
    await killAndSettle(engine, record);
    record = resolveContainer(engine, record.spec.id);
  }
  await releaseRun(engine, record);
  const runtime = containerRuntime(engine, record.spec);
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
  const leftovers = [() => runtime.forget(record.spec.id), () => removeTree(`${engine.config.runroot}/locks/${record.spec.id}`)];
  for (const remove of leftovers) {
    try {
      remove();
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
