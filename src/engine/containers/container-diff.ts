// `diff`: what a container's processes changed, read from its writable layer, so the cost grows
// with the change and not with the image. A, C and D as Docker prints them, sorted by path.
//
// A directory of the writable layer is usually merged with the image's; but an opaque one (the
// container removed the directory and made it again) and everything below it is the whole
// directory: whatever the image has there and the writable layer lacks is gone, a D each, as
// Docker 20.10 prints them (`rm -rf /dir; mkdir /dir; touch /dir/new` gives C /dir, A /dir/new
// and D /dir/old for each lower entry).
import * as fs from "node:fs";
import type { Engine } from "../engine.js";
import { resolveContainer } from "./container-state.js";
import { lgetxattr } from "../../sys/linux.js";
import { pathBoundsProblem } from "../../archive/path-bounds.js";
import { InvalidArgumentError } from "../../errors.js";

export interface Change {
  kind: "A" | "C" | "D";
  path: string;
}

export function containerChanges(engine: Engine, idOrName: string): Change[] {
  const record = resolveContainer(engine, idOrName);
  const snapshot = engine.store.layers.dirs(record.spec.id);
  const changes: Change[] = [];
  walk(snapshot.upper, "", snapshot.lower, false, changes);
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * `complete`: the upper directory at `rel` hides the image's (it or a parent is opaque), so an
 * entry of the image that it lacks was deleted.
 */
function walk(upper: string, rel: string, lowers: readonly string[], complete: boolean, out: Change[]): void {
  // The entry types readdir gives spare an lstat of each entry; only a character device (a
  // whiteout, or a device node the container made) needs one.
  const entries = fs.readdirSync(`${upper}${rel}`, { withFileTypes: true });
  for (const entry of entries) {
    const path = `${rel}/${entry.name}`;
    // The same bound as commit's: deeper than a layer may hold, the walk would end in a bare
    // ENAMETOOLONG; the change cannot be committed either, and the user is told why.
    const tooBig = pathBoundsProblem(path.slice(1));
    if (tooBig) throw new InvalidArgumentError(`cannot list the changes: ${tooBig}`);
    if (entry.isCharacterDevice() && isWhiteout(fs.lstatSync(`${upper}${path}`))) {
      out.push({ kind: "D", path });
      continue;
    }
    const existed = lowers.length > 0 && imageEntry(lowers, path) !== undefined;
    out.push({ kind: existed ? "C" : "A", path });
    // Below a new directory nothing of the image shows: the lower layers need no more looking at.
    if (entry.isDirectory()) walk(upper, path, existed ? lowers : [], complete || isOpaque(`${upper}${path}`), out);
  }
  if (!complete || lowers.length === 0) return;
  const kept = new Set(entries.map((e) => e.name));
  for (const name of imageChildren(lowers, rel)) if (!kept.has(name)) out.push({ kind: "D", path: `${rel}/${name}` });
}

interface LayerLookup {
  /** What this layer holds at the path (a whiteout included); undefined when nothing. */
  st: fs.Stats | undefined;
  /** This layer hides the path in the layers below it: a whiteout, a file or an opaque directory above or at it. */
  hidesBelow: boolean;
}

/** How one layer treats `path` ("/a/b"): what it holds there and whether lower layers still count. */
function lookup(layer: string, path: string): LayerLookup {
  const parts = path.split("/").filter(Boolean);
  let hidesBelow = false;
  for (let i = 1; i < parts.length; i++) {
    const dir = `${layer}/${parts.slice(0, i).join("/")}`;
    const st = lstatOrUndefined(dir);
    if (!st) return { st: undefined, hidesBelow };
    if (!st.isDirectory()) return { st: undefined, hidesBelow: true };
    if (isOpaque(dir)) hidesBelow = true;
  }
  const st = lstatOrUndefined(`${layer}${path}`);
  return { st, hidesBelow: hidesBelow || (st !== undefined && !st.isDirectory()) };
}

/** What the image (its layers, top first) shows at `path`, or undefined. */
function imageEntry(lowers: readonly string[], path: string): fs.Stats | undefined {
  for (const layer of lowers) {
    const { st, hidesBelow } = lookup(layer, path);
    if (st) return isWhiteout(st) ? undefined : st;
    if (hidesBelow) return undefined;
  }
  return undefined;
}

/** The names the image shows in directory `dir` ("" for the root), merged over its layers. */
function imageChildren(lowers: readonly string[], dir: string): string[] {
  const seen = new Map<string, boolean>();
  for (const layer of lowers) {
    const { st, hidesBelow } = lookup(layer, dir);
    if (st && st.isDirectory()) {
      for (const name of fs.readdirSync(`${layer}${dir}`)) {
        if (!seen.has(name)) seen.set(name, !isWhiteout(fs.lstatSync(`${layer}${dir}/${name}`)));
      }
      if (isOpaque(`${layer}${dir}`)) break;
    }
    if (hidesBelow) break;
  }
  return [...seen].filter(([, shown]) => shown).map(([name]) => name);
}

function isWhiteout(st: fs.Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

function lstatOrUndefined(path: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(path);
  } catch {
    return undefined;
  }
}

function isOpaque(dir: string): boolean {
  try {
    return lgetxattr(dir, "trusted.overlay.opaque")?.toString() === "y";
  } catch {
    return false; // absent in this layer
  }
}
