// Docker's restart policies (--restart no|always|unless-stopped|on-failure[:N]): parsed and checked
// once here, and the decision after an exit, with the daemon's back-off (restartmanager: 100 ms,
// doubling to a minute, back to 100 ms after ten seconds of running).
import { InvalidArgumentError } from "../../errors.js";
import type { ContainerState, RestartPolicy } from "../../store/container-store.js";

export const NO_RESTART: RestartPolicy = { Name: "no", MaximumRetryCount: 0 };

const NAMES = new Set(["no", "always", "unless-stopped", "on-failure"]);
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 60_000;
const RESET_AFTER_MS = 10_000;

/** The CLI's `--restart` value (opts.ParseRestartPolicy). */
export function parseRestartFlag(text: string): RestartPolicy {
  if (text === "") return NO_RESTART;
  const [name, count, ...rest] = text.split(":");
  if (rest.length) throw new InvalidArgumentError(`invalid restart policy format: ${text}`);
  if (!name) throw new InvalidArgumentError("invalid restart policy format: no policy provided before colon");
  const policy: RestartPolicy = { Name: name, MaximumRetryCount: 0 };
  if (count !== undefined) {
    if (!/^-?\d+$/.test(count)) throw new InvalidArgumentError(`invalid restart policy format: maximum retry count must be an integer`);
    policy.MaximumRetryCount = Number(count);
  }
  return checkRestartPolicy(policy, false);
}

/** The daemon's checks (runconfig.validateRestartPolicy), for the CLI and the API alike. */
export function checkRestartPolicy(policy: RestartPolicy, autoRemove: boolean): RestartPolicy {
  const name = policy.Name === "" ? "no" : policy.Name;
  if (!NAMES.has(name)) throw new InvalidArgumentError(`invalid restart policy '${policy.Name}'`);
  if (policy.MaximumRetryCount < 0) throw new InvalidArgumentError("invalid restart policy: maximum retry count cannot be negative");
  if (name !== "on-failure" && policy.MaximumRetryCount !== 0) {
    throw new InvalidArgumentError(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  }
  if (autoRemove && name !== "no") throw new InvalidArgumentError("Conflicting options: --restart and --rm");
  return { Name: name, MaximumRetryCount: policy.MaximumRetryCount };
}

/** Should this exit be followed by a start, and after how long? */
export function restartDecision(
  policy: RestartPolicy,
  state: ContainerState,
  ranForMs: number,
): { restart: false } | { restart: true; delayMs: number } {
  if (state.manuallyStopped) return { restart: false };
  const count = state.restartCount ?? 0;
  let restart = false;
  switch (policy.Name) {
    case "always":
    case "unless-stopped":
      restart = true;
      break;
    case "on-failure":
      restart = state.ExitCode !== 0 && (policy.MaximumRetryCount === 0 || count < policy.MaximumRetryCount);
      break;
  }
  if (!restart) return { restart: false };
  const previous = state.restartDelayMs ?? 0;
  const delayMs = ranForMs >= RESET_AFTER_MS || previous === 0 ? FIRST_DELAY_MS : Math.min(previous * 2, MAX_DELAY_MS);
  return { restart: true, delayMs };
}

/**
 * The state an exit is recorded with. When the policy will start the container again it reads as
 * "restarting" from that moment, with the restart counted, as dockerd's monitor records it: a
 * client that looks right after the exit never sees a plain "exited" container that is about to
 * come back. restartAfterExit() then waits `restartDelayMs` and starts it.
 */
export function withRestartDecision(policy: RestartPolicy, exited: ContainerState): ContainerState {
  const ranFor = Date.parse(exited.FinishedAt) - Date.parse(exited.StartedAt);
  const decision = restartDecision(policy, exited, Number.isFinite(ranFor) ? ranFor : 0);
  if (!decision.restart) return exited;
  return {
    ...exited,
    Restarting: true,
    Status: "restarting",
    restartCount: (exited.restartCount ?? 0) + 1,
    restartDelayMs: decision.delayMs,
  };
}

/** Containers a machine start brings back (the daemon does this when it starts). */
export function restartsOnBoot(policy: RestartPolicy, state: ContainerState): boolean {
  if (policy.Name === "always") return true;
  return policy.Name === "unless-stopped" && !state.manuallyStopped;
}
