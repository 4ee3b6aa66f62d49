// `diff`: what a container's processes changed, read from its writable layer alone, so the cost
// grows with the change and not with the image. A, C and D as Docker prints them, sorted by path.
import * as fs from "node:fs";
import type { Engine } from "./engine.js";
import { resolveContainer } from "./container-state.js";
import { containerPaths } from "./container-paths.js";
import { lgetxattr } from "../sys/linux.js";

export interface Change {
  kind: "A" | "C" | "D";
  path: string;
}

export function containerChanges(engine: Engine, idOrName: string): Change[] {
  const record = resolveContainer(engine, idOrName);
  const paths = containerPaths(engine, record.spec.id);
  const layers = record.spec.topLayer ? engine.store.layers.chain(record.spec.topLayer) : [];
  const lowers = [paths.init, ...layers.map((l) => engine.store.layers.diffPath(l))];
  const changes: Change[] = [];
  walk(paths.upper, "", lowers, changes);
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function walk(upper: string, rel: string, lowers: readonly string[], out: Change[]): void {
  for (const name of fs.readdirSync(`${upper}${rel}`)) {
    const path = `${rel}/${name}`;
    const st = fs.lstatSync(`${upper}${path}`);
    if (st.isCharacterDevice() && st.rdev === 0) {
      out.push({ kind: "D", path });
      continue;
    }
    const existed = lowers.length > 0 && existsBelow(lowers, path);
    out.push({ kind: existed ? "C" : "A", path });
    if (st.isDirectory()) {
      // Below a new or opaque directory nothing of the lower layers shows: every entry is new,
      // and the lower layers need no more looking at.
      const opaque = existed && isOpaque(`${upper}${path}`);
      walk(upper, path, existed && !opaque ? lowers : [], out);
    }
  }
}

/** Whether the image (its layers, top first) shows `path`: a whiteout or an opaque parent hides it. */
function existsBelow(lowers: readonly string[], path: string): boolean {
  const parts = path.split("/").filter(Boolean);
  for (const lower of lowers) {
    let hidden = false;
    for (let i = 1; i < parts.length; i++) {
      const dir = `${lower}/${parts.slice(0, i).join("/")}`;
      if (isOpaque(dir)) hidden = true;
    }
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(`${lower}${path}`);
    } catch {
      st = undefined;
    }
    if (st) return !(st.isCharacterDevice() && st.rdev === 0);
    if (hidden) return false;
  }
  return false;
}

function isOpaque(dir: string): boolean {
  try {
    return lgetxattr(dir, "trusted.overlay.opaque")?.toString() === "y";
  } catch {
    return false; // absent in this layer
  }
}
