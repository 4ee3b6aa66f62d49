// `export`: the container's filesystem as one flat tar: no whiteouts, no layer metadata.
import type { Readable } from "node:stream";
import type { Engine } from "../engine.js";
import { borrowRootfs } from "./container-rootfs.js";
import { packTree } from "../../archive/pack.js";

/**
 * The tar stream over the container's mounted rootfs; `finished()`, called once the stream is
 * consumed or abandoned, gives the rootfs back (a stopped container's is unmounted again).
 */
export async function exportContainer(engine: Engine, idOrName: string): Promise<{ stream: Readable; finished(): void }> {
  const borrowed = await borrowRootfs(engine, idOrName);
  return { stream: packTree(borrowed.rootfs), finished: () => borrowed.giveBack() };
}
