// Go standard-library behaviours that BuildKit's Dockerfile frontend shows to users: %q quoting,
// unicode.IsSpace, strconv.ParseBool/ParseInt/ParseUint, time.ParseDuration and go-units'
// RAMInBytes. Their exact words and edge cases appear in Dockerfile errors, so they are ported here.

/** Go's unicode.IsSpace (JavaScript's \s also takes U+FEFF, which Go does not). */
export function isGoSpace(ch: string): boolean {
  switch (ch) {
    case "\t":
    case "\n":
    case "\v":
    case "\f":
    case "\r":
    case " ":
    case "\u0085":
    case "\u00a0":
    case "\u1680":
    case "\u2028":
    case "\u2029":
    case "\u202f":
    case "\u205f":
    case "\u3000":
      return true;
  }
  return ch >= "\u2000" && ch <= "\u200a";
}

/** strings.TrimSpace with unicode.IsSpace. */
export function goTrimSpace(s: string): string {
  return goTrimRightSpace(goTrimLeftSpace(s));
}

export function goTrimLeftSpace(s: string): string {
  let i = 0;
  while (i < s.length && isGoSpace(s[i]!)) i++;
  return s.slice(i);
}

export function goTrimRightSpace(s: string): string {
  let j = s.length;
  while (j > 0 && isGoSpace(s[j - 1]!)) j--;
  return s.slice(0, j);
}

/** Go's %q for a string (strconv.Quote): printable runes kept, the rest escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\x07":
        out += "\\a";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\v":
        out += "\\v";
        continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (cp >= 0x80 && cp < 0xa0) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out + '"';
}

/** strconv.ParseBool; undefined where Go returns an error. */
export function goParseBool(s: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(s)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(s)) return false;
  return undefined;
}

/** strconv.ParseInt(s, 10, bits), with Go's error words. */
export function goParseInt(s: string, bits: 32 | 64): number {
  const m = /^[+-]?[0-9]+$/.exec(s);
  if (!m) throw new Error(`strconv.ParseInt: parsing ${goQuote(s)}: invalid syntax`);
  const v = BigInt(s);
  const max = (1n << BigInt(bits - 1)) - 1n;
  if (v > max || v < -max - 1n) throw new Error(`strconv.ParseInt: parsing ${goQuote(s)}: value out of range`);
  return Number(v);
}

/** strconv.ParseUint(s, base, 32); undefined on any error (callers word their own). */
export function goParseUint32(s: string, base: 8 | 10): number | undefined {
  const digits = base === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  // Go accepts underscores only with a base prefix (base 0), so none here.
  if (!digits.test(s)) return undefined;
  const v = parseInt(s, base);
  return v <= 0xffffffff ? v : undefined;
}

const DURATION_UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1000n,
  "\u00b5s": 1000n,
  "\u03bcs": 1000n,
  ms: 1000000n,
  s: 1000000000n,
  m: 60000000000n,
  h: 3600000000000n,
};

/**
 * time.ParseDuration, in nanoseconds. HEALTHCHECK's --interval and friends take Go durations
 * ("1m30s", "1.5h", "300ms"); anything Go refuses is refused with Go's words.
 */
export function goParseDuration(input: string): number {
  const invalid = (): Error => new Error(`time: invalid duration ${goQuote(input)}`);
  let s = input;
  let neg = false;
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") throw invalid();
  const max = (1n << 63n) - 1n;
  let total = 0n;
  while (s !== "") {
    // Go reads the integer and fraction as decimal digits, then the unit up to the next digit or dot.
    const num = /^([0-9]*)(\.([0-9]*))?/.exec(s)!;
    const intPart = num[1]!;
    const fracPart = num[3] ?? "";
    if (intPart === "" && fracPart === "" && num[2] === undefined) throw invalid();
    if (intPart === "" && fracPart === "") throw invalid();
    s = s.slice(num[0].length);
    const unitMatch = /^[^0-9.]*/.exec(s)!;
    const unit = unitMatch[0];
    if (unit === "") throw new Error(`time: missing unit in duration ${goQuote(input)}`);
    const mult = DURATION_UNITS[unit];
    if (mult === undefined) throw new Error(`time: unknown unit ${goQuote(unit)} in duration ${goQuote(input)}`);
    s = s.slice(unit.length);
    let v = BigInt(intPart === "" ? "0" : intPart);
    if (v > max / mult) throw invalid();
    v *= mult;
    if (fracPart !== "") {
      // Go scales the fraction in floating point; for the digits a Dockerfile carries this is exact enough.
      const frac = Number(`0.${fracPart}`) * Number(mult);
      v += BigInt(Math.floor(frac));
    }
    total += v;
    if (total > max) throw invalid();
  }
  if (neg) total = -total;
  return Number(total);
}

/** go-units RAMInBytes: "64m", "1.5g", "100kb", binary multiples. undefined when it does not parse. */
export function ramInBytes(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(s);
  if (!m) return undefined;
  const size = parseFloat(m[1]!);
  const unit = (m[2] ?? "").toLowerCase();
  const mult = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }[unit]!;
  return Math.trunc(size * mult);
}

/** Levenshtein distance over code points (agext/levenshtein with default costs). */
export function levenshtein(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  let prev = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[y.length]!;
}

/**
 * BuildKit's suggest.WrapError: appends " (did you mean X?)" when an option is within two edits.
 * Options are tried in the order given (Go iterates a map; ties are rare and this keeps them stable).
 */
export function withSuggestion(message: string, value: string, options: readonly string[], caseSensitive: boolean): string {
  const val = caseSensitive ? value : value.toLowerCase();
  let match = "";
  let min = 3;
  for (const option of options) {
    const opt = caseSensitive ? option : option.toLowerCase();
    if (opt === val) return message;
    const d = levenshtein(val, opt);
    if (d < min) {
      min = d;
      match = caseSensitive ? opt : matchCase(opt, value);
    }
  }
  return match === "" ? message : `${message} (did you mean ${match}?)`;
}

function matchCase(val: string, orig: string): string {
  if (orig === orig.toLowerCase()) return val.toLowerCase();
  if (orig === orig.toUpperCase()) return val.toUpperCase();
  return val;
}
