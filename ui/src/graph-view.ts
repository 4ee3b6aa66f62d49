// The store's layers as a tree drawn by hand in SVG: depth left to right, one row per branch. A
// layer that several images hold is one node, so a commit shows as a node on top of its image's.
import { s } from "./dom.js";
import { humanSize, instruction, shortId } from "./format.js";
import type { GraphLayer, LayerGraphDoc } from "./types.js";

const W = 204;
const H = 66;
const GAP_X = 30;
const GAP_Y = 18;
const PAD = 12;

export interface GraphOptions {
  /** The image whose layers stand out, and whose wasted bytes the nodes show. */
  image: string | undefined;
  layer: string | undefined;
  onLayer(chainId: string): void;
  onImage(id: string): void;
}

interface Placed {
  layer: GraphLayer;
  x: number;
  y: number;
}

/** Rows: a node sits on its first child's row, so a chain of layers is one straight line. */
function place(doc: LayerGraphDoc): Placed[] {
  const known = new Set(doc.Layers.map((l) => l.ChainId));
  const children = new Map<string, GraphLayer[]>();
  const roots: GraphLayer[] = [];
  for (const layer of doc.Layers) {
    if (layer.Parent && known.has(layer.Parent)) children.set(layer.Parent, [...(children.get(layer.Parent) ?? []), layer]);
    else roots.push(layer);
  }
  const byAge = (a: GraphLayer, b: GraphLayer) => a.Created.localeCompare(b.Created) || a.ChainId.localeCompare(b.ChainId);
  const placed: Placed[] = [];
  let nextRow = 0;
  const visit = (layer: GraphLayer, column: number): number => {
    const kids = [...(children.get(layer.ChainId) ?? [])].sort(byAge);
    let row = nextRow;
    if (kids.length === 0) nextRow++;
    else row = Math.min(...kids.map((k) => visit(k, column + 1)));
    placed.push({ layer, x: PAD + column * (W + GAP_X), y: PAD + row * (H + GAP_Y) });
    return row;
  };
  for (const root of roots.sort(byAge)) visit(root, 0);
  return placed;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function renderGraph(doc: LayerGraphDoc, opts: GraphOptions): SVGElement {
  const placed = place(doc);
  const at = new Map(placed.map((p) => [p.layer.ChainId, p]));
  const tagsOf = new Map(doc.Images.map((i) => [i.Id, i.RepoTags.length ? i.RepoTags : [`<none> ${shortId(i.Id)}`]]));
  const chosen = new Set(doc.Images.find((i) => i.Id === opts.image)?.Layers ?? []);
  const width = Math.max(...placed.map((p) => p.x + W), 0) + PAD;
  const height = Math.max(...placed.map((p) => p.y + H), 0) + PAD;
  const svg = s("svg", { class: "graph", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "layer graph" });

  for (const p of placed) {
    const parent = p.layer.Parent ? at.get(p.layer.Parent) : undefined;
    if (!parent) continue;
    const [x1, y1, x2, y2] = [parent.x + W, parent.y + H / 2, p.x, p.y + H / 2];
    const mid = x1 + GAP_X / 2;
    const d =
      y1 === y2
        ? `M${x1},${y1} H${x2}`
        : `M${x1},${y1} H${mid - 8} Q${mid},${y1} ${mid},${y1 + 8} V${y2 - 8} Q${mid},${y2} ${mid + 8},${y2} H${x2}`;
    svg.append(s("path", { class: `edge${chosen.has(p.layer.ChainId) ? " in-image" : ""}`, d }));
  }

  for (const p of placed) {
    const l = p.layer;
    const wasted =
      opts.image !== undefined && opts.image in l.WastedBytes ? l.WastedBytes[opts.image]! : Math.max(0, ...Object.values(l.WastedBytes));
    const classes = ["node"];
    if (chosen.has(l.ChainId)) classes.push("in-image");
    if (opts.image !== undefined && !chosen.has(l.ChainId)) classes.push("faded");
    if (opts.layer === l.ChainId) classes.push("selected");
    if (l.UsedBy.length > 1) classes.push("shared");
    const what = instruction(l.CreatedBy) || l.Comment || (l.Depth === 0 ? "base layer" : "layer");
    const tags = l.TopOf.flatMap((id) => tagsOf.get(id) ?? []);
    const g = s(
      "g",
      {
        class: classes.join(" "),
        transform: `translate(${p.x},${p.y})`,
        "data-chain": l.ChainId,
        "data-tags": tags.join(" "),
        "data-users": l.UsedBy.length,
        tabindex: 0,
        onclick: () => opts.onLayer(l.ChainId),
        onkeydown: (e: Event) => {
          if ((e as KeyboardEvent).key === "Enter") opts.onLayer(l.ChainId);
        },
      },
      s("title", {}, `${what}\n${l.ChainId}\nheld by ${l.UsedBy.length} image${l.UsedBy.length === 1 ? "" : "s"}`),
      s("rect", { width: W, height: H, rx: 8 }),
      s("text", { x: 12, y: 20, class: "what" }, truncate(what, 27)),
      s(
        "text",
        { x: 12, y: 38, class: "numbers" },
        s("tspan", {}, humanSize(l.Size)),
        wasted > 0 ? s("tspan", { class: "wasted", dx: 8 }, `${humanSize(wasted)} wasted`) : null,
        l.UsedBy.length > 1 ? s("tspan", { class: "users", dx: 8 }, `×${l.UsedBy.length}`) : null,
      ),
    );
    let x = 12;
    for (const tag of tags.slice(0, 3)) {
      const label = truncate(tag, 22);
      const width = 12 + label.length * 6.4;
      const image = l.TopOf.find((id) => (tagsOf.get(id) ?? []).includes(tag))!;
      g.append(
        s(
          "g",
          {
            class: "tag",
            "data-image": tag,
            transform: `translate(${x},46)`,
            onclick: (e: Event) => {
              e.stopPropagation();
              opts.onImage(image);
            },
          },
          s("rect", { width, height: 15, rx: 7.5 }),
          s("text", { x: 6, y: 11 }, label),
        ),
      );
      x += width + 5;
    }
    if (tags.length === 0) g.append(s("text", { x: 12, y: 57, class: "id" }, shortId(l.DiffId)));
    svg.append(g);
  }
  return svg;
}
