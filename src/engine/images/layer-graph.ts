// The store's images as one graph of layers: a node per stored layer (named by its chain ID, so
// images that share a base share its nodes), its parent, the history entry that made it and the
// images that hold it. What the web view draws; `GET /berth/layers` serves it.
//
// Wasted bytes come from `image analyze` (per image: a layer wastes in one image and not in
// another), so building the graph walks the store's unpacked layer dirs, never a file's content.
import type { Engine } from "../engine.js";
import type { Digest } from "../../image/digest.js";
import { familiarString, parseReference } from "../../image/reference.js";
import { NotFoundError } from "../../errors.js";
import { readImage } from "./read-image.js";
import { analyzeImage, chainLayerChanges, type ImageAnalysis, type LayerChange } from "./analyze-image.js";

export interface LayerNode {
  chainId: Digest;
  diffId: Digest;
  /** The chain ID of the layer below, null for a base layer. */
  parent: Digest | null;
  /** 0 for a base layer: the layer's index in every image that holds it. */
  depth: number;
  /** The unpacked size. */
  size: number;
  /** The history entry of the first image (by name) that holds it: Docker's CREATED BY. */
  createdBy: string;
  comment: string;
  created: string;
  /** Images whose top layer this is, and images that hold it anywhere (IDs, sorted). */
  topOf: Digest[];
  usedBy: Digest[];
  /** Its share of each holding image's wasted bytes (image analyze's per-layer WastedBytes). */
  wastedBytes: Record<string, number>;
}

export interface GraphImage {
  id: Digest;
  /** Familiar names (busybox:latest); none for a dangling image. */
  tags: string[];
  /** Chain IDs, base first. */
  layers: Digest[];
  size: number;
  wastedBytes: number;
  created: string;
}

export interface LayerGraph {
  images: GraphImage[];
  /** Base layers first, then by depth; within a depth by chain ID (a stable drawing order). */
  layers: LayerNode[];
}

// An image ID names its layers for good, so its analysis never changes: a long-lived process (the
// web view asks on every engine event) walks an image's layer dirs once, not on every redraw.
const analyses = new WeakMap<Engine, Map<string, ImageAnalysis>>();

/** Every layer that an image holds; layers no image holds (a build's cache) are left out. */
export function layerGraph(engine: Engine): LayerGraph {
  const { store } = engine;
  const known = analyses.get(engine) ?? new Map<string, ImageAnalysis>();
  analyses.set(engine, known);
  const present = new Set<string>();
  const nodes = new Map<Digest, LayerNode>();
  const images: GraphImage[] = [];
  const records = store.images.list().sort((a, b) => (a.names[0] ?? "~" + a.id).localeCompare(b.names[0] ?? "~" + b.id));
  for (const record of records) {
    const image = readImage(store, record);
    present.add(record.id);
    const analysis = known.get(record.id) ?? analyzeImage(engine, record.id);
    known.set(record.id, analysis);
    const history = (image.config.history ?? []).filter((h) => !h.empty_layer);
    image.layers.forEach((layer, depth) => {
      let node = nodes.get(layer.chainId);
      if (!node) {
        node = {
          chainId: layer.chainId,
          diffId: layer.diffId,
          parent: layer.parent,
          depth,
          size: layer.size,
          createdBy: history[depth]?.created_by ?? "",
          comment: history[depth]?.comment ?? "",
          created: history[depth]?.created ?? layer.created,
          topOf: [],
          usedBy: [],
          wastedBytes: {},
        };
        nodes.set(layer.chainId, node);
      }
      node.usedBy.push(record.id);
      if (depth === image.layers.length - 1) node.topOf.push(record.id);
      node.wastedBytes[record.id] = analysis.layers[depth]?.wastedBytes ?? 0;
    });
    images.push({
      id: record.id,
      tags: record.names.filter((n) => !n.includes("@")).map((n) => familiarString(parseReference(n))),
      layers: image.layers.map((l) => l.chainId),
      size: analysis.size,
      wastedBytes: analysis.wastedBytes,
      created: image.config.created ?? record.created,
    });
  }
  for (const id of known.keys()) if (!present.has(id)) known.delete(id);
  const layers = [...nodes.values()].sort((a, b) => a.depth - b.depth || (a.chainId < b.chainId ? -1 : 1));
  for (const node of layers) {
    node.topOf.sort();
    node.usedBy.sort();
  }
  return { images, layers };
}

/** A layer's file changes against the layers below it, as `image analyze --layer` lists them. */
export function layerNodeChanges(engine: Engine, chainId: string): LayerChange[] {
  const chain = engine.store.layers.chain(chainId as Digest).reverse();
  if (chain.length === 0) throw new NotFoundError(`No such layer: ${chainId}`);
  return chainLayerChanges(engine, chain);
}

/** The documented JSON of the graph (`GET /berth/layers`): Docker's casing, as analyze's. */
export function layerGraphJson(graph: LayerGraph): Record<string, unknown> {
  return {
    Images: graph.images.map((i) => ({
      Id: i.id,
      RepoTags: i.tags,
      Layers: i.layers,
      Size: i.size,
      WastedBytes: i.wastedBytes,
      Created: i.created,
    })),
    Layers: graph.layers.map((l) => ({
      ChainId: l.chainId,
      DiffId: l.diffId,
      Parent: l.parent,
      Depth: l.depth,
      Size: l.size,
      CreatedBy: l.createdBy,
      Comment: l.comment,
      Created: l.created,
      TopOf: l.topOf,
      UsedBy: l.usedBy,
      WastedBytes: l.wastedBytes,
    })),
  };
}
