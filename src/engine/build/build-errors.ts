// A build step that failed: the step, and for a RUN the command and its exit code, so that each
// front end can say it its own way (the classic stream's errorDetail.code, BuildKit's "did not
// complete successfully: exit code: 3").
import { BerthError } from "../../errors.js";
import type { StepInfo } from "./build-events.js";

export class BuildStepError extends BerthError {
  readonly kind = "system";
  readonly step: StepInfo;
  readonly exitCode: number | undefined;
  readonly command: string | undefined;

  constructor(message: string, opts: { step: StepInfo; exitCode?: number; command?: string; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.step = opts.step;
    this.exitCode = opts.exitCode;
    this.command = opts.command;
  }
}
