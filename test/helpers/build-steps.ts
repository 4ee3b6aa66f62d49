// Steps and build events as the engine reports them, for the tests of the build views.
import type { StepInfo } from "../../src/engine/build/build-events.js";

/** A step of a build of `total` steps; `stage` 0 unless told. */
export function step(number: number, text: string, over: Partial<StepInfo> = {}): StepInfo {
  return {
    id: `${over.stage ?? 0}:${number}`,
    stage: 0,
    stageName: "",
    number,
    total: 3,
    stageStep: number,
    stageSteps: 3,
    text,
    ...over,
  };
}

export const IMAGE_A = "sha256:" + "a1".repeat(32);
export const IMAGE_B = "sha256:" + "b2".repeat(32);
export const IMAGE_C = "sha256:" + "c3".repeat(32);
export const CONTAINER = "0123456789abcdef".repeat(4);

/** A clock moved by hand, in milliseconds. */
export function manualClock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}
