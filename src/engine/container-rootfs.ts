// Mounting a container's root filesystem: its writable layer over its init layer over the image's
// layers, on kernel overlayfs. Idempotent both ways, so start, cleanup and rm can all call it.
import * as fs from "node:fs";
import type { Engine } from "./engine.js";
import type { ContainerSpec } from "../store/container-store.js";
import { containerPaths } from "./container-paths.js";
import { mountOverlay, mountsBelow, unmount } from "../sys/mount.js";

export function isMounted(path: string): boolean {
  return mountsBelow(fs.readFileSync("/proc/self/mountinfo", "utf8"), path).includes(path);
}

export function mountRootfs(engine: Engine, spec: ContainerSpec): string {
  const paths = containerPaths(engine, spec.id);
  if (isMounted(paths.merged)) return paths.merged;
  const layers = spec.topLayer ? engine.store.layers.chain(spec.topLayer) : [];
  const lower = [paths.init, ...layers.map((l) => engine.store.layers.diffPath(l))];
  mountOverlay({ lower, upper: paths.upper, work: paths.work, target: paths.merged });
  return paths.merged;
}

/** Unmounts the rootfs and anything the runtime left mounted below it. */
export function unmountRootfs(engine: Engine, id: string): void {
  const { merged } = containerPaths(engine, id);
  for (const mount of mountsBelow(fs.readFileSync("/proc/self/mountinfo", "utf8"), merged)) unmount(mount);
}
