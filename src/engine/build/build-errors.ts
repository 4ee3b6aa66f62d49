// Failures of a build that its views show in their own words: the API keeps the classic
// builder's message, the CLI's BuildKit views rebuild theirs from the command and exit code.
import { BerthError } from "../../errors.js";
import type { StepInfo } from "./build-events.js";

/**
 * A step that failed. For a RUN whose process failed: "The command '/bin/sh -c exit 3' returned a
 * non-zero code: 3", with the command and its exit code.
 */
export class BuildStepError extends BerthError {
  readonly kind = "system";
  readonly step: StepInfo;
  readonly exitCode?: number;
  /** The command as the classic builder quotes it ("/bin/sh -c exit 3"); "" when unknown. */
  readonly command: string;

  constructor(message: string, opts: { step: StepInfo; exitCode?: number; command?: string; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.step = opts.step;
    if (opts.exitCode !== undefined) this.exitCode = opts.exitCode;
    this.command = opts.command ?? "";
  }
}
