// What BuildKit's views (plain and terminal) share: which steps are shown, the names they are
// shown under, the time of a log line, and the words of a failure (moby/buildkit's
// dockerfile2llb prefixCommand and progressui).
import { StringDecoder } from "node:string_decoder";
import { BuildStepError } from "../../engine/build/build-errors.js";
import type { BuildReporter, StepInfo } from "../../engine/build/build-events.js";
import type { BuildOutput, BuildResult } from "../../engine/build/build-request.js";
import { formatReference, parseReference, withDefaultTag } from "../../image/reference.js";

/**
 * BuildKit makes a vertex only for the instructions that change the filesystem, and for FROM of an
 * image (not of an earlier stage, not of scratch); metadata instructions (ENV, LABEL, CMD, ARG...)
 * never show. `stages` holds the stage names met so far.
 */
export function showsAsVertex(step: StepInfo, stages: ReadonlySet<string>): boolean {
  const [keyword = "", base = ""] = step.text.trim().split(/\s+/);
  switch (keyword.toUpperCase()) {
    case "RUN":
    case "COPY":
    case "ADD":
    case "WORKDIR":
      return true;
    case "FROM": {
      const image = fromImage(step.text) ?? base;
      return image.toLowerCase() !== "scratch" && !stages.has(image.toLowerCase()) && !/^\d+$/.test(image);
    }
    default:
      return false;
  }
}

/** "[builder 2/3] RUN echo hi"; BuildKit pads the index to the width of the total ("[ 2/12]"). */
export function vertexName(step: StepInfo): string {
  const width = String(step.stageSteps).length;
  const prefix = `[${step.stageName ? `${step.stageName} ` : ""}${String(step.stageStep).padStart(width)}/${step.stageSteps}]`;
  const image = /^\s*FROM\b/i.test(step.text) ? fromImage(step.text) : undefined;
  // The stage's name is in the brackets already: BuildKit shows FROM without its "AS name".
  return `${prefix} ${image !== undefined ? `FROM ${image}` : step.text}`;
}

/** The image of "FROM [--platform=x] image [AS name]". */
function fromImage(text: string): string | undefined {
  const words = text.trim().split(/\s+/).slice(1);
  return words.find((w) => !w.startsWith("--"));
}

/** A log line's time: seconds since its step started, with fewer decimals as it grows ("0.123", "12.35"). */
export function logTime(seconds: number): string {
  const digits = seconds < 10 ? 3 : seconds < 100 ? 2 : 1;
  return seconds.toFixed(digits);
}

/** The step's failure in BuildKit's words: `process "/bin/sh -c exit 3" did not complete successfully: exit code: 3`. */
export function failureText(err: unknown): string {
  if (err instanceof BuildStepError && err.command !== "" && err.exitCode !== undefined) {
    return `process "${err.command}" did not complete successfully: exit code: ${err.exitCode}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The error summary buildx ends a failed build with. */
export function failureSummary(err: unknown): string {
  return `ERROR: failed to solve: ${failureText(err)}`;
}

/** The name as BuildKit's exporter names it: "naming to docker.io/library/x:latest". */
export function fullTagName(name: string): string {
  return formatReference(withDefaultTag(parseReference(name)));
}

/** A line of a step's output, with the seconds since the step started when it began. */
export interface LogLine {
  readonly time: number;
  readonly text: string;
}

/**
 * A step's output cut into lines, as BuildKit keeps it: each line carries the time it began, and
 * the last few are kept for the error report. stdout and stderr are cut separately, so that a
 * line of one is never glued to the other's.
 */
export class StepLog {
  /** The last complete lines, `keep` at most. */
  readonly tail: LogLine[] = [];
  private readonly partial = new Map<string, { time: number; text: string; decoder: StringDecoder }>();

  constructor(private readonly keep: number) {}

  /** Adds a read; returns the lines it completed. */
  add(stream: string, data: Buffer, seconds: number): LogLine[] {
    let part = this.partial.get(stream);
    if (!part) this.partial.set(stream, (part = { time: seconds, text: "", decoder: new StringDecoder("utf8") }));
    const text = part.decoder.write(data);
    if (part.text === "" && text !== "") part.time = seconds;
    const pieces = (part.text + text).split("\n");
    part.text = pieces.pop() ?? "";
    const done: LogLine[] = [];
    for (const [i, piece] of pieces.entries()) done.push({ time: i === 0 ? part.time : seconds, text: piece });
    if (part.text !== "") part.time = pieces.length > 0 ? seconds : part.time;
    for (const line of done) this.remember(line);
    return done;
  }

  /** Ends the lines left open (the step is over); returns them. */
  flush(): LogLine[] {
    const done: LogLine[] = [];
    for (const part of this.partial.values()) {
      const text = part.text + part.decoder.end();
      if (text !== "") done.push({ time: part.time, text });
      part.text = "";
    }
    for (const line of done) this.remember(line);
    return done;
  }

  /** The open lines, as a terminal would show them under the complete ones. */
  open(): string[] {
    return [...this.partial.values()].map((p) => p.text).filter((t) => t !== "");
  }

  private remember(line: LogLine): void {
    this.tail.push(line);
    if (this.tail.length > this.keep) this.tail.shift();
  }
}

/** A view of a build: the engine reports to it, and the command ends it with the outcome. */
export interface BuildView {
  readonly reporter: BuildReporter;
  finish(result: BuildResult): void;
  fail(err: unknown): void;
}

/** Where the exporter's vertex says the result went (`--output`). */
export type OutputKind = BuildOutput["type"];

/** The exporter's vertex name, and the status it shows when the result has been written. */
export function exporterWords(output: OutputKind): { name: string; done: string } {
  if (output === "local") return { name: "exporting to client directory", done: "copying files done" };
  if (output === "tar") return { name: "exporting to client tarball", done: "sending tarball done" };
  return { name: "exporting to image", done: "exporting layers done" };
}
