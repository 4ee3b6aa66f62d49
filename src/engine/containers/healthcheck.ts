// A container's health check as dockerd keeps it: checked as its create checks it, merged with
// the image's (daemon/commit.go merge) and kept in Config.Healthcheck. What runs it is
// health-probes.ts; what it reports is health-state.ts.
import type { HealthConfig } from "../../image/config.js";
import { InvalidArgumentError } from "../../errors.js";

/** container.MinimumDuration in dockerd 20.10: 1ms, in nanoseconds. */
const MINIMUM_DURATION = 1_000_000;

/** dockerd's verifyContainerSettings on the user's Healthcheck, in its order and words. */
export function checkHealthcheck(health: HealthConfig | undefined): void {
  if (!health) return;
  const tooShort = (value: number | undefined): boolean => value !== undefined && value !== 0 && value < MINIMUM_DURATION;
  if (tooShort(health.Interval)) throw new InvalidArgumentError("Interval in Healthcheck cannot be less than 1ms");
  if (tooShort(health.Timeout)) throw new InvalidArgumentError("Timeout in Healthcheck cannot be less than 1ms");
  if ((health.Retries ?? 0) < 0) throw new InvalidArgumentError("Retries in Healthcheck cannot be negative");
  if (tooShort(health.StartPeriod)) throw new InvalidArgumentError("StartPeriod in Healthcheck cannot be less than 1ms");
  if (tooShort(health.StartInterval)) throw new InvalidArgumentError("StartInterval in Healthcheck cannot be less than 1ms");
  // dockerd 20.10 accepted ["CMD"] and then panicked at its first probe (measured): refused here.
  if (health.Test?.length === 1 && health.Test[0] === "CMD") throw new InvalidArgumentError("Healthcheck CMD needs a command to run");
}

/**
 * The user's health check over the image's: with none given the image's holds; each field the
 * user left empty (no Test, a zero duration or count) is the image's. Test ["NONE"] is kept as
 * given: it is how a container turns the image's check off.
 */
export function mergeHealthcheck(user: HealthConfig | undefined, image: HealthConfig | undefined): HealthConfig | undefined {
  if (!user) return image && canonicalHealthConfig(image);
  if (!image) return canonicalHealthConfig(user);
  return canonicalHealthConfig({
    Test: user.Test?.length ? user.Test : image.Test,
    Interval: user.Interval || image.Interval,
    Timeout: user.Timeout || image.Timeout,
    StartPeriod: user.StartPeriod || image.StartPeriod,
    StartInterval: user.StartInterval || image.StartInterval,
    Retries: user.Retries || image.Retries,
  });
}

/**
 * The command a probe runs, or undefined when the check runs nothing: no Test, ["NONE"], or a
 * kind dockerd does not know (measured: created, with no monitor and no State.Health).
 * CMD-SHELL goes through the image's SHELL, /bin/sh -c by default.
 */
export function probeCommand(health: HealthConfig | undefined, shell: readonly string[] | undefined): string[] | undefined {
  const [kind, ...rest] = health?.Test ?? [];
  if (kind === "CMD" && rest.length > 0) return rest;
  if (kind === "CMD-SHELL") return [...(shell?.length ? shell : ["/bin/sh", "-c"]), ...rest];
  return undefined;
}

/** Go's field order of container.HealthConfig, every field omitempty. */
function canonicalHealthConfig(h: { [K in keyof HealthConfig]?: HealthConfig[K] | undefined }): HealthConfig {
  const out: HealthConfig = {};
  if (h.Test?.length) out.Test = [...h.Test];
  if (h.Interval) out.Interval = h.Interval;
  if (h.Timeout) out.Timeout = h.Timeout;
  if (h.StartPeriod) out.StartPeriod = h.StartPeriod;
  if (h.StartInterval) out.StartInterval = h.StartInterval;
  if (h.Retries) out.Retries = h.Retries;
  return out;
}
