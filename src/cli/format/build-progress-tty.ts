// BuildKit's terminal view (progressui's ttyDisplay): a block redrawn in place, "[+] Building 1.2s
// (5/7)" over one line per step with its time, and the last lines of a running step's output under
// it. Redrawn at most every 100 ms, and every 150 ms for the clock; the last drawing stays.
import type { BuildEvent } from "../../engine/build/build-events.js";
import type { BuildResult } from "../../engine/build/build-request.js";
import { errorReport } from "./build-progress-plain.js";
import type { BuildView, OutputKind } from "./build-vertex.js";
import { StepLog, exporterWords, failureSummary, showsAsVertex, vertexName } from "./build-vertex.js";

const DRAW_INTERVAL_MS = 100;
const TICK_MS = 150;
/** Lines of a running step's output shown under it, and the room kept for them (progressui's termHeight). */
const TERM_HEIGHT = 6;
const TERM_PAD = 10;
const ERROR_LOG_LINES = 10;
const EXPORT_ID = "export";

const BLUE = "\x1b[34m";
const RED = "\x1b[31m";
const FAINT = "\x1b[2m";
const RESET = "\x1b[0m";

interface Job {
  readonly id: string;
  readonly name: string;
  readonly startedAt: number;
  stoppedAt?: number;
  cached: boolean;
  error: boolean;
  readonly log: StepLog;
}

export interface TtyOptions {
  readonly columns: number;
  readonly rows?: number;
  readonly output?: OutputKind;
  /** false when NO_COLOR is set. */
  readonly color?: boolean;
  readonly now?: () => number;
}

export function ttyBuildProgress(write: (text: string) => void, opts: TtyOptions): BuildView {
  const now = opts.now ?? Date.now;
  const output = opts.output ?? "image";
  const color = opts.color ?? true;
  const jobs = new Map<string, Job>();
  const stages = new Set<string>();
  const warnings: string[] = [];
  const startedAt = now();
  let lineCount = 0;
  let repeated = false;
  let lastDraw = -Infinity;
  let pending: NodeJS.Timeout | undefined;
  let ended = false;

  const job = (id: string, name: string): Job => {
    let j = jobs.get(id);
    if (!j) {
      j = { id, name, startedAt: now(), cached: false, error: false, log: new StepLog(ERROR_LOG_LINES) };
      jobs.set(id, j);
    }
    return j;
  };
  const stop = (j: Job | undefined): void => {
    if (j && j.stoppedAt === undefined) j.stoppedAt = now();
  };

  const draw = (all: boolean): void => {
    lastDraw = now();
    if (pending) clearTimeout(pending);
    pending = undefined;
    write(render(all));
  };
  /** Draws now if the last drawing is old enough, else once the interval is over. */
  const update = (): void => {
    if (ended) return;
    const wait = lastDraw + DRAW_INTERVAL_MS - now();
    if (wait <= 0) draw(false);
    else pending ??= setTimeout(() => draw(false), wait).unref();
  };
  const ticker = setInterval(() => draw(false), TICK_MS).unref();

  const render = (all: boolean): string => {
    const width = opts.columns;
    const height = opts.rows ?? 10;
    // Back to the top of the last drawing: the cursor rests on the line below it.
    let out = (repeated ? `\x1b[${lineCount + 1}A` : "") + "\x1b[0G\x1b[?25l";
    repeated = true;
    const list = [...jobs.values()];
    const completed = list.filter((j) => j.stoppedAt !== undefined).length;
    const status = all && completed > 0 && completed === list.length ? "FINISHED" : "";
    const header = align(`[+] Building ${((now() - startedAt) / 1000).toFixed(1)}s (${completed}/${list.length}) ${status}`, "", width);
    out += header.slice(0, width) + "\n";
    let lines = 0;
    const running = list.filter((j) => j.stoppedAt === undefined);
    // Room for the output of running steps, as BuildKit makes it; the rest shows the latest jobs.
    let free = height - 2 - running.length;
    const withLog = new Set<Job>();
    for (const j of running) {
      if (free <= TERM_HEIGHT + 3 || j.log.tail.length + j.log.open().length === 0) continue;
      withLog.add(j);
      free -= TERM_HEIGHT + 3;
    }
    const shown = all ? list : visibleJobs(list, height - 2 - withLog.size * TERM_HEIGHT);
    for (const j of shown) {
      let dt = ((j.stoppedAt ?? now()) - j.startedAt) / 1000;
      if (dt < 0.05) dt = 0;
      const timer = ` ${dt.toFixed(1).padStart(3)}s\n`;
      const pfx = " => ";
      const left = width - pfx.length - timer.length - 1;
      if (left < 12) continue;
      const name = `${j.error ? "ERROR " : ""}${j.cached ? "CACHED " : ""}${j.name}`.slice(0, left);
      let text = align(pfx + name, timer, width);
      if (j.stoppedAt !== undefined && color) text = `${j.error ? RED : BLUE}${text}${RESET}`;
      out += text;
      lines++;
      if (withLog.has(j)) {
        const tail = [...j.log.tail.map((l) => l.text), ...j.log.open()].slice(-TERM_HEIGHT);
        for (const l of tail) {
          const shownLine = ` => => # ${l.slice(0, width - TERM_PAD)}\n`;
          out += color ? `${FAINT}${shownLine}${RESET}` : shownLine;
          lines++;
        }
      }
    }
    // Blank what is left of a longer earlier drawing, and come back to the end of this one.
    const diff = lineCount - lines;
    if (diff > 0) out += `${" ".repeat(width)}\n`.repeat(diff) + `\x1b[${diff}A\x1b[0G`;
    lineCount = lines;
    return out + "\x1b[?25h";
  };

  const onEvent = (e: BuildEvent): void => {
    switch (e.kind) {
      case "step-start":
        if (e.step.stageName) stages.add(e.step.stageName.toLowerCase());
        if (!showsAsVertex(e.step, stages)) return;
        job(e.step.id, vertexName(e.step));
        break;
      case "step-cached": {
        const j = jobs.get(e.step.id);
        if (!j) return;
        j.cached = true;
        stop(j);
        break;
      }
      case "step-output": {
        const j = jobs.get(e.step.id);
        if (!j) return;
        j.log.add(e.stream, e.data, (now() - j.startedAt) / 1000);
        break;
      }
      case "step-done": {
        const j = jobs.get(e.step.id);
        if (!j) return;
        j.log.flush();
        stop(j);
        break;
      }
      case "step-error": {
        const j = job(e.step.id, vertexName(e.step));
        j.error = true;
        j.log.flush();
        stop(j);
        break;
      }
      case "built":
        if (output === "image") job(EXPORT_ID, exporterWords(output).name);
        break;
      case "exported":
        job(EXPORT_ID, exporterWords(output).name);
        break;
      case "warning":
        warnings.push(e.message);
        return;
      case "tagged":
      case "step-progress":
      case "step-container":
      case "step-container-removed":
      case "step-triggers":
      case "stage-done":
        return;
    }
    update();
  };

  const end = (): void => {
    ended = true;
    clearInterval(ticker);
    if (pending) clearTimeout(pending);
    draw(true);
  };

  return {
    reporter: { event: onEvent },
    finish(_result: BuildResult) {
      stop(jobs.get(EXPORT_ID));
      end();
      for (const w of warnings) write(`WARNING: ${w}\n`);
    },
    fail(err) {
      for (const j of jobs.values()) stop(j);
      end();
      // The failed step's line says ERROR; its words come once, in the summary.
      for (const j of jobs.values()) if (j.error) write(errorReport(j.name, j.log.tail));
      for (const w of warnings) write(`WARNING: ${w}\n`);
      write(`${failureSummary(err)}\n`);
    },
  };
}

/** progressui's align: `left` padded so that `right` ends the line at `width`. */
function align(left: string, right: string, width: number): string {
  return `${left.padEnd(width - right.length - 1)} ${right}`;
}

/** The last jobs that fit, running ones first brought back into view (progressui's wrapHeight). */
function visibleJobs(list: readonly Job[], limit: number): Job[] {
  if (limit <= 0) return [];
  if (list.length <= limit) return [...list];
  const hidden = list.slice(0, list.length - limit).filter((j) => j.stoppedAt === undefined);
  const tail = list.slice(list.length - limit);
  // Make room for hidden running jobs by dropping the oldest finished ones of the tail.
  let drop = hidden.length;
  const kept = tail.filter((j) => {
    if (drop > 0 && j.stoppedAt !== undefined) {
      drop--;
      return false;
    }
    return true;
  });
  return [...hidden.slice(hidden.length - (tail.length - kept.length)), ...kept];
}
