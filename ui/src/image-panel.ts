// An image: its names, size and waste, the history that made it, its config; tag and remove.
import { getJson, send } from "./api.js";
import { h } from "./dom.js";
import { ago, humanSize, instruction, shortId } from "./format.js";
import type { App, HistoryRow, ImageInspect } from "./types.js";

export async function showImage(root: HTMLElement, app: App, id: string): Promise<void> {
  const [inspect, history] = await Promise.all([
    getJson<ImageInspect>(`/images/${encodeURIComponent(id)}/json`),
    getJson<HistoryRow[]>(`/images/${encodeURIComponent(id)}/history`),
  ]);
  const summary = app.graph().Images.find((i) => i.Id === id);
  const name = inspect.RepoTags[0];
  const tagInput = h("input", { name: "tag", placeholder: "repository:tag", autocomplete: "off", required: true });
  const tagForm = h(
    "form",
    {
      class: "inline",
      id: "tag-form",
      onsubmit: (e: Event) => {
        e.preventDefault();
        const [repo, tag] = splitName(tagInput.value.trim());
        send("POST", `/images/${encodeURIComponent(id)}/tag`, { repo, tag })
          .then(() => {
            app.toast(`tagged ${tagInput.value.trim()}`);
            tagInput.value = "";
            app.refresh();
          })
          .catch((err: unknown) => app.toast(String(err instanceof Error ? err.message : err), "error"));
      },
    },
    tagInput,
    h("button", { type: "submit" }, "Tag"),
  );
  const remove = h(
    "button",
    {
      class: "danger",
      id: "image-remove",
      onclick: () => {
        send("DELETE", `/images/${encodeURIComponent(name ?? id)}`)
          .then(() => {
            app.toast(`removed ${name ?? shortId(id)}`);
            app.select(null);
            app.refresh();
          })
          .catch((err: unknown) => app.toast(String(err instanceof Error ? err.message : err), "error"));
      },
    },
    name ? `Remove ${name}` : "Remove image",
  );
  const config = inspect.Config ?? {};
  const configRows: [string, string][] = [
    ["Entrypoint", (config.Entrypoint ?? []).join(" ")],
    ["Cmd", (config.Cmd ?? []).join(" ")],
    ["WorkingDir", config.WorkingDir ?? ""],
    ["User", config.User ?? ""],
    ["Env", (config.Env ?? []).join("\n")],
    ["ExposedPorts", Object.keys(config.ExposedPorts ?? {}).join(" ")],
    [
      "Labels",
      Object.entries(config.Labels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join("\n"),
    ],
    ["Author", inspect.Author],
    ["Comment", inspect.Comment],
  ];
  root.replaceChildren(
    h("div", { class: "kicker" }, "Image"),
    h("h3", { class: "title" }, inspect.RepoTags.length ? inspect.RepoTags.join(", ") : "<none>"),
    h("div", { class: "mono muted wrap" }, inspect.Id),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Size"),
      h("dd", {}, humanSize(inspect.Size)),
      h("dt", {}, "Wasted"),
      h("dd", { class: summary && summary.WastedBytes > 0 ? "wasted" : "" }, humanSize(summary?.WastedBytes ?? 0)),
      h("dt", {}, "Layers"),
      h("dd", {}, String(summary?.Layers.length ?? "?")),
      h("dt", {}, "Created"),
      h("dd", {}, ago(new Date(inspect.Created))),
    ),
    h("div", { class: "actions" }, tagForm, remove),
    h("h4", {}, "History"),
    h(
      "table",
      { class: "list compact", id: "history" },
      h("thead", {}, h("tr", {}, h("th", {}, "Created by"), h("th", { class: "num" }, "Size"), h("th", {}, "Created"))),
      h(
        "tbody",
        {},
        ...history.map((row) =>
          h(
            "tr",
            {},
            h(
              "td",
              { class: "mono wrap", title: row.CreatedBy },
              instruction(row.CreatedBy),
              row.Comment ? h("div", { class: "muted" }, row.Comment) : null,
            ),
            h("td", { class: "num" }, humanSize(row.Size)),
            h("td", { class: "muted nowrap" }, row.Created ? ago(new Date(row.Created * 1000)) : ""),
          ),
        ),
      ),
    ),
    h("h4", {}, "Config"),
    h(
      "dl",
      { class: "facts config" },
      ...configRows.filter(([, v]) => v).flatMap(([k, v]) => [h("dt", {}, k), h("dd", { class: "mono pre" }, v)]),
    ),
  );
}

/** `repo:tag` → repo and tag; a port's colon (`host:5000/repo`) is not a tag's. */
export function splitName(text: string): [string, string | undefined] {
  const colon = text.lastIndexOf(":");
  if (colon < 0 || text.slice(colon).includes("/")) return [text, undefined];
  return [text.slice(0, colon), text.slice(colon + 1)];
}
