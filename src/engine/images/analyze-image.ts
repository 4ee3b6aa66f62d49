// `image analyze`: what each layer of an image adds, changes and removes, and the bytes an image
// carries for nothing — files that a later layer overwrites or deletes, and files that appear in
// several layers. Read from the store's unpacked layer dirs (overlay's format: whiteouts are 0/0
// character devices, an opaque directory hides what is below it), one walk per layer, no file
// content read.
//
// The efficiency score and the wasted bytes are computed as dive computes them (its
// image/efficiency.go), so the numbers compare with dive's on the same image: every leaf of every
// layer (a file, a link, an empty directory, a whiteout) is an occurrence of its path; a whiteout
// weighs what it hides. A path's occurrences add up to its cumulative size; the smallest is what
// the image needs of it. Efficiency = Σ smallest / Σ cumulative; a path seen in two layers or more
// wastes its cumulative size; the user's share is that over the bytes of every layer but the first.
import * as fs from "node:fs";
import type { Engine } from "../engine.js";
import { readImage } from "./read-image.js";
import { lgetxattr } from "../../sys/linux.js";
import { InvalidArgumentError } from "../../errors.js";
import type { LayerRecord } from "../../store/layer-store.js";

export interface ChangeTotals {
  count: number;
  bytes: number;
}

export interface LayerAnalysis {
  index: number;
  diffId: string;
  /** The layer's unpacked size. */
  size: number;
  /** The history entry that made it (Docker's CREATED BY), "" when the history does not say. */
  createdBy: string;
  comment: string;
  /** Files, links and other non-directories: directories come and go with them. */
  added: ChangeTotals;
  changed: ChangeTotals;
  removed: ChangeTotals;
  /** This layer's share of the image's wasted bytes: its occurrences of the paths that waste. */
  wastedBytes: number;
}

export interface WastedPath {
  path: string;
  /** How many layers hold the path (a whiteout counts). */
  count: number;
  /** Its cumulative size over those layers. */
  bytes: number;
  /** The layers' indexes, base first. */
  layers: number[];
}

export interface ImageAnalysis {
  id: string;
  size: number;
  layers: LayerAnalysis[];
  /** 0..1; 1 when nothing is stored twice. */
  efficiency: number;
  wastedBytes: number;
  /** Wasted bytes over the bytes of every layer but the base one (0..1; 0 when there are none). */
  userWastedPercent: number;
  /** Paths that waste bytes, the most wasteful first. */
  wasted: WastedPath[];
}

export interface LayerChange {
  kind: "A" | "C" | "D";
  path: string;
  /** A file's size; what a deletion frees; 0 for directories. */
  size: number;
}

/** One entry of the merged tree as the layers so far make it. */
interface TreeEntry {
  size: number;
  dir: boolean;
}

interface PathRecord {
  cumulative: number;
  min: number;
  layers: number[];
  /** The occurrence's weight in each of `layers`. */
  sizes: number[];
}

export function analyzeImage(engine: Engine, ref: string): ImageAnalysis {
  const { image, layers, walks } = walkImage(engine, ref);
  const records = new Map<string, PathRecord>();
  const analyses: LayerAnalysis[] = [];
  const history = (image.config.history ?? []).filter((h) => !h.empty_layer);
  walks.forEach((walk, index) => {
    const totals = { added: zero(), changed: zero(), removed: zero() };
    for (const c of walk.changes) {
      if (c.dir) continue;
      const t = c.kind === "A" ? totals.added : c.kind === "C" ? totals.changed : totals.removed;
      t.count++;
      t.bytes += c.size;
    }
    for (const leaf of walk.leaves) {
      const record = records.get(leaf.path) ?? { cumulative: 0, min: -1, layers: [], sizes: [] };
      record.cumulative += leaf.size;
      if (record.min < 0 || leaf.size < record.min) record.min = leaf.size;
      record.layers.push(index);
      record.sizes.push(leaf.size);
      records.set(leaf.path, record);
    }
    const entry = history[index];
    analyses.push({
      index,
      diffId: layers[index]!.diffId,
      size: layers[index]!.size,
      createdBy: entry?.created_by ?? "",
      comment: entry?.comment ?? "",
      ...totals,
      wastedBytes: 0,
    });
  });
  let minimum = 0;
  let cumulative = 0;
  const wasted: WastedPath[] = [];
  for (const [path, r] of records) {
    minimum += r.min;
    cumulative += r.cumulative;
    if (r.layers.length < 2) continue;
    wasted.push({ path, count: r.layers.length, bytes: r.cumulative, layers: r.layers });
    r.layers.forEach((layer, i) => (analyses[layer]!.wastedBytes += r.sizes[i]!));
  }
  wasted.sort((a, b) => b.bytes - a.bytes || b.count - a.count || (a.path < b.path ? -1 : 1));
  const wastedBytes = wasted.reduce((sum, w) => sum + w.bytes, 0);
  const userBytes = walks.slice(1).reduce((sum, w) => sum + w.bytes, 0);
  return {
    id: image.record.id,
    size: layers.reduce((sum, l) => sum + l.size, 0),
    layers: analyses,
    efficiency: cumulative === 0 ? 1 : minimum / cumulative,
    wastedBytes,
    userWastedPercent: userBytes === 0 ? 0 : wastedBytes / userBytes,
    wasted,
  };
}

/** `--layer N`: that layer's changes against the layers below it, as `diff` prints them, by path. */
export function layerChanges(engine: Engine, ref: string, index: number): LayerChange[] {
  const { walks } = walkImage(engine, ref, index);
  const walk = walks[index];
  if (!walk) throw new InvalidArgumentError(`the image has ${walks.length} layers: --layer takes 0 to ${walks.length - 1}`);
  return walk.changes
    .map(({ kind, path, size }) => ({ kind, path, size }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A stored layer's changes against the layers below it (any image holding it agrees: its chain ID names them all). */
export function chainLayerChanges(engine: Engine, chain: readonly LayerRecord[]): LayerChange[] {
  const tree = new Map<string, TreeEntry>();
  let walk: LayerWalk | undefined;
  for (const layer of chain) walk = walkLayer(engine.store.layers.diffPath(layer), tree);
  return (walk?.changes ?? [])
    .map(({ kind, path, size }) => ({ kind, path, size }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

interface LayerWalk {
  changes: (LayerChange & { dir: boolean })[];
  /** dive's occurrences: leaves with their weight. */
  leaves: { path: string; size: number }[];
  /** The sizes of the layer's files (dive's layer size: its tar's file bytes). */
  bytes: number;
}

/** Walks the layers base first, up to `last`, keeping the merged tree between them. */
function walkImage(engine: Engine, ref: string, last = Infinity) {
  const image = readImage(engine.store, engine.store.images.resolve(ref));
  const layers = image.layers;
  if (Number.isFinite(last) && (last < 0 || last >= layers.length || !Number.isInteger(last))) {
    throw new InvalidArgumentError(`the image has ${layers.length} layers: --layer takes 0 to ${layers.length - 1}`);
  }
  const tree = new Map<string, TreeEntry>();
  const walks: LayerWalk[] = [];
  for (let i = 0; i < layers.length && i <= last; i++) {
    walks.push(walkLayer(engine.store.layers.diffPath(layers[i]!), tree));
  }
  return { image, layers, walks };
}

function walkLayer(root: string, tree: Map<string, TreeEntry>): LayerWalk {
  const walk: LayerWalk = { changes: [], leaves: [], bytes: 0 };
  const seenInodes = new Set<string>();
  const visit = (rel: string): void => {
    const dir = `${root}${rel}`;
    if (rel !== "" && isOpaque(dir)) removeBelow(rel, tree, walk, new Set(fs.readdirSync(dir)));
    const names = fs.readdirSync(dir).sort();
    if (rel !== "" && names.length === 0) walk.leaves.push({ path: rel, size: 0 });
    for (const name of names) {
      const path = `${rel}/${name}`;
      const st = fs.lstatSync(`${root}${path}`);
      if (st.isCharacterDevice() && st.rdev === 0) {
        const freed = removeSubtree(path, tree, walk);
        walk.leaves.push({ path, size: freed });
        continue;
      }
      const before = tree.get(path);
      if (st.isDirectory()) {
        if (before && !before.dir) removeSubtree(path, tree, walk);
        if (!before || !before.dir) walk.changes.push({ kind: "A", path, size: 0, dir: true });
        tree.set(path, { size: 0, dir: true });
        visit(path);
        continue;
      }
      // A hard link's other names are tar entries of size 0, as dive reads them.
      const inode = `${st.dev}:${st.ino}`;
      const size = st.isFile() && !seenInodes.has(inode) ? st.size : 0;
      if (st.isFile()) seenInodes.add(inode);
      if (before?.dir) removeSubtree(path, tree, walk);
      walk.changes.push({ kind: before && !before.dir ? "C" : "A", path, size, dir: false });
      walk.leaves.push({ path, size });
      walk.bytes += size;
      tree.set(path, { size, dir: false });
    }
  };
  visit("");
  return walk;
}

/** Takes `path` and what is below it out of the tree, as D changes; returns the bytes it held. */
function removeSubtree(path: string, tree: Map<string, TreeEntry>, walk: LayerWalk): number {
  let freed = 0;
  const prefix = `${path}/`;
  for (const [p, entry] of [...tree]) {
    if (p !== path && !p.startsWith(prefix)) continue;
    tree.delete(p);
    freed += entry.size;
    walk.changes.push({ kind: "D", path: p, size: entry.size, dir: entry.dir });
  }
  return freed;
}

/** An opaque directory hides what the layers below hold in it: each child it does not hold again is gone. */
function removeBelow(rel: string, tree: Map<string, TreeEntry>, walk: LayerWalk, kept: ReadonlySet<string>): void {
  const prefix = `${rel}/`;
  const children = new Set<string>();
  for (const p of tree.keys()) {
    if (!p.startsWith(prefix)) continue;
    const child = p.slice(prefix.length).split("/")[0]!;
    if (!kept.has(child)) children.add(child);
  }
  for (const child of [...children].sort()) {
    const path = `${prefix}${child}`;
    walk.leaves.push({ path, size: removeSubtree(path, tree, walk) });
  }
}

function isOpaque(dir: string): boolean {
  return lgetxattr(dir, "trusted.overlay.opaque")?.toString() === "y";
}

function zero(): ChangeTotals {
  return { count: 0, bytes: 0 };
}

/** The documented JSON of an analysis (`image analyze --format json`, `GET /images/{name}/analyze`). */
export function analysisJson(a: ImageAnalysis): Record<string, unknown> {
  const totals = (t: ChangeTotals) => ({ Count: t.count, Bytes: t.bytes });
  return {
    Id: a.id,
    Size: a.size,
    Efficiency: a.efficiency,
    WastedBytes: a.wastedBytes,
    UserWastedPercent: a.userWastedPercent,
    Layers: a.layers.map((l) => ({
      Index: l.index,
      DiffId: l.diffId,
      Size: l.size,
      CreatedBy: l.createdBy,
      Comment: l.comment,
      Added: totals(l.added),
      Changed: totals(l.changed),
      Removed: totals(l.removed),
      WastedBytes: l.wastedBytes,
    })),
    Wasted: a.wasted.map((w) => ({ Path: w.path, Count: w.count, Bytes: w.bytes, Layers: w.layers })),
  };
}

/** dive's CI rules: a threshold crossed fails the image. `undefined` disables a rule. */
export interface AnalysisLimits {
  lowestEfficiency?: number | undefined;
  highestWastedBytes?: number | undefined;
  highestUserWastedPercent?: number | undefined;
}

export interface RuleResult {
  rule: "lowestEfficiency" | "highestWastedBytes" | "highestUserWastedPercent";
  limit: number | undefined;
  value: number;
  passed: boolean;
}

export function checkAnalysis(a: ImageAnalysis, limits: AnalysisLimits): RuleResult[] {
  return [
    {
      rule: "lowestEfficiency",
      limit: limits.lowestEfficiency,
      value: a.efficiency,
      passed: a.efficiency >= (limits.lowestEfficiency ?? 0),
    },
    {
      rule: "highestWastedBytes",
      limit: limits.highestWastedBytes,
      value: a.wastedBytes,
      passed: limits.highestWastedBytes === undefined || a.wastedBytes <= limits.highestWastedBytes,
    },
    {
      rule: "highestUserWastedPercent",
      limit: limits.highestUserWastedPercent,
      value: a.userWastedPercent,
      passed: limits.highestUserWastedPercent === undefined || a.userWastedPercent <= limits.highestUserWastedPercent,
    },
  ];
}
