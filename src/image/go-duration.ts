// Go's time.Duration as text: ParseDuration (the docker CLI's duration flags, HEALTHCHECK options)
// and String (dockerd's "Health check exceeded timeout (1m30s)"). Values are nanoseconds.
import { InvalidArgumentError } from "../errors.js";

const UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** time.ParseDuration, with its messages: "1m30s", "500ms", "-1s", ".5h", "0". */
export function parseGoDuration(text: string): number {
  const invalid = () => new InvalidArgumentError(`time: invalid duration ${JSON.stringify(text)}`);
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest.startsWith("-") ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw invalid();
  let total = 0;
  while (rest) {
    const number = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
    if (number[0] === "" || number[0] === ".") throw invalid();
    rest = rest.slice(number[0].length);
    const unit = /^[^\d.]*/.exec(rest)![0];
    if (unit === "") throw new InvalidArgumentError(`time: missing unit in duration ${JSON.stringify(text)}`);
    const scale = UNITS[unit];
    if (scale === undefined)
      throw new InvalidArgumentError(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(text)}`);
    rest = rest.slice(unit.length);
    total += Number(`${number[1] || "0"}.${number[2] || "0"}`) * scale;
  }
  return sign * Math.round(total);
}

/** time.Duration.String(): "1s", "500ms", "1m30s", "1h0m0s", "1.5µs", "0s". */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  const abs = Math.abs(ns);
  const fraction = (value: number, unitNs: number): string => {
    const whole = Math.trunc(value / unitNs);
    const rest = value % unitNs;
    if (rest === 0) return String(whole);
    const digits = String(unitNs).length - 1;
    return `${whole}.${String(rest).padStart(digits, "0").replace(/0+$/, "")}`;
  };
  if (abs < 1e3) return `${sign}${abs}ns`;
  if (abs < 1e6) return `${sign}${fraction(abs, 1e3)}µs`;
  if (abs < 1e9) return `${sign}${fraction(abs, 1e6)}ms`;
  const hours = Math.trunc(abs / 3600e9);
  const minutes = Math.trunc((abs % 3600e9) / 60e9);
  const seconds = fraction(abs % 60e9, 1e9);
  if (hours) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}
