// Go's fmt: printing values under a directive (%v, %d, %q, …), typed values included.

import { floatBody } from "./float-format.js";
import { goDurationString, goTimeText } from "./go-time.js";
import { GO_TYPES, type GoType, isPartialStruct, TypedNil } from "./go-types.js";
import { escapeRune, goQuote, hex, isPrintRune } from "./quote.js";
import { goTypeName, isGoInteger, isPlainObject, sortEntries } from "./values.js";

export interface Directive {
  verb: string;
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  /** %#v and %+v: Go keeps these apart from the plain # and + flags. */
  sharpV: boolean;
  plusV: boolean;
  width: number | undefined;
  prec: number | undefined;
}

export function directive(verb: string): Directive {
  return {
    verb,
    minus: false,
    plus: false,
    sharp: false,
    space: false,
    zero: false,
    sharpV: false,
    plusV: false,
    width: undefined,
    prec: undefined,
  };
}

const PLAIN_V = directive("v");

/** fmt.Sprint of one value: what {{.}} prints. */
export function formatValue(value: unknown): string {
  return formatArg(PLAIN_V, value);
}

/** fmt.Sprint: spaces go between operands when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = "";
  args.forEach((arg, i) => {
    if (i > 0 && typeof arg !== "string" && typeof args[i - 1] !== "string") out += " ";
    out += formatValue(arg);
  });
  return out;
}

export function sprintln(args: readonly unknown[]): string {
  return `${args.map(formatValue).join(" ")}\n`;
}

/** fmt's printArg: one operand under one directive, including padding. */
export function formatArg(d: Directive, arg: unknown): string {
  if (d.verb === "T") return pad(d, goTypeName(arg));
  if (arg === null || arg === undefined) return d.verb === "v" ? pad(d, "<nil>") : badVerb(d, arg);
  switch (typeof arg) {
    case "boolean":
      return d.verb === "t" || d.verb === "v" ? pad(d, String(arg)) : badVerb(d, arg);
    case "number":
      return formatNumber(d, arg);
    case "bigint":
      return formatInteger(d, arg);
    case "string":
      return formatString(d, arg);
    case "object":
      return formatObject(d, arg);
    default:
      return d.verb === "v" ? pad(d, `<${typeof arg}>`) : badVerb(d, arg);
  }
}

function badVerb(d: Directive, arg: unknown): string {
  if (arg === null || arg === undefined) return `%!${d.verb}(<nil>)`;
  return `%!${d.verb}(${goTypeName(arg)}=${formatArg({ ...d, verb: "v" }, arg)})`;
}

/** Padding counts runes, as fmt does. */
function pad(d: Directive, s: string, fill = d.zero && !d.minus ? "0" : " "): string {
  const missing = (d.width ?? 0) - [...s].length;
  if (missing <= 0) return s;
  return d.minus ? s + " ".repeat(missing) : fill.repeat(missing) + s;
}

function formatObject(d: Directive, value: object): string {
  const goType = GO_TYPES.get(value);
  if (goType && d.verb === "v" && !d.sharpV && !d.plusV && !isPartialStruct(goType)) return formatGo(value, goType, true);
  if (value instanceof TypedNil) return d.verb === "v" ? pad(d, "<nil>") : badVerb(d, null);
  if (Array.isArray(value) || value instanceof Set) return formatList(d, [...(value as Iterable<unknown>)]);
  if (value instanceof Map) return formatMap(d, [...value.entries()]);
  const text = stringerText(value);
  if (text !== undefined && "vsqxX".includes(d.verb)) return formatString({ ...d, sharpV: false }, text);
  return formatMap(d, Object.entries(value));
}

/** The analogue of Go's Stringer/error: Errors print their message, objects with their own toString use it. */
function stringerText(value: object): string | undefined {
  if (value instanceof Error) return value.message;
  if (isPlainObject(value)) return undefined;
  const toString: unknown = (value as { toString?: unknown }).toString;
  return typeof toString === "function" && toString !== Object.prototype.toString ? String(value) : undefined;
}

/** Slices print element by element under the same directive: %v of [a b] is "[a b]", %q is `["a" "b"]`. */
function formatList(d: Directive, items: readonly unknown[]): string {
  if (d.sharpV) return `[]interface {}{${items.map((item) => formatArg(d, item)).join(", ")}}`;
  return `[${items.map((item) => formatArg(d, item)).join(" ")}]`;
}

function formatMap(d: Directive, entries: [unknown, unknown][]): string {
  const sorted = sortEntries(entries);
  if (d.sharpV) return `map[string]interface {}{${sorted.map(([k, v]) => `${formatArg(d, k)}:${formatArg(d, v)}`).join(", ")}}`;
  return `map[${sorted.map(([k, v]) => `${formatArg(d, k)}:${formatArg(d, v)}`).join(" ")}]`;
}

function formatNumber(d: Directive, value: number): string {
  if (isGoInteger(value) && "bcdoOqxXUv".includes(d.verb)) return formatInteger(d, BigInt(value));
  if ("eEfFgGv".includes(d.verb)) return formatFloat(d, value);
  return badVerb(d, value);
}

function formatInteger(d: Directive, value: bigint): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  switch (d.verb) {
    case "d":
    case "v":
      return formatDigits(d, negative, "", abs.toString(10));
    case "b":
      return formatDigits(d, negative, d.sharp ? "0b" : "", abs.toString(2));
    case "o":
      return formatDigits(d, negative, d.sharp ? "0" : "", abs.toString(8));
    case "O":
      return formatDigits(d, negative, "0o", abs.toString(8));
    case "x":
      return formatDigits(d, negative, d.sharp ? "0x" : "", abs.toString(16));
    case "X":
      return formatDigits(d, negative, d.sharp ? "0X" : "", abs.toString(16).toUpperCase());
    case "c":
      return pad(d, runeString(value));
    case "q":
      return pad(d, `'${escapeRune(Number(value), "'", d.plus)}'`);
    case "U":
      return pad(d, unicodeNotation(d, value));
    default:
      return badVerb(d, value);
  }
}

/** fmtInteger: precision or the 0 flag add leading zeros after the sign; the width then pads with spaces. */
function formatDigits(d: Directive, negative: boolean, prefix: string, digits: string): string {
  let body = digits;
  if (d.prec !== undefined) {
    if (d.prec === 0 && digits === "0") body = "";
    body = body.padStart(d.prec, "0");
  } else if (d.zero && !d.minus && d.width !== undefined) {
    body = body.padStart(d.width - (negative || d.plus || d.space ? 1 : 0), "0");
  }
  const sign = negative ? "-" : d.plus ? "+" : d.space ? " " : "";
  return pad(d, sign + prefix + body, " ");
}

function runeString(value: bigint): string {
  const cp = Number(value);
  return cp >= 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : "\ufffd";
}

function unicodeNotation(d: Directive, value: bigint): string {
  const text = `U+${value.toString(16).toUpperCase().padStart(4, "0")}`;
  const cp = Number(value);
  return d.sharp && isPrintRune(cp) ? `${text} '${String.fromCodePoint(cp)}'` : text;
}

function formatFloat(d: Directive, value: number): string {
  const sign = value < 0 || Object.is(value, -0) ? "-" : d.plus ? "+" : d.space ? " " : "";
  if (Number.isNaN(value)) return pad(d, `${d.plus ? "+" : d.space ? " " : ""}NaN`, " ");
  if (!Number.isFinite(value)) return pad(d, `${sign || "+"}Inf`, " ");
  const verb = d.verb === "v" ? "g" : d.verb;
  const body = floatBody(Math.abs(value), verb, d.prec);
  if (d.zero && !d.minus && d.width !== undefined) return sign + body.padStart(d.width - sign.length, "0");
  return pad(d, sign + body, " ");
}

function formatString(d: Directive, s: string): string {
  switch (d.verb) {
    case "v":
      if (d.sharpV) return pad(d, goQuote(s));
      return pad(d, truncateRunes(s, d.prec));
    case "s":
      return pad(d, truncateRunes(s, d.prec));
    case "q": {
      const text = truncateRunes(s, d.prec);
      return pad(d, d.sharp && canBackquote(text) ? `\`${text}\`` : goQuote(text, d.plus));
    }
    case "x":
    case "X":
      return pad(d, hexBytes(d, s));
    default:
      return badVerb(d, s);
  }
}

function truncateRunes(s: string, max: number | undefined): string {
  return max === undefined ? s : [...s].slice(0, max).join("");
}

function hexBytes(d: Directive, s: string): string {
  const bytes = [...Buffer.from(s)].slice(0, d.prec ?? Infinity);
  const prefix = d.sharp ? (d.verb === "X" ? "0X" : "0x") : "";
  const cased = (byte: number): string => (d.verb === "X" ? hex(byte, 2).toUpperCase() : hex(byte, 2));
  if (d.space) return bytes.map((byte) => prefix + cased(byte)).join(" ");
  return bytes.length === 0 ? "" : prefix + bytes.map(cased).join("");
}

function canBackquote(s: string): boolean {
  return !/[`\ufeff]/.test(s) && ![...s].some((ch) => ch !== "\t" && !isPrintRune(ch.codePointAt(0) ?? 0));
}

/** What Go prints for a pointer below the top level; the address itself means nothing to a script. */
const POINTER_TEXT = "0xc000000000";

/** fmt's %v of a value of a known Go type; `top` is the template's own print, which dereferences. */
function formatGo(value: unknown, type: GoType, top: boolean): string {
  if (value instanceof TypedNil) value = null;
  switch (type.kind) {
    case "ptr":
      if (value === null || value === undefined) return "<nil>";
      // fmt calls a String method before it would print an address.
      if (type.elem.kind === "stringer") return type.elem.format(value);
      return top ? formatGo(value, type.elem, true) : POINTER_TEXT;
    case "struct": {
      const object = (value ?? {}) as Record<string, unknown>;
      // Printed whole, a partly described struct stays what it is in JSON: a map.
      if (type.partial) return formatMap(PLAIN_V, Object.entries(object));
      return `{${type.fields.map((f) => formatGo(f.embedded ? object : object[f.name], f.type, false)).join(" ")}}`;
    }
    case "map": {
      if (value === null || value === undefined) return "map[]";
      const entries = sortEntries(Object.entries(value as Record<string, unknown>));
      return `map[${entries.map(([k, v]) => `${formatValue(k)}:${formatGo(v, type.elem, false)}`).join(" ")}]`;
    }
    case "slice":
      return `[${((value ?? []) as unknown[]).map((v) => formatGo(v, type.elem, false)).join(" ")}]`;
    case "empty":
      return "{}";
    case "string":
      return value === null || value === undefined ? "" : String(value);
    case "bool":
      return String(value ?? false);
    case "int":
      return String(value ?? 0);
    case "duration":
      return goDurationString(Number(value ?? 0));
    case "time":
      return goTimeText(String(value ?? "0001-01-01T00:00:00Z"));
    case "stringer":
      return type.format(value);
    case "any":
      return value === undefined ? "<nil>" : formatValue(value);
  }
}
