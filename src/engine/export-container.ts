// `export`: the container's filesystem as one flat tar: no whiteouts, no layer metadata.
import type { Readable } from "node:stream";
import type { Engine } from "./engine.js";
import { resolveContainer } from "./container-state.js";
import { isMounted, mountRootfs, unmountRootfs } from "./container-rootfs.js";
import { containerPaths } from "./container-paths.js";
import { packTree } from "../archive/pack.js";

/**
 * The tar stream; a stopped container's rootfs is mounted for the read, and `finished()`, called
 * once the stream is consumed, unmounts it again.
 */
export function exportContainer(engine: Engine, idOrName: string): { stream: Readable; finished(): void } {
  const record = resolveContainer(engine, idOrName);
  const merged = containerPaths(engine, record.spec.id).merged;
  const mountedHere = !isMounted(merged);
  mountRootfs(engine, record.spec);
  return {
    stream: packTree(merged),
    finished: () => {
      if (mountedHere && !resolveContainer(engine, record.spec.id).state.Running) unmountRootfs(engine, record.spec.id);
    },
  };
}
