// run/create's health flags, as docker/cli's container opts parse them (opts.go parse): durations
// in Go's syntax, negative values and --no-healthcheck with others refused in its words.
import { InvalidArgumentError } from "commander";
import type { HealthConfig } from "../../image/config.js";
import { parseGoDuration } from "../../image/go-duration.js";
import { ClientArgumentError } from "../errors.js";

/** A pflag Duration value: time.ParseDuration's message becomes the flag error. */
export function parseDurationFlag(value: string): number {
  try {
    return parseGoDuration(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** Config.Healthcheck from the flags, or undefined when none was given (no key in the body, measured). */
export function healthcheckFromFlags(opts: Record<string, unknown>): HealthConfig | undefined {
  const cmd = (opts.healthCmd as string | undefined) ?? "";
  const interval = (opts.healthInterval as number | undefined) ?? 0;
  const timeout = (opts.healthTimeout as number | undefined) ?? 0;
  const startPeriod = (opts.healthStartPeriod as number | undefined) ?? 0;
  const startInterval = (opts.healthStartInterval as number | undefined) ?? 0;
  const retries = (opts.healthRetries as number | undefined) ?? 0;
  const haveSettings = cmd !== "" || interval !== 0 || timeout !== 0 || startPeriod !== 0 || startInterval !== 0 || retries !== 0;
  // Commander keeps --no-healthcheck as healthcheck: false.
  if (opts.healthcheck === false) {
    if (haveSettings) throw new ClientArgumentError("--no-healthcheck conflicts with --health-* options");
    return { Test: ["NONE"] };
  }
  if (!haveSettings) return undefined;
  const negative = (value: number, flag: string) => {
    if (value < 0) throw new ClientArgumentError(`--${flag} cannot be negative`);
  };
  negative(interval, "health-interval");
  negative(timeout, "health-timeout");
  negative(retries, "health-retries");
  negative(startPeriod, "health-start-period");
  negative(startInterval, "health-start-interval");
  const health: HealthConfig = {};
  if (cmd !== "") health.Test = ["CMD-SHELL", cmd];
  if (interval) health.Interval = interval;
  if (timeout) health.Timeout = timeout;
  if (startPeriod) health.StartPeriod = startPeriod;
  if (startInterval) health.StartInterval = startInterval;
  if (retries) health.Retries = retries;
  return health;
}
