// One layer: what made it, the images that hold it, its share of their waste, and its file
// changes against the layers below it (image analyze --layer's list).
import { getJson } from "./api.js";
import { h } from "./dom.js";
import { humanSize, instruction, shortId } from "./format.js";
import type { App, LayerChangeDoc } from "./types.js";

const SHOWN = 400;

export async function showLayer(root: HTMLElement, app: App, chainId: string): Promise<void> {
  const layer = app.graph().Layers.find((l) => l.ChainId === chainId);
  if (!layer) throw new Error(`the layer ${shortId(chainId)} is gone`);
  const changes = await getJson<LayerChangeDoc[]>(`/berth/layers/${chainId}/changes`);
  const images = app.graph().Images;
  const counts = { A: 0, C: 0, D: 0 };
  for (const c of changes) counts[c.Kind]++;
  root.replaceChildren(
    h("div", { class: "kicker" }, `Layer ${layer.Depth}`),
    h("h3", { class: "title mono wrap" }, instruction(layer.CreatedBy) || "(no history entry)"),
    ...(layer.Comment ? [h("p", { class: "muted" }, layer.Comment)] : []),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Size"),
      h("dd", {}, humanSize(layer.Size)),
      h("dt", {}, "Diff ID"),
      h("dd", { class: "mono small" }, layer.DiffId),
      h("dt", {}, "Chain ID"),
      h("dd", { class: "mono small" }, layer.ChainId),
      h("dt", {}, "Held by"),
      h(
        "dd",
        { class: "chips" },
        ...layer.UsedBy.map((id) => {
          const image = images.find((i) => i.Id === id);
          const wasted = layer.WastedBytes[id] ?? 0;
          return h(
            "button",
            { class: "chip", onclick: () => app.select({ kind: "image", id }) },
            image?.RepoTags[0] ?? shortId(id),
            wasted > 0 ? h("span", { class: "wasted" }, ` ${humanSize(wasted)} wasted`) : null,
          );
        }),
      ),
    ),
    h("h4", {}, "Changes ", h("span", { class: "muted" }, `${counts.A} added · ${counts.C} changed · ${counts.D} deleted`)),
    changeTable(changes, "layer-changes"),
  );
}

export function changeTable(changes: readonly { Kind: string; Path: string; Size?: number }[], id: string): HTMLElement {
  if (changes.length === 0) return h("p", { class: "muted", id }, "No changes.");
  const rows = changes
    .slice(0, SHOWN)
    .map((c) =>
      h(
        "tr",
        { class: `change-${c.Kind}` },
        h("td", { class: "kind" }, c.Kind),
        h("td", { class: "mono wrap" }, c.Path),
        c.Size === undefined ? null : h("td", { class: "num" }, c.Size ? humanSize(c.Size) : ""),
      ),
    );
  return h(
    "div",
    { class: "scroll" },
    h("table", { class: "list compact changes", id }, h("tbody", {}, ...rows)),
    changes.length > SHOWN ? h("p", { class: "muted" }, `… and ${changes.length - SHOWN} more`) : null,
  );
}
