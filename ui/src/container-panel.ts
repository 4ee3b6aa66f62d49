// A container: its state, its changes against its image (`diff`), its logs as they come, and the
// seed's loop: commit it (name, message, author) into an image, remove it.
import { ApiError, demultiplex, getJson, rawText, send, stream } from "./api.js";
import { h } from "./dom.js";
import { ago, shortId } from "./format.js";
import { changeTable } from "./layer-panel.js";
import { splitName } from "./image-panel.js";
import type { App, ContainerInspect } from "./types.js";

const KINDS = ["C", "A", "D"] as const;
/** The log view keeps its last lines only: a chatty container must not slow the page down. */
const MAX_LOG_CHARS = 200_000;

export class ContainerPanel {
  private readonly logs = new AbortController();
  private readonly state = h("div", { id: "container-state" });
  private readonly diff = h("div", { id: "container-diff-wrap" });
  private readonly log = h("pre", { class: "logs", id: "container-logs" });
  private following = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly app: App,
    readonly id: string,
  ) {}

  async open(): Promise<void> {
    const info = await this.inspect();
    const name = info.Name.replace(/^\//, "");
    const field = (n: string, placeholder: string) => h("input", { name: n, placeholder, autocomplete: "off" });
    const repo = field("repo", "repository:tag");
    const message = field("message", "message (what changed)");
    const author = field("author", "author");
    const commit = h(
      "form",
      {
        class: "stack",
        id: "commit-form",
        onsubmit: (e: Event) => {
          e.preventDefault();
          const [r, tag] = splitName(repo.value.trim());
          send("POST", "/commit", { container: this.id, repo: r, tag, comment: message.value, author: author.value })
            .then((result) => {
              const id = (result as { Id: string }).Id;
              this.app.toast(`committed ${name} as ${repo.value.trim() || shortId(id)}`);
              this.app.refresh();
            })
            .catch((err: unknown) => this.app.toast(errorText(err), "error"));
        },
      },
      repo,
      message,
      author,
      h("button", { type: "submit" }, "Commit"),
    );
    const remove = h(
      "button",
      {
        class: "danger",
        id: "container-remove",
        onclick: () => {
          send("DELETE", `/containers/${this.id}`, { force: true })
            .then(() => {
              this.app.toast(`removed ${name}`);
              this.app.select(null);
              this.app.refresh();
            })
            .catch((err: unknown) => this.app.toast(errorText(err), "error"));
        },
      },
      "Remove",
    );
    this.root.replaceChildren(
      h("div", { class: "kicker" }, "Container"),
      h("h3", { class: "title" }, name),
      h("div", { class: "mono muted wrap" }, info.Id),
      this.state,
      h("div", { class: "actions" }, remove),
      h("h4", {}, "Commit to an image"),
      commit,
      h("h4", {}, "Changes against its image ", h("span", { class: "muted" }, "(diff)")),
      this.diff,
      h("h4", {}, "Logs ", h("span", { class: "muted", id: "logs-state" }, "")),
      this.log,
    );
    this.renderState(info);
    await this.renderDiff();
    this.follow(info);
  }

  /** After an event about this container: its state and changes again; its logs again after a start. */
  async update(action: string): Promise<void> {
    const info = await this.inspect();
    this.renderState(info);
    await this.renderDiff();
    if ((action === "start" || action === "restart") && !this.following) this.follow(info);
  }

  close(): void {
    this.logs.abort();
  }

  private inspect(): Promise<ContainerInspect> {
    return getJson<ContainerInspect>(`/containers/${this.id}/json`);
  }

  private renderState(info: ContainerInspect): void {
    const s = info.State;
    const since = s.Running
      ? `started ${ago(new Date(s.StartedAt))}`
      : s.FinishedAt.startsWith("0001")
        ? ""
        : `exited (${s.ExitCode}) ${ago(new Date(s.FinishedAt))}`;
    this.state.replaceChildren(
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "State"),
        h(
          "dd",
          {},
          h("span", { class: `badge state-${s.Status}`, id: "container-status" }, s.Status),
          " ",
          h("span", { class: "muted" }, since),
        ),
        h("dt", {}, "Image"),
        h("dd", { class: "mono" }, info.Config.Image),
        h("dt", {}, "Command"),
        h("dd", { class: "mono wrap" }, [...(info.Config.Entrypoint ?? []), ...(info.Config.Cmd ?? [])].join(" ")),
        h("dt", {}, "Created"),
        h("dd", {}, ago(new Date(info.Created))),
      ),
    );
  }

  private async renderDiff(): Promise<void> {
    const changes = (await getJson<{ Path: string; Kind: number }[] | null>(`/containers/${this.id}/changes`)) ?? [];
    this.diff.replaceChildren(
      changeTable(
        changes.map((c) => ({ Kind: KINDS[c.Kind] ?? "?", Path: c.Path })),
        "container-diff",
      ),
    );
  }

  /** Follows the logs until the container stops or the panel closes; frames demultiplexed unless it has a TTY. */
  private follow(info: ContainerInspect): void {
    this.following = true;
    this.log.replaceChildren();
    const label = this.root.querySelector("#logs-state");
    if (label) label.textContent = "following";
    const run = async () => {
      const body = await stream(`/containers/${this.id}/logs`, { follow: true, stdout: true, stderr: true, tail: 500 }, this.logs.signal);
      for await (const chunk of info.Config.Tty ? rawText(body) : demultiplex(body)) {
        const span = h("span", { class: chunk.stream }, chunk.text);
        this.log.append(span);
        while ((this.log.textContent?.length ?? 0) > MAX_LOG_CHARS && this.log.firstChild) this.log.firstChild.remove();
        this.log.scrollTop = this.log.scrollHeight;
      }
    };
    run()
      .catch((err: unknown) => {
        if (!this.logs.signal.aborted) this.app.toast(`logs: ${errorText(err)}`, "error");
      })
      .finally(() => {
        this.following = false;
        if (label && !this.logs.signal.aborted) label.textContent = "ended";
      });
  }
}

function errorText(err: unknown): string {
  return err instanceof ApiError || err instanceof Error ? err.message : String(err);
}
