// BuildKit's `--progress=plain` text (progressui's textMux): each step is a numbered vertex,
// "#N name" when it comes into view, its output as "#N 0.123 line", and "#N DONE 0.3s", "#N CACHED"
// or "#N ERROR: ..." when it ends. Steps of stages run in parallel interleave, each switch to
// another vertex saying "#N ..." for the one left open.
import type { BuildEvent, StepInfo } from "../../engine/build/build-events.js";
import { BuildStepError } from "../../engine/build/build-errors.js";
import type { BuildResult } from "../../engine/build/build-request.js";
import type { BuildView, OutputKind } from "./build-vertex.js";
import { StepLog, exporterWords, failureSummary, failureText, fullTagName, logTime, showsAsVertex, vertexName } from "./build-vertex.js";

/** How many of a failed step's last lines the error report repeats (progressui's logsBufferSize). */
const ERROR_LOG_LINES = 10;
const EXPORT_ID = "export";

interface Vertex {
  readonly id: string;
  readonly name: string;
  readonly startedAt: number;
  index: number;
  completed: boolean;
  /** The step-error's message, printed when the build's error is known (fail()). */
  error?: string;
  readonly log: StepLog;
  /** The last status line of each progress ID, so that byte counts alone print nothing. */
  readonly statuses: Map<string, string>;
}

export function plainBuildProgress(write: (text: string) => void, opts: { output?: OutputKind; now?: () => number } = {}): BuildView {
  const now = opts.now ?? Date.now;
  const output = opts.output ?? "image";
  const vertices = new Map<string, Vertex>();
  const stages = new Set<string>();
  const warnings: string[] = [];
  let current: Vertex | undefined;
  let nextIndex = 0;
  let printedAny = false;

  const vertex = (id: string, name: string): Vertex => {
    let v = vertices.get(id);
    if (!v) {
      v = { id, name, startedAt: now(), index: 0, completed: false, log: new StepLog(ERROR_LOG_LINES), statuses: new Map() };
      vertices.set(id, v);
    }
    return v;
  };
  const stepVertex = (step: StepInfo): Vertex | undefined => vertices.get(step.id);

  /** Brings `v` into view: the vertex left open says "...", and `v` is named again. */
  const enter = (v: Vertex): void => {
    if (current === v) return;
    if (current && !current.completed) write(`#${current.index} ...\n`);
    if (printedAny) write("\n");
    printedAny = true;
    if (v.index === 0) v.index = ++nextIndex;
    write(`#${v.index} ${v.name}\n`);
    current = v;
  };
  const line = (v: Vertex, text: string): void => {
    enter(v);
    write(`#${v.index} ${text}\n`);
  };
  const printLog = (v: Vertex, lines: readonly { time: number; text: string }[]): void => {
    for (const l of lines) line(v, `${logTime(l.time)} ${l.text}`);
  };
  const complete = (v: Vertex, text: string): void => {
    printLog(v, v.log.flush());
    line(v, text);
    v.completed = true;
    current = undefined;
  };
  const seconds = (v: Vertex): number => (now() - v.startedAt) / 1000;

  const onEvent = (e: BuildEvent): void => {
    switch (e.kind) {
      case "step-start":
        if (e.step.stageName) stages.add(e.step.stageName.toLowerCase());
        if (showsAsVertex(e.step, stages)) enter(vertex(e.step.id, vertexName(e.step)));
        return;
      case "step-cached": {
        const v = stepVertex(e.step);
        if (v && !v.completed) complete(v, "CACHED");
        return;
      }
      case "step-output": {
        const v = stepVertex(e.step);
        if (v) printLog(v, v.log.add(e.stream, e.data, seconds(v)));
        return;
      }
      case "step-progress": {
        const v = stepVertex(e.step);
        const text = [e.message.id, e.message.status].filter(Boolean).join(" ");
        const key = e.message.id ?? "";
        if (!v || v.statuses.get(key) === text) return;
        v.statuses.set(key, text);
        line(v, text);
        return;
      }
      case "step-done": {
        const v = stepVertex(e.step);
        if (v && !v.completed) complete(v, `DONE ${seconds(v).toFixed(1)}s`);
        return;
      }
      case "step-error":
        // A failing metadata step is shown too: the failure must be seen where it happened.
        vertex(e.step.id, vertexName(e.step)).error = e.message;
        return;
      case "built": {
        if (output !== "image") return;
        const v = vertex(EXPORT_ID, exporterWords(output).name);
        line(v, exporterWords(output).done);
        line(v, `writing image ${e.imageId} done`);
        return;
      }
      case "tagged":
        line(vertex(EXPORT_ID, exporterWords(output).name), `naming to ${fullTagName(e.name)} done`);
        return;
      case "exported":
        line(vertex(EXPORT_ID, exporterWords(output).name), exporterWords(output).done);
        return;
      case "warning":
        warnings.push(e.message);
        return;
      case "step-container":
      case "step-container-removed":
      case "step-triggers":
      case "stage-done":
        return;
    }
  };

  const printWarnings = (): void => {
    for (const w of warnings) write(`WARNING: ${w}\n`);
  };

  return {
    reporter: { event: onEvent },
    finish(_result: BuildResult) {
      const exporter = vertices.get(EXPORT_ID);
      if (exporter && !exporter.completed) complete(exporter, `DONE ${seconds(exporter).toFixed(1)}s`);
      printWarnings();
    },
    fail(err) {
      const failed = [...vertices.values()].filter((v) => v.error !== undefined);
      for (const v of failed) {
        // The engine's error names the step it is about: its words are BuildKit's, the others' their own.
        const own = err instanceof BuildStepError && err.step.id === v.id;
        complete(v, `ERROR: ${own ? failureText(err) : v.error}`);
      }
      for (const v of failed) write(errorReport(v.name, v.log.tail));
      printWarnings();
      write(`${failureSummary(err)}\n`);
    },
  };
}

/** progressui's printErrorLogs: the failed step's name and its last lines, between rules. */
export function errorReport(name: string, lines: readonly { time: number; text: string }[]): string {
  return `------\n > ${name}:\n${lines.map((l) => `${logTime(l.time)} ${l.text}\n`).join("")}------\n`;
}
