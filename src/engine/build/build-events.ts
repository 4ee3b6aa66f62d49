// What a build tells its caller while it runs. The engine emits these events; the CLI draws them
// (BuildKit's terminal view, its plain lines, or nothing with -q) and the API turns them into the
// classic builder's JSON messages (BUILD-API §2). Steps of stages built in parallel interleave.
import type { ProgressMessage } from "../progress.js";

/** One instruction of the build, as the progress views name it. */
export interface StepInfo {
  /** Unique within one build ("0:3": stage 0, instruction 3). */
  readonly id: string;
  readonly stage: number;
  /** The stage's `AS` name; "" when unnamed. */
  readonly stageName: string;
  /** 1-based position among all steps of the build (the classic "Step N/M"). */
  readonly number: number;
  /** M of "Step N/M": every step built, global ARGs and --label steps included. */
  readonly total: number;
  /** 1-based position within its stage, FROM being 1 (BuildKit's "[stage 2/5]"). */
  readonly stageStep: number;
  readonly stageSteps: number;
  /** The instruction as written, continuations joined ("RUN echo hi", "FROM busybox AS b"). */
  readonly text: string;
}

export type BuildEvent =
  /** A step begins (a global ARG's step begins and ends with nothing else). */
  | { readonly kind: "step-start"; readonly step: StepInfo }
  /** The cache answered the step: no container ran, no layer was written. */
  | { readonly kind: "step-cached"; readonly step: StepInfo; readonly imageId: string }
  /** A container was made for the step ("Running in <12hex>"). */
  | { readonly kind: "step-container"; readonly step: StepInfo; readonly containerId: string }
  /** Output of a step's process, as it was read. */
  | { readonly kind: "step-output"; readonly step: StepInfo; readonly stream: "stdout" | "stderr"; readonly data: Buffer }
  /** The base image's ONBUILD triggers are about to run, inside its FROM step ("# Executing 2 build triggers"). */
  | { readonly kind: "step-triggers"; readonly step: StepInfo; readonly count: number }
  /** Progress of a pull or a download inside a step (FROM of an absent image, ADD of a URL). */
  | { readonly kind: "step-progress"; readonly step: StepInfo; readonly message: ProgressMessage }
  /** The step's container is gone ("Removing intermediate container <12hex>"). */
  | { readonly kind: "step-container-removed"; readonly step: StepInfo; readonly containerId: string }
  /** The step's result: an image (FROM: the base image). */
  | { readonly kind: "step-done"; readonly step: StepInfo; readonly imageId: string }
  /** The step failed; the build ends with the error thrown by buildImage(). */
  | { readonly kind: "step-error"; readonly step: StepInfo; readonly message: string }
  /** A stage's last image (the classic builder's aux message). */
  | { readonly kind: "stage-done"; readonly stage: number; readonly imageId: string }
  /** The target's image is complete, before it is tagged or exported. */
  | { readonly kind: "built"; readonly imageId: string }
  | { readonly kind: "tagged"; readonly name: string }
  /** `--output`: the filesystem was written to `dest`. */
  | { readonly kind: "exported"; readonly dest: string }
  /** Something the user should know that does not stop the build (unused build args, `# syntax=`). */
  | { readonly kind: "warning"; readonly message: string };

export interface BuildReporter {
  event(event: BuildEvent): void;
}

export const silentReporter: BuildReporter = { event: () => undefined };
