// A build step's cache key: a digest of everything its result depends on: the parent image (whose
// ID covers its layers and its config, ENV included), the instruction as written, the build args
// in scope with their values (a RUN sees them all in its environment), and what the step adds
// (the content a COPY copies, a RUN's mounts and network). Never a time, never a secret.
import { createHash } from "node:crypto";
import type { Instruction } from "../../build/dockerfile/instructions.js";

/** Bumped when what a key covers changes, so that old records stop answering. */
const KEY_VERSION = "berth-build-1";

export interface StepKeyInput {
  /** The parent image ID, or "scratch:<platform>". */
  readonly parent: string;
  readonly instruction: Instruction;
  readonly args: ReadonlyMap<string, string>;
  readonly extra: readonly string[];
}

export function stepCacheKey(input: StepKeyInput): string {
  const args = [...input.args].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`);
  const text = JSON.stringify([KEY_VERSION, input.parent, input.instruction.kind, input.instruction.original, args, input.extra]);
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}
