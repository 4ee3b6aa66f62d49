// Sizes and durations as Docker prints them (github.com/docker/go-units), and Go's %g.

const DECIMAL_UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

/** Go's strconv.FormatFloat(x, 'g', precision, 64): no trailing zeros, exponent when large. */
export function goFormatG(value: number, precision: number): string {
  if (value === 0) return "0";
  const rounded = Number(value.toPrecision(precision));
  const roundedExp = rounded === 0 ? 0 : Math.floor(Math.log10(Math.abs(rounded)));
  if (roundedExp < -4 || roundedExp >= precision) {
    const [mantissa, e] = rounded.toExponential(precision - 1).split("e");
    const m = mantissa!.includes(".") ? mantissa!.replace(/0+$/, "").replace(/\.$/, "") : mantissa!;
    const n = Number(e);
    return `${m}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
  }
  const fixed = rounded.toFixed(Math.max(0, precision - 1 - roundedExp));
  return fixed.includes(".") ? fixed.replace(/0+$/, "").replace(/\.$/, "") : fixed;
}

export function humanSizeWithPrecision(size: number, precision: number): string {
  let i = 0;
  while (size >= 1000 && i < DECIMAL_UNITS.length - 1) {
    size /= 1000;
    i++;
  }
  return goFormatG(size, precision) + DECIMAL_UNITS[i];
}

/** units.HumanSize: four significant digits. */
export function humanSize(size: number): string {
  return humanSizeWithPrecision(size, 4);
}

export { humanDuration } from "../../engine/containers/status-text.js";

/** Go's time.Time.String() in UTC: "2026-11-27 02:52:55 +0000 UTC". */
export function goTimeString(date: Date): string {
  return date
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " +0000 UTC");
}

/** time.RFC3339 in UTC, without fractional seconds. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}

/** Go's encoding/json escapes <, > and & in strings; Docker's --format json and inspect show that. */
export function goJson(value: unknown, indent?: string): string {
  return JSON.stringify(value, null, indent)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** docker/cli's Ellipsis: cut to `max` columns, the last one an ellipsis. */
export function ellipsis(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return chars.slice(0, max - 1).join("") + "…";
}

const BINARY_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];

/** units.BytesSize: powers of 1024, four significant digits ("1.434MiB"), as `stats` shows memory. */
export function bytesSize(size: number): string {
  let i = 0;
  while (size >= 1024 && i < BINARY_UNITS.length - 1) {
    size /= 1024;
    i++;
  }
  return goFormatG(size, 4) + BINARY_UNITS[i];
}
