// Go's time.Duration and time.Time as template values: printed as their String methods print, and
// encoded in JSON as Go encodes them.

/** A time.Duration field's value: prints as Duration.String() does, and stays a number in JSON. */
export class GoDuration {
  constructor(readonly nanoseconds: number) {}
  toString(): string {
    return goDurationString(this.nanoseconds);
  }
  toJSON(): number {
    return this.nanoseconds;
  }
}

/** A time.Time field's value (RFC 3339 in JSON): prints as Time.String() does. */
export class GoTime {
  constructor(readonly rfc3339: string) {}
  toString(): string {
    return goTimeText(this.rfc3339);
  }
  toJSON(): string {
    return this.rfc3339;
  }
}

/** time.Duration's String: "0s", "1.5ms", "1m30s", "2h0m0s". */
export function goDurationString(ns: number): string {
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  const abs = BigInt(Math.abs(Math.round(ns)));
  const fraction = (whole: bigint, unit: bigint, digits: number) => {
    const rest = (whole % unit).toString().padStart(digits, "0").replace(/0+$/, "");
    return `${whole / unit}${rest ? `.${rest}` : ""}`;
  };
  if (abs < 1000n) return `${sign}${abs}ns`;
  if (abs < 1_000_000n) return `${sign}${fraction(abs, 1000n, 3)}µs`;
  if (abs < 1_000_000_000n) return `${sign}${fraction(abs, 1_000_000n, 6)}ms`;
  const hours = abs / 3_600_000_000_000n;
  const minutes = (abs / 60_000_000_000n) % 60n;
  const seconds = fraction(abs % 60_000_000_000n, 1_000_000_000n, 9);
  return `${sign}${hours ? `${hours}h` : ""}${hours || minutes ? `${minutes}m` : ""}${seconds}s`;
}

/** time.Time's String of an RFC 3339 text: "2026-12-06 20:26:41.36439657 +0000 UTC". */
export function goTimeText(rfc3339: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(rfc3339);
  if (!m) return rfc3339;
  const fraction = (m[3] ?? "").replace(/0+$/, "");
  const zone = m[4] === "Z" ? "+0000 UTC" : `${m[4]!.replace(":", "")} ${m[4]!.replace(":", "")}`;
  return `${m[1]} ${m[2]}${fraction ? `.${fraction}` : ""} ${zone}`;
}
