// The page: images as a graph of layers, containers, and a details panel for what is selected.
// Everything is read again from the engine when berth's event log says something changed.
import { ApiError, getJson, jsonLines, stream } from "./api.js";
import { byId, h } from "./dom.js";
import { ago, humanSize, shortId } from "./format.js";
import { renderGraph } from "./graph-view.js";
import { showImage } from "./image-panel.js";
import { showLayer } from "./layer-panel.js";
import { ContainerPanel } from "./container-panel.js";
import type { App, ContainerSummary, EngineEvent, LayerGraphDoc, Selection } from "./types.js";

let graph: LayerGraphDoc = { Images: [], Layers: [] };
let containers: ContainerSummary[] = [];
let selection: Selection = null;
let panel: ContainerPanel | undefined;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let toastTimer: ReturnType<typeof setTimeout> | undefined;

const app: App = {
  graph: () => graph,
  select,
  refresh: () => scheduleRefresh(0),
  toast,
};

function toast(message: string, kind: "ok" | "error" = "ok"): void {
  const el = byId("toast");
  el.textContent = message;
  el.className = `toast ${kind}`;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.hidden = true), kind === "error" ? 8000 : 3500);
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function errorText(err: unknown): string {
  return err instanceof ApiError || err instanceof Error ? err.message : String(err);
}

function select(next: Selection): void {
  panel?.close();
  panel = undefined;
  selection = next;
  renderLists();
  const details = byId("details");
  details.dataset.kind = next?.kind ?? "";
  if (!next) {
    details.replaceChildren(h("p", { class: "muted hint" }, "Select an image, a layer or a container."));
    return;
  }
  details.replaceChildren(h("p", { class: "muted hint" }, "Loading…"));
  const shown =
    next.kind === "image"
      ? showImage(details, app, next.id)
      : next.kind === "layer"
        ? showLayer(details, app, next.chainId)
        : (panel = new ContainerPanel(details, app, next.id)).open();
  shown.catch((err: unknown) => details.replaceChildren(h("p", { class: "error" }, errorText(err))));
}

function scheduleRefresh(delay = 150): void {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => void refresh(), delay);
}

let refreshes = 0;

async function refresh(): Promise<void> {
  // Refreshes overlap when events come fast: only the latest one's answers are drawn, so an older
  // answer arriving late never puts back a state the engine has left.
  const mine = ++refreshes;
  let answers: [LayerGraphDoc, ContainerSummary[]];
  try {
    answers = await Promise.all([getJson<LayerGraphDoc>("/berth/layers"), getJson<ContainerSummary[]>("/containers/json", { all: true })]);
  } catch (err) {
    if (mine === refreshes) toast(`cannot read the engine: ${errorText(err)}`, "error");
    return;
  }
  if (mine !== refreshes) return;
  [graph, containers] = answers;
  // What was selected may be gone (removed here or from the CLI).
  const at = selection;
  const gone =
    (at?.kind === "image" && !graph.Images.some((i) => i.Id === at.id)) ||
    (at?.kind === "layer" && !graph.Layers.some((l) => l.ChainId === at.chainId)) ||
    (at?.kind === "container" && !containers.some((c) => c.Id === at.id));
  if (gone) select(null);
  else renderLists();
}

function renderLists(): void {
  const image = selection?.kind === "image" ? selection.id : undefined;
  const total = graph.Layers.reduce((sum, l) => sum + l.Size, 0);
  byId("images-summary").textContent =
    `${plural(graph.Images.length, "image")} · ${plural(graph.Layers.length, "layer")} · ${humanSize(total)} stored`;
  byId("images").replaceChildren(
    ...graph.Images.map((i) =>
      h(
        "button",
        {
          class: `chip${i.Id === image ? " active" : ""}`,
          "data-tags": i.RepoTags.join(" ") || i.Id,
          onclick: () => select({ kind: "image", id: i.Id }),
        },
        h("span", { class: "name" }, i.RepoTags.join(", ") || `<none> ${shortId(i.Id)}`),
        h("span", { class: "muted" }, ` ${humanSize(i.Size)}`),
        i.WastedBytes > 0 ? h("span", { class: "wasted" }, ` · ${humanSize(i.WastedBytes)} wasted`) : null,
      ),
    ),
  );
  byId("graph").replaceChildren(
    graph.Layers.length
      ? renderGraph(graph, {
          image,
          layer: selection?.kind === "layer" ? selection.chainId : undefined,
          onLayer: (chainId) => select({ kind: "layer", chainId }),
          onImage: (id) => select({ kind: "image", id }),
        })
      : h("p", { class: "muted" }, "No images yet: berth import, pull or load one."),
  );
  const running = containers.filter((c) => c.State === "running").length;
  byId("containers-summary").textContent = `${running} running · ${containers.length} in all`;
  const selected = selection?.kind === "container" ? selection.id : undefined;
  byId("containers")
    .querySelector("tbody")!
    .replaceChildren(
      ...(containers.length
        ? containers.map((c) => {
            const name = (c.Names[0] ?? "").replace(/^\//, "");
            return h(
              "tr",
              {
                class: `row${c.Id === selected ? " active" : ""}`,
                "data-name": name,
                tabindex: 0,
                onclick: () => select({ kind: "container", id: c.Id }),
              },
              h("td", { class: "name" }, name),
              h("td", { class: "mono" }, c.Image),
              h("td", {}, h("span", { class: `badge state-${c.State}` }, c.State)),
              h("td", { class: "muted" }, c.Status || ago(new Date(c.Created * 1000))),
              h("td", { class: "mono muted" }, shortId(c.Id)),
            );
          })
        : [h("tr", {}, h("td", { class: "muted", colspan: 5 }, "No containers."))]),
    );
}

/** berth's event log, as it grows: the lists follow it, and so does the selected container. */
async function followEvents(): Promise<void> {
  const live = byId("live");
  for (let attempt = 0; ; attempt++) {
    try {
      const body = await stream("/events", { since: Math.floor(Date.now() / 1000) }, new AbortController().signal);
      live.dataset.state = "on";
      attempt = 0;
      scheduleRefresh(0);
      for await (const event of jsonLines<EngineEvent>(body)) {
        if (!["container", "image"].includes(event.Type)) continue;
        scheduleRefresh();
        if (panel && event.Type === "container" && event.Actor.ID === panel.id && event.Action !== "destroy") {
          const current = panel;
          current.update(event.Action).catch(() => undefined);
        }
      }
    } catch {
      /* the server went away or restarted: try again */
    }
    live.dataset.state = "off";
    await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** attempt)));
  }
}

async function start(): Promise<void> {
  try {
    const version = await getJson<{ Version: string; ApiVersion: string }>("/version");
    byId("engine-info").textContent = `engine ${version.Version} · API ${version.ApiVersion}`;
  } catch (err) {
    toast(`cannot reach the engine: ${errorText(err)}`, "error");
  }
  await refresh();
  void followEvents();
}

void start();
