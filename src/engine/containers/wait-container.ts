// Docker's wait conditions (POST /containers/{id}/wait): `not-running` returns at once for a
// stopped container; `next-exit` waits for the next run to end even if none has started yet;
// `removed` waits until the container is gone too (auto-remove or rm). The exit code comes from
// the runtime's record of the exit; a start that failed counts as an exit with the code the start recorded.
import type { Engine } from "../engine.js";
import { refreshContainer, resolveContainer } from "./container-state.js";
import { containerRuntime } from "./container-runtime.js";
import { cleanupContainer } from "./container-lifecycle.js";
import { CancelledError, InvalidArgumentError } from "../../errors.js";

export type WaitCondition = "not-running" | "next-exit" | "removed";

export function parseWaitCondition(text: string | null): WaitCondition {
  if (text === null || text === "" || text === "not-running") return "not-running";
  if (text === "next-exit" || text === "removed") return text;
  throw new InvalidArgumentError(`invalid condition: "${text}"`);
}

const POLL_MS = 40;

/**
 * Waits for the condition, then for the output that attached clients are still being sent: the
 * answer never overtakes the container's last output (attached-streams.ts).
 */
export async function waitForCondition(
  engine: Engine,
  idOrName: string,
  opts: { condition: WaitCondition; signal?: AbortSignal },
): Promise<{ code: number }> {
  const id = resolveContainer(engine, idOrName).spec.id;
  const result = await conditionMet(engine, id, opts);
  await engine.attachedStreams.delivered(id);
  return result;
}

async function conditionMet(
  engine: Engine,
  idOrName: string,
  opts: { condition: WaitCondition; signal?: AbortSignal },
): Promise<{ code: number }> {
  const first = resolveContainer(engine, idOrName);
  const id = first.spec.id;
  const runtime = containerRuntime(engine, first.spec);
  const startRun = first.state.runId;
  let phase: "await-start" | "running" | "exited" = first.state.Running ? "running" : "await-start";
  let code = first.state.ExitCode;
  if (!first.state.Running && opts.condition === "not-running") return { code };
  if (!first.state.Running && opts.condition === "removed" && first.state.Status !== "created") phase = "exited";
  for (let i = 0; ; i++) {
    if (opts.signal?.aborted) throw new CancelledError("wait cancelled");
    let current = engine.store.containers.get(id);
    if (!current) return { code };
    if (phase === "await-start" && (current.state.runId !== startRun || current.state.Running)) phase = "running";
    if (phase === "running") {
      const exit = runtime.exitStatus(id);
      if (i % 25 === 24) current = refreshContainer(engine, current);
      if (exit || (current.state.runId !== startRun && !current.state.Running && current.state.Error !== "")) {
        code = exit ? exit.code : current.state.ExitCode;
        phase = "exited";
        // Record the exit now rather than when conmon's cleanup process gets to it.
        await cleanupContainer(engine, id).catch(() => undefined);
        if (opts.condition !== "removed") return { code };
        continue;
      }
      if (!current.state.Running && current.state.Status === "exited" && current.state.runId !== startRun) {
        code = current.state.ExitCode;
        phase = "exited";
        if (opts.condition !== "removed") return { code };
      }
    } else if (phase === "exited") {
      code = current.state.ExitCode;
    }
    await sleep(POLL_MS, opts.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
