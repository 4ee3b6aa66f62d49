// Values the API writes in Docker's textual forms: log timestamps, and the
// unix times clients send in since/until.
import { InvalidArgumentError } from "../errors.js";

/** RFC3339Nano with exactly nine digits in UTC (jsonmessage.RFC3339NanoFixed), from a log record's stamp. */
export { utcTimestamp as formatLogTimestamp } from "../engine/containers/container-io.js";

/** since/until: unix seconds with an optional fraction ("1700000000.123456789"), as the CLI sends them. */
export function parseUnixTime(text: string): Date {
  return new Date(Number(parseUnixTimeNano(text) / 1_000_000n));
}

/** The same, to the nanosecond (events are ordered by it). */
export function parseUnixTimeNano(text: string): bigint {
  const m = /^(-?\d+)(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (m) return BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? "0").padEnd(9, "0"));
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) throw new InvalidArgumentError(`invalid value for time: ${JSON.stringify(text)}`);
  return BigInt(parsed) * 1_000_000n;
}
