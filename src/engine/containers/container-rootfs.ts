// Mounting a container's root filesystem: its writable layer over its init layer over the image's
// layers, on kernel overlayfs. Idempotent both ways, so start, cleanup and rm can all call it.
//
// Several processes touch one mount: the container's start, conmon's cleanup when it exits, and
// export/cp reading a stopped container. A per-container lock orders them, so that a cleanup never
// unmounts the tree an export is reading, and an export never unmounts a tree a start has just
// handed to the runtime.
import * as fs from "node:fs";
import type { Engine } from "../engine.js";
import type { ContainerRecord, ContainerSpec } from "../../store/container-store.js";
import { containerPaths } from "./container-paths.js";
import { resolveContainer } from "./container-state.js";
import { containerRuntime } from "./container-runtime.js";
import { mountAll, mountsBelow, unmount, type Mount } from "../../sys/mount.js";
import { lockExclusive, type FileLock } from "../../sys/file-lock.js";

export function isMounted(path: string): boolean {
  return mountsBelow(fs.readFileSync("/proc/self/mountinfo", "utf8"), path).includes(path);
}

export function mountRootfs(engine: Engine, spec: ContainerSpec): string {
  const { merged } = containerPaths(engine, spec.id);
  if (isMounted(merged)) return merged;
  mountAll(engine.store.layers.mounts(spec.id), merged);
  return merged;
}

/**
 * Mounts a container's snapshot for the length of `use`, for a create whose transaction has not
 * committed yet: nobody else can know of the container, so no lock.
 */
export function withNewRootfs<T>(engine: Engine, snapshot: { id: string; mounts: readonly Mount[] }, use: (rootfs: string) => T): T {
  const { merged } = containerPaths(engine, snapshot.id);
  mountAll(snapshot.mounts, merged);
  try {
    return use(merged);
  } finally {
    unmount(merged);
  }
}

/** Unmounts the rootfs and anything the runtime left mounted below it. */
export function unmountRootfs(engine: Engine, id: string): void {
  const { merged } = containerPaths(engine, id);
  for (const mount of mountsBelow(fs.readFileSync("/proc/self/mountinfo", "utf8"), merged)) unmount(mount);
}

/** Held while a process mounts, unmounts or reads a container's rootfs. */
export async function lockRootfs(engine: Engine, id: string): Promise<FileLock> {
  const dir = `${engine.config.runroot}/locks`;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return lockExclusive(`${dir}/${id}`);
}

export interface BorrowedRootfs {
  record: ContainerRecord;
  rootfs: string;
  /** Unmounts the rootfs again unless the runtime holds the container; then lets others at it. */
  giveBack(): void;
}

/** The container's mounted rootfs, for a reader or writer that is not the container itself. */
export async function borrowRootfs(engine: Engine, idOrName: string): Promise<BorrowedRootfs> {
  const id = resolveContainer(engine, idOrName).spec.id;
  const lock = await lockRootfs(engine, id);
  try {
    const record = resolveContainer(engine, id);
    const rootfs = mountRootfs(engine, record.spec);
    let given = false;
    return {
      record,
      rootfs,
      giveBack: () => {
        if (given) return;
        given = true;
        try {
          if (!heldByRuntime(engine, resolveContainer(engine, id))) unmountRootfs(engine, id);
        } finally {
          lock.release();
        }
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** Created or running: the runtime keeps state for it until cleanup deletes that state. */
function heldByRuntime(engine: Engine, record: ContainerRecord): boolean {
  return record.state.Running || containerRuntime(engine, record.spec).hasTask(record.spec.id);
}
