// Literal constants in actions: strconv.Unquote, strconv.ParseInt/ParseFloat with base 0, and Go's
// character constants.

import { InvalidArgumentError } from "../../../errors.js";
import { goQuote } from "./quote.js";

const GO_INT = /^[+-]?(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|0(?:_?[0-7])*|[1-9](?:_?[0-9])*)$/;
const GO_FLOAT = /^[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?$/;
const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 0x5c };

export function numberValue(text: string): number {
  if (text.endsWith("i")) throw new InvalidArgumentError(`complex constant ${text} is not supported`);
  if (GO_INT.test(text)) {
    const negative = text.startsWith("-");
    let digits = text.replace(/^[+-]/, "").replaceAll("_", "");
    if (/^0[0-7]+$/.test(digits)) digits = `0o${digits.slice(1)}`; // a leading 0 means octal
    const value = Number(BigInt(digits));
    return negative ? -value : value;
  }
  if (GO_FLOAT.test(text)) return Number(text.replaceAll("_", ""));
  throw new InvalidArgumentError(`illegal number syntax: ${goQuote(text)}`);
}

export function charConstantValue(text: string): number {
  const { value, next } = readQuotedRune(text, 1, "'");
  if (text.slice(next) !== "'") throw new InvalidArgumentError(`malformed character constant: ${text}`);
  return value;
}

/** strconv.Unquote for "…" and `…`; \x and octal escapes are bytes, so they are decoded as UTF-8. */
export function unquoteGo(text: string): string {
  if (text.startsWith("`")) return text.slice(1, -1).replaceAll("\r", "");
  const bytes: number[] = [];
  let at = 1;
  while (at < text.length - 1) {
    const rune = readQuotedRune(text, at, '"');
    if (rune.isByte) bytes.push(rune.value);
    else bytes.push(...Buffer.from(String.fromCodePoint(rune.value)));
    at = rune.next;
  }
  return Buffer.from(bytes).toString("utf8");
}

/** strconv.UnquoteChar: one character or escape at `at`; throws "invalid syntax" like Go. */
function readQuotedRune(text: string, at: number, quote: string): { value: number; isByte: boolean; next: number } {
  const cp = text.codePointAt(at);
  if (cp === undefined || String.fromCodePoint(cp) === quote) throw new InvalidArgumentError("invalid syntax");
  if (cp !== 0x5c) return { value: cp, isByte: false, next: at + (cp > 0xffff ? 2 : 1) };
  const kind = text[at + 1] ?? "";
  const simple = SIMPLE_ESCAPES[kind];
  if (simple !== undefined) return { value: simple, isByte: false, next: at + 2 };
  if (kind === "'" || kind === '"') {
    if (kind !== quote) throw new InvalidArgumentError("invalid syntax");
    return { value: kind.charCodeAt(0), isByte: false, next: at + 2 };
  }
  const hex = (len: number): number => {
    const digits = text.slice(at + 2, at + 2 + len);
    if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(digits)) throw new InvalidArgumentError("invalid syntax");
    return parseInt(digits, 16);
  };
  switch (kind) {
    case "x":
      return { value: hex(2), isByte: true, next: at + 4 };
    case "u":
      return { value: validRune(hex(4)), isByte: false, next: at + 6 };
    case "U":
      return { value: validRune(hex(8)), isByte: false, next: at + 10 };
  }
  const octal = text.slice(at + 1, at + 4);
  if (/^[0-7]{3}$/.test(octal) && parseInt(octal, 8) <= 255) return { value: parseInt(octal, 8), isByte: true, next: at + 4 };
  throw new InvalidArgumentError("invalid syntax");
}

function validRune(cp: number): number {
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new InvalidArgumentError("invalid syntax");
  return cp;
}
