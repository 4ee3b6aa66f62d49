// RUN: the command in a container made from the step's parent image, its output streamed to the
// reporter, and its writable layer committed as the step's layer when it exits 0. Whatever
// happens, the container goes (a failed build leaves none behind) unless the request keeps it.
import { Writable } from "node:stream";
import type { Engine } from "../engine.js";
import { startAndFollow } from "../containers/container-attach.js";
import { createStepContainer, removeStepContainer, type StepContainerOptions } from "./step-container.js";
import { BuildStepError } from "./build-errors.js";
import type { BuildReporter, StepInfo } from "./build-events.js";
import { CancelledError, SystemError } from "../../errors.js";

export interface RunStepOptions extends StepContainerOptions {
  readonly step: StepInfo;
  readonly reporter: BuildReporter;
  readonly signal?: AbortSignal | undefined;
  /** The text the classic builder names a failed command by ("/bin/sh -c exit 3"). */
  readonly commandText: string;
  /** Keep the container after success (the API's rm=false). */
  readonly keepOnSuccess?: boolean;
  /** Keep the container after a failure (the classic builder's rm without forcerm). */
  readonly keepOnFailure?: boolean;
}

/**
 * Runs the step's command and hands its container to `commit` (which reads the writable layer)
 * when it exited 0. Throws BuildStepError with the exit code otherwise, CancelledError when aborted.
 */
export async function runStep<T>(engine: Engine, opts: RunStepOptions, commit: (containerId: string) => Promise<T>): Promise<T> {
  if (opts.signal?.aborted) throw new CancelledError("the build was cancelled");
  const id = createStepContainer(engine, opts);
  opts.reporter.event({ kind: "step-container", step: opts.step, containerId: id });
  let succeeded = false;
  const onAbort = () => void removeStepContainer(engine, id).catch(() => undefined);
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const end = await startAndFollow(engine, id, {
      stdout: sink((data) => opts.reporter.event({ kind: "step-output", step: opts.step, stream: "stdout", data })),
      stderr: sink((data) => opts.reporter.event({ kind: "step-output", step: opts.step, stream: "stderr", data })),
      detachKeys: [],
    });
    if (opts.signal?.aborted) throw new CancelledError("the build was cancelled");
    if (!end || end.detached) throw new SystemError(`the step's container ${id.slice(0, 12)} did not run to its end`);
    if (end.exitCode !== 0) {
      throw new BuildStepError(`The command '${opts.commandText}' returned a non-zero code: ${end.exitCode}`, {
        step: opts.step,
        exitCode: end.exitCode,
        command: opts.commandText,
      });
    }
    const result = await commit(id);
    succeeded = true;
    return result;
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    const keep = succeeded ? opts.keepOnSuccess : opts.keepOnFailure && !opts.signal?.aborted;
    if (!keep) {
      await removeStepContainer(engine, id).catch((err: unknown) => {
        if (succeeded) throw err;
      });
      opts.reporter.event({ kind: "step-container-removed", step: opts.step, containerId: id });
    }
  }
}

function sink(write: (data: Buffer) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      write(Buffer.from(chunk));
      done();
    },
  });
}
