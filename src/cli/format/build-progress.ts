// `--progress auto|plain|tty|quiet`: which of BuildKit's views draws a build on the CLI's stderr.
import { InvalidArgumentError } from "../../errors.js";
import { plainBuildProgress } from "./build-progress-plain.js";
import { ttyBuildProgress } from "./build-progress-tty.js";
import type { BuildView, OutputKind } from "./build-vertex.js";

export type ProgressMode = "auto" | "plain" | "tty" | "quiet";

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}

/**
 * The view for `mode`: "auto" is the terminal view when `stream` is a terminal, else plain.
 * "quiet" (`-q`) shows nothing on success (the command prints the image ID); on failure it prints
 * the whole plain log, then the error, as `docker build -q` does.
 */
export function createBuildProgress(
  mode: ProgressMode,
  stream: ProgressStream,
  opts: { output?: OutputKind; now?: () => number; env?: NodeJS.ProcessEnv } = {},
): BuildView {
  const write = (text: string) => void stream.write(text);
  const common = { ...(opts.output ? { output: opts.output } : {}), ...(opts.now ? { now: opts.now } : {}) };
  if (mode === "tty" && !stream.isTTY) throw new InvalidArgumentError("failed to get console: provided file is not a console");
  if (mode === "tty" || (mode === "auto" && stream.isTTY)) {
    const env = opts.env ?? process.env;
    // BuildKit reads the size once per drawing; 80 columns when the terminal does not say.
    return ttyBuildProgress(write, { ...common, columns: stream.columns || 80, rows: stream.rows || 10, color: !env.NO_COLOR });
  }
  if (mode === "quiet") {
    let log = "";
    const plain = plainBuildProgress((text) => (log += text), common);
    return {
      reporter: plain.reporter,
      finish: (result) => plain.finish(result),
      fail(err) {
        plain.fail(err);
        write(log);
      },
    };
  }
  return plainBuildProgress(write, common);
}
