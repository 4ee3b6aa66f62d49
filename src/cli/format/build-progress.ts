// A build's progress on the terminal. (Minimal stand-in with the shared signature: plain lines
// only; the full BuildKit-style view replaces this file.)
import type { BuildEvent, BuildReporter } from "../../engine/build/build-events.js";
import type { BuildResult } from "../../engine/build/build-request.js";

export type BuildProgressMode = "auto" | "plain" | "tty" | "quiet";

export interface BuildProgress {
  readonly reporter: BuildReporter;
  finish(result: BuildResult): void;
  fail(err: unknown): void;
}

export function createBuildProgress(
  mode: BuildProgressMode,
  stream: NodeJS.WritableStream,
  _opts: { isTTY: boolean; columns: number },
): BuildProgress {
  // -q: nothing while it runs, but a failure still shows what was logged (as docker build -q does).
  const held: string[] = [];
  const write = (text: string) => (mode === "quiet" ? held.push(text) : stream.write(text));
  const line = (event: BuildEvent): string | undefined => {
    switch (event.kind) {
      case "step-start":
        return `#${event.step.number} [${event.step.stageName || `stage-${event.step.stage}`} ${event.step.stageStep}/${event.step.stageSteps}] ${event.step.text}\n`;
      case "step-cached":
        return `#${event.step.number} CACHED\n`;
      case "step-output":
        return event.data.toString();
      case "step-error":
        return `#${event.step.number} ERROR: ${event.step.text}: ${event.message}\n`;
      case "step-done":
        return `#${event.step.number} DONE\n`;
      case "tagged":
        return `naming to ${event.name} done\n`;
      case "exported":
        return `exporting to ${event.dest} done\n`;
      case "warning":
        return `WARNING: ${event.message}\n`;
      default:
        return undefined;
    }
  };
  return {
    reporter: {
      event(event) {
        const text = line(event);
        if (text !== undefined) write(text);
      },
    },
    finish(result) {
      if (mode !== "quiet") stream.write(`writing image ${result.imageId} done\n`);
    },
    fail(err) {
      if (mode === "quiet") for (const text of held) stream.write(text);
      stream.write(`ERROR: ${err instanceof Error ? err.message : String(err)}\n`);
    },
  };
}
