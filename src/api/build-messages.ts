// The classic builder's JSON message stream for `POST /build` (BUILD-API.md §2, §2.1): what the
// engine's build events look like on the wire to the docker CLI, docker-py and compose.
import { StringDecoder } from "node:string_decoder";
import type { BuildEvent, BuildReporter } from "../engine/build/build-events.js";
import { BuildStepError } from "../engine/build/build-errors.js";
import type { BuildResult } from "../engine/build/build-request.js";
import { familiarString, parseReference, withDefaultTag } from "../image/reference.js";

/** Writes one message: a JSON object and "\r\n". */
export type MessageWriter = (chunk: string) => void;

/**
 * Turns build events into dockerd's messages. With `quiet` (`q=1`) nothing is sent while the
 * build runs: success sends only the image ID, failure replays everything and then the error.
 */
export class BuildMessages {
  readonly reporter: BuildReporter;
  private readonly buffered: string[] = [];
  private readonly tags: string[] = [];
  /** Steps whose " ---> <id>" line was sent: a cache hit sends it, and its step-done must not again. */
  private readonly answered = new Set<string>();
  private readonly decoders = new Map<string, StringDecoder>();

  constructor(
    private readonly write: MessageWriter,
    private readonly opts: { readonly quiet: boolean },
  ) {
    this.reporter = { event: (e) => this.onEvent(e) };
  }

  /** Ends a successful build: the unused build args, "Successfully built" and one line per tag. */
  finish(result: BuildResult): void {
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
