// The classic builder's JSON message stream for `POST /build` (BUILD-API.md §2, §2.1): what the
// engine's build events look like on the wire to the docker CLI, docker-py and compose.
import { StringDecoder } from "node:string_decoder";
import type { BuildEvent, BuildReporter } from "../engine/build/build-events.js";
import { BuildStepError } from "../engine/build/build-errors.js";
import type { BuildResult } from "../engine/build/build-request.js";
import { familiarString, parseReference, withDefaultTag } from "../image/reference.js";

/** Writes one message: a JSON object and "\r\n". */
export type MessageWriter = (chunk: string) => void;

/** Which stages the build runs, in Dockerfile order, and whether `q=1` was asked. */
export interface BuildMessagesOptions {
  readonly quiet: boolean;
  /** The built stages' indices in Dockerfile order (prepareBuild's stages). */
  readonly stages: readonly number[];
}

/**
 * Turns build events into dockerd's messages. With `quiet` (`q=1`) nothing is sent while the
 * build runs: success sends only the image ID, failure replays everything and then the error.
 *
 * The engine builds independent stages at once, but the classic stream is one stage after the
 * other: the earliest unfinished stage streams live, and the messages of later stages are held
 * until every stage before them is done, so Step numbers come out in order as dockerd prints them.
 */
export class BuildMessages {
  readonly reporter: BuildReporter;
  private readonly buffered: string[] = [];
  /** Stages not yet streamed, in order; the first one is live. */
  private readonly pending: number[];
  private readonly held = new Map<number, string[]>();
  private readonly done = new Set<number>();
  /** The stage of the event being translated: its messages wait for the stages before it. */
  private current: number | undefined;
  private readonly tags: string[] = [];
  /** Steps whose " ---> <id>" line was sent: a cache hit sends it, and its step-done must not again. */
  private readonly answered = new Set<string>();
  private readonly decoders = new Map<string, StringDecoder>();

  constructor(
    private readonly write: MessageWriter,
    private readonly opts: BuildMessagesOptions,
  ) {
    this.pending = [...opts.stages];
    this.reporter = { event: (e) => this.onEvent(e) };
  }

  /** Ends a successful build: the unused build args, "Successfully built" and one line per tag. */
  finish(result: BuildResult): void {
    this.releaseAll();
    if (this.opts.quiet) {
      this.write(goJsonLine({ stream: `${result.imageId}\n` }));
      return;
    }
    if (result.unusedArgs.length > 0) {
      this.stream(`[Warning] One or more build-args [${result.unusedArgs.join(" ")}] were not consumed\n`);
    }
    this.stream(`Successfully built ${shortId(result.imageId)}\n`);
    for (const name of this.tags) this.stream(`Successfully tagged ${name}\n`);
  }

  /**
   * Ends a failed build with dockerd's error message. `code` defaults to a failed RUN's exit code,
   * which `docker build` exits with; without one the CLI exits 1.
   */
  fail(err: unknown, code?: number): void {
    // Stages cut short by the failure still show what they printed, in Dockerfile order.
    this.releaseAll();
    if (this.opts.quiet) {
      for (const chunk of this.buffered) this.write(chunk);
      this.buffered.length = 0;
    }
    const message = err instanceof Error ? err.message : String(err);
    const exitCode = code ?? (err instanceof BuildStepError ? err.exitCode : undefined);
    const errorDetail = exitCode === undefined ? { message } : { code: exitCode, message };
    this.write(goJsonLine({ errorDetail, error: message }));
  }

  private onEvent(e: BuildEvent): void {
    const stage = "step" in e ? e.step.stage : "stage" in e ? e.stage : undefined;
    this.current = stage;
    try {
      this.translate(e);
    } finally {
      this.current = undefined;
    }
    if (e.kind === "stage-done") this.stageDone(e.stage);
  }

  private translate(e: BuildEvent): void {
    switch (e.kind) {
      case "step-start":
        // The "Step" line has no newline of its own; dockerd sends it as a message after it.
        this.stream(`Step ${e.step.number}/${e.step.total} : ${e.step.text}`);
        this.stream("\n");
        return;
      case "step-triggers":
        // dockerd's words, cut where it cut them: the plural "s" came as a message of its own.
        this.stream(`# Executing ${e.count} build trigger`);
        if (e.count !== 1) this.stream("s");
        this.stream("\n");
        return;
      case "step-cached":
        this.stream(" ---> Using cache\n");
        this.answer(e.step.id, e.imageId);
        return;
      case "step-container":
        this.stream(` ---> Running in ${shortId(e.containerId)}\n`);
        return;
      case "step-output":
        this.output(e.step.id, e.stream, e.data);
        return;
      case "step-progress": {
        const m = e.message;
        this.message(m.id === undefined ? { status: m.status } : { status: m.status, progressDetail: m.progressDetail ?? {}, id: m.id });
        return;
      }
      case "step-container-removed":
        this.stream(`Removing intermediate container ${shortId(e.containerId)}\n`);
        return;
      case "step-done":
        this.answer(e.step.id, e.imageId);
        return;
      case "stage-done":
        this.message({ aux: { ID: e.imageId } });
        return;
      case "tagged":
        // Sent after "Successfully built", which waits for the result.
        this.tags.push(tagName(e.name));
        return;
      // The error is the build's last message (fail()); `built` waits for the result too. Warnings
      // other than the unused build args (BuildResult) are not the classic builder's; `--output`
      // is BuildKit's.
      case "step-error":
      case "built":
      case "exported":
      case "warning":
        return;
    }
  }

  private answer(stepId: string, imageId: string): void {
    if (this.answered.has(stepId)) return;
    this.answered.add(stepId);
    this.stream(` ---> ${shortId(imageId)}\n`);
  }

  /** A process's output as it was read; stderr in red, as dockerd sends it. */
  private output(stepId: string, stream: "stdout" | "stderr", data: Buffer): void {
    // A character split between two reads must not become two replacement characters.
    const key = `${stepId}/${stream}`;
    let decoder = this.decoders.get(key);
    if (!decoder) this.decoders.set(key, (decoder = new StringDecoder("utf8")));
    const text = decoder.write(data);
    if (text === "") return;
    this.stream(stream === "stderr" ? `\x1b[91m${text}\x1b[0m` : text);
  }

  private stream(text: string): void {
    this.message({ stream: text });
  }

  private message(message: unknown): void {
    const line = goJsonLine(message);
    const stage = this.current;
    // Global ARGs (stage -1) come before any stage; a stage outside the plan is not held back.
    if (stage === undefined || stage === this.pending[0] || !this.pending.includes(stage)) this.send(line);
    else {
      let lines = this.held.get(stage);
      if (!lines) this.held.set(stage, (lines = []));
      lines.push(line);
    }
  }

  /** A stage is done: the next stages stream, their held messages first, up to one still running. */
  private stageDone(stage: number): void {
    this.done.add(stage);
    while (this.pending.length > 0 && this.done.has(this.pending[0]!)) {
      this.pending.shift();
      const next = this.pending[0];
      if (next !== undefined) this.release(next);
    }
  }

  private release(stage: number): void {
    for (const line of this.held.get(stage) ?? []) this.send(line);
    this.held.delete(stage);
  }

  private releaseAll(): void {
    for (const stage of this.pending) this.release(stage);
    this.pending.length = 0;
  }

  private send(line: string): void {
    if (this.opts.quiet) this.buffered.push(line);
    else this.write(line);
  }
}

/** One message as Go's encoding/json writes it (<, > and & escaped), and dockerd's "\r\n". */
export function goJsonLine(value: unknown): string {
  const json = JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
  return `${json}\r\n`;
}

/** The 12 hex digits dockerd prints for an image or a container. */
function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}

/** dockerd names the tag as the familiar reference, with the default tag: "-t bb" is "bb:latest". */
function tagName(name: string): string {
  return familiarString(withDefaultTag(parseReference(name)));
}
