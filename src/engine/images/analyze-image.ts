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

/** The merged tree as the layers so far make it: a directory has children, anything else a size.
 * Nested, so that a whiteout or an opaque directory costs what it removes, not the tree's size. */
interface TreeNode {
  size: number;
  children?: Map<string, TreeNode>;
}

interface PathRecord {
  cumulative: number;
  min: number;
  layers: number[];
  /** The occurrence's weight in each of `layers`. */
  sizes: number[];
}

/** What a layer's walk reports, as it goes: nothing is kept per layer. */
interface LayerSink {
  /** `dir`: directories come and go with their files and count in no total. */
  change(kind: LayerChange["kind"], path: string, size: number, dir: boolean): void;
  /** dive's occurrences: leaves with their weight. */
  leaf(path: string, size: number): void;
}

const IGNORE: LayerSink = { change: () => {}, leaf: () => {} };

export function analyzeImage(engine: Engine, ref: string): ImageAnalysis {
  const { image, layers, diffPath } = resolveLayers(engine, ref);
  const records = new Map<string, PathRecord>();
  const history = (image.config.history ?? []).filter((h) => !h.empty_layer);
  const tree: TreeNode = { size: 0, children: new Map() };
  let userBytes = 0;
  const analyses = layers.map((layer, index): LayerAnalysis => {
    const totals = { added: zero(), changed: zero(), removed: zero() };
    const bytes = walkLayer(diffPath(index), tree, {
      change(kind, _path, size, dir) {
        if (dir) return;
        const t = kind === "A" ? totals.added : kind === "C" ? totals.changed : totals.removed;
        t.count++;
        t.bytes += size;
      },
      leaf(path, size) {
        const record = records.get(path);
        if (!record) return void records.set(path, { cumulative: size, min: size, layers: [index], sizes: [size] });
        record.cumulative += size;
        if (size < record.min) record.min = size;
        record.layers.push(index);
        record.sizes.push(size);
      },
    });
    if (index > 0) userBytes += bytes;
    const entry = history[index];
    return {
      index,
      diffId: layer.diffId,
      size: layer.size,
      createdBy: entry?.created_by ?? "",
      comment: entry?.comment ?? "",
      ...totals,
      wastedBytes: 0,
    };
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
  const { layers, diffPath } = resolveLayers(engine, ref);
  if (index < 0 || index >= layers.length || !Number.isInteger(index)) {
    throw new InvalidArgumentError(`the image has ${layers.length} layers: --layer takes 0 to ${layers.length - 1}`);
  }
  const tree: TreeNode = { size: 0, children: new Map() };
  for (let i = 0; i < index; i++) walkLayer(diffPath(i), tree, IGNORE);
  const changes: LayerChange[] = [];
  walkLayer(diffPath(index), tree, { change: (kind, path, size) => void changes.push({ kind, path, size }), leaf: () => {} });
  // Stable: a path removed and added again in one layer keeps D before A.
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A stored layer's changes against the layers below it (any image holding it agrees: its chain ID names them all). */
export function chainLayerChanges(engine: Engine, chain: readonly LayerRecord[]): LayerChange[] {
  const tree: TreeNode = { size: 0, children: new Map() };
  const changes: LayerChange[] = [];
  chain.forEach((layer, i) => {
    const sink: LayerSink =
      i < chain.length - 1 ? IGNORE : { change: (kind, path, size) => void changes.push({ kind, path, size }), leaf: () => {} };
    walkLayer(engine.store.layers.diffPath(layer), tree, sink);
  });
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function resolveLayers(engine: Engine, ref: string) {
  const image = readImage(engine.store, engine.store.images.resolve(ref));
  const layers = image.layers;
  return { image, layers, diffPath: (i: number) => engine.store.layers.diffPath(layers[i]!) };
}

/** Applies one layer's unpacked dir to the tree, reporting to `sink`; returns the sizes of its files
 * (dive's layer size: its tar's file bytes). */
function walkLayer(root: string, tree: TreeNode, sink: LayerSink): number {
  let bytes = 0;
  // Only files with several names can be met again: the set stays as small as the layer's hard links.
  const seenInodes = new Set<string>();
  const visit = (rel: string, node: TreeNode): void => {
    const children = node.children!;
    const dir = `${root}${rel}`;
    const names = fs.readdirSync(dir).sort();
    if (rel !== "" && isOpaque(dir)) removeBelow(rel, node, new Set(names), sink);
    if (rel !== "" && names.length === 0) sink.leaf(rel, 0);
    for (const name of names) {
      const path = `${rel}/${name}`;
      const st = fs.lstatSync(`${root}${path}`);
      if (st.isCharacterDevice() && st.rdev === 0) {
        sink.leaf(path, removeChild(node, name, path, sink));
        continue;
      }
      const before = children.get(name);
      if (st.isDirectory()) {
        if (before?.children) {
          visit(path, before);
          continue;
        }
        if (before) removeChild(node, name, path, sink);
        sink.change("A", path, 0, true);
        const made: TreeNode = { size: 0, children: new Map() };
        children.set(name, made);
        visit(path, made);
        continue;
      }
      // A hard link's other names are tar entries of size 0, as dive reads them.
      let size = 0;
      if (st.isFile()) {
        const inode = st.nlink > 1 ? `${st.dev}:${st.ino}` : undefined;
        if (inode === undefined || !seenInodes.has(inode)) size = st.size;
        if (inode !== undefined) seenInodes.add(inode);
      }
      if (before?.children) removeChild(node, name, path, sink);
      sink.change(before && !before.children ? "C" : "A", path, size, false);
      sink.leaf(path, size);
      bytes += size;
      children.set(name, { size });
    }
  };
  visit("", tree);
  return bytes;
}

/** Takes `name` and what is below it out of `parent`, as D changes; returns the bytes it held. */
function removeChild(parent: TreeNode, name: string, path: string, sink: LayerSink): number {
  const node = parent.children!.get(name);
  if (!node) return 0;
  parent.children!.delete(name);
  return reportRemoved(node, path, sink);
}

function reportRemoved(node: TreeNode, path: string, sink: LayerSink): number {
  sink.change("D", path, node.size, node.children !== undefined);
  let freed = node.size;
  for (const [name, child] of node.children ?? []) freed += reportRemoved(child, `${path}/${name}`, sink);
  return freed;
}

/** An opaque directory hides what the layers below hold in it: each child it does not hold again is gone. */
function removeBelow(rel: string, node: TreeNode, kept: ReadonlySet<string>, sink: LayerSink): void {
  const gone = [...node.children!.keys()].filter((name) => !kept.has(name)).sort();
  for (const name of gone) {
    const path = `${rel}/${name}`;
    sink.leaf(path, removeChild(node, name, path, sink));
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
