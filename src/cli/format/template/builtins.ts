// Go's builtin template functions (text/template/funcs.go).

import { InvalidArgumentError } from "../../../errors.js";
import { formatValue, sprint, sprintln } from "./fmt.js";
import { expectString, fixed, type FuncDef, type FuncTable, variadic } from "./function-table.js";
import { GO_TYPES, TypedNil } from "./go-types.js";
import { sprintf } from "./printf.js";
import { hex, isPrintRune } from "./quote.js";
import { compareGoStrings, goTypeName, isPlainObject, isTrue } from "./values.js";

export const BUILTINS: FuncTable = new Map<string, FuncDef>([
  ["and", { ...variadic(1, () => undefined), lazy: "and" }],
  ["or", { ...variadic(1, () => undefined), lazy: "or" }],
  ["not", fixed(1, ([value]) => !isTrue(value))],
  ["len", fixed(1, ([value]) => goLength(value))],
  ["index", variadic(1, ([item, ...keys]) => goIndex(item, keys))],
  ["slice", variadic(1, ([item, ...indexes]) => goSlice(item, indexes))],
  ["print", variadic(0, (args) => sprint(args))],
  ["printf", variadic(1, ([format, ...args]) => sprintf(expectString(format), args))],
  ["println", variadic(0, (args) => sprintln(args))],
  ["html", variadic(0, (args) => htmlEscape(escaperInput(args)))],
  ["js", variadic(0, (args) => jsEscape(escaperInput(args)))],
  ["urlquery", variadic(0, (args) => queryEscape(escaperInput(args)))],
  ["eq", variadic(1, ([first, ...others]) => goEq(first, others))],
  ["ne", fixed(2, ([a, b]) => !goEq(a, [b]))],
  ["lt", fixed(2, ([a, b]) => goLess(a, b))],
  ["le", fixed(2, ([a, b]) => goLess(a, b) || goEq(a, [b]))],
  ["gt", fixed(2, ([a, b]) => !(goLess(a, b) || goEq(a, [b])))],
  ["ge", fixed(2, ([a, b]) => !goLess(a, b))],
  ["call", variadic(1, ([fn, ...args]) => goCall(fn, args))],
]);

function goLength(value: unknown): number {
  if (value === null || value === undefined) throw new InvalidArgumentError("len of nil pointer");
  if (typeof value === "string") return Buffer.byteLength(value);
  if (value instanceof TypedNil) return 0;
  if (Array.isArray(value)) return value.length;
  if (value instanceof Map || value instanceof Set) return value.size;
  if (isPlainObject(value)) return Object.keys(value).length;
  throw new InvalidArgumentError(`len of type ${goTypeName(value)}`);
}

/** A slice/array index argument; `limit` is the largest allowed value. */
function indexArg(value: unknown, limit: number): number {
  if (value === null || value === undefined) throw new InvalidArgumentError("cannot index slice/array with nil");
  const index = typeof value === "bigint" ? Number(value) : value;
  if (typeof index !== "number" || !Number.isInteger(index))
    throw new InvalidArgumentError(`cannot index slice/array with type ${goTypeName(value)}`);
  if (index < 0 || index > limit) throw new InvalidArgumentError(`index out of range: ${index}`);
  return index;
}

function goIndex(item: unknown, keys: readonly unknown[]): unknown {
  if (item === null || item === undefined) throw new InvalidArgumentError("index of untyped nil");
  let current: unknown = item;
  for (const key of keys) {
    if (current === null || current === undefined) throw new InvalidArgumentError("index of nil pointer");
    current = indexOnce(current, key);
  }
  return current;
}

/** Strings index to bytes like Go's; a missing map key gives undefined, printed as `<no value>`. */
function indexOnce(item: unknown, key: unknown): unknown {
  if (typeof item === "string") {
    const bytes = Buffer.from(item);
    return bytes[indexArg(key, bytes.length - 1)];
  }
  if (Array.isArray(item)) return item[indexArg(key, item.length - 1)];
  if (item instanceof TypedNil) return GO_TYPES.get(item)?.kind === "slice" ? indexArg(key, -1) : undefined;
  if (item instanceof Map) return item.get(key);
  if (typeof item === "object" && item !== null) {
    if (typeof key !== "string") throw new InvalidArgumentError(`value has type ${goTypeName(key)}; should be string`);
    return Object.hasOwn(item, key) ? (item as Record<string, unknown>)[key] : undefined;
  }
  throw new InvalidArgumentError(`can't index item of type ${goTypeName(item)}`);
}

function goSlice(item: unknown, indexes: readonly unknown[]): unknown {
  if (item === null || item === undefined) throw new InvalidArgumentError("slice of untyped nil");
  if (indexes.length > 3) throw new InvalidArgumentError(`too many slice indexes: ${indexes.length}`);
  if (typeof item === "string") {
    if (indexes.length === 3) throw new InvalidArgumentError("cannot 3-index slice a string");
    const bytes = Buffer.from(item);
    const [from, to] = sliceBounds(indexes, bytes.length);
    return bytes.subarray(from, to).toString("utf8");
  }
  if (Array.isArray(item)) {
    const [from, to] = sliceBounds(indexes, item.length);
    return item.slice(from, to);
  }
  throw new InvalidArgumentError(`can't slice item of type ${goTypeName(item)}`);
}

function sliceBounds(indexes: readonly unknown[], length: number): [number, number] {
  const bounds = [0, length, length];
  indexes.forEach((value, i) => {
    bounds[i] = indexArg(value, length);
  });
  const [from = 0, to = length, max = length] = bounds;
  if (from > to) throw new InvalidArgumentError(`invalid slice index: ${from} > ${to}`);
  if (to > max) throw new InvalidArgumentError(`invalid slice index: ${to} > ${max}`);
  return [from, to];
}

type BasicKind = "invalid" | "bool" | "number" | "string" | "other";

function basicKind(value: unknown): BasicKind {
  if (value === null || value === undefined) return "invalid";
  switch (typeof value) {
    case "boolean":
      return "bool";
    case "number":
    case "bigint":
      return "number";
    case "string":
      return "string";
    default:
      return "other";
  }
}

function goEq(first: unknown, others: readonly unknown[]): boolean {
  if (others.length === 0) throw new InvalidArgumentError("missing argument for comparison");
  const kind = basicKind(first);
  return others.some((other) => {
    const otherKind = basicKind(other);
    if (kind !== otherKind) {
      if (kind !== "invalid" && otherKind !== "invalid") throw new InvalidArgumentError("incompatible types for comparison");
      return false;
    }
    if (kind === "invalid") return true;
    if (kind === "number") return Number(first) === Number(other);
    if (kind !== "other") return first === other;
    if (Array.isArray(first) || isPlainObject(first) || first instanceof Map) {
      throw new InvalidArgumentError(`non-comparable type ${formatValue(first)}: ${goTypeName(first)}`);
    }
    return first === other;
  });
}

function goLess(a: unknown, b: unknown): boolean {
  const kind = basicKind(a);
  const otherKind = basicKind(b);
  if (kind === "invalid" || kind === "other" || otherKind === "invalid" || otherKind === "other") {
    throw new InvalidArgumentError("invalid type for comparison");
  }
  if (kind !== otherKind) throw new InvalidArgumentError("incompatible types for comparison");
  if (kind === "bool") throw new InvalidArgumentError("invalid type for comparison");
  if (kind === "string") return compareGoStrings(a as string, b as string) < 0;
  return Number(a) < Number(b);
}

function goCall(fn: unknown, args: unknown[]): unknown {
  if (fn === null || fn === undefined) throw new InvalidArgumentError("call of nil");
  if (typeof fn !== "function") throw new InvalidArgumentError(`non-function of type ${goTypeName(fn)}`);
  return Reflect.apply(fn, undefined, args) as unknown;
}

/** html/js/urlquery take one string as is, anything else as fmt.Sprint would print it. */
function escaperInput(args: readonly unknown[]): string {
  const [first] = args;
  return args.length === 1 && typeof first === "string" ? first : sprint(args);
}

function htmlEscape(s: string): string {
  const entities: Record<string, string> = { "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&#39;", '"': "&#34;", "\0": "\ufffd" };
  return s.replace(/[<>&'"\0]/g, (ch) => entities[ch] ?? ch);
}

function jsEscape(s: string): string {
  const named: Record<string, string> = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "<": "\\u003C",
    ">": "\\u003E",
    "&": "\\u0026",
    "=": "\\u003D",
  };
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    const escaped = named[ch];
    if (escaped !== undefined) out += escaped;
    else if (cp < 0x20) out += `\\u00${hex(cp, 2).toUpperCase()}`;
    else if (cp >= 0x80 && !isPrintRune(cp)) out += `\\u${hex(cp, 4).toUpperCase()}`;
    else out += ch;
  }
  return out;
}

/** url.QueryEscape: unreserved bytes stay, space becomes "+", the rest is %XX. */
function queryEscape(s: string): string {
  let out = "";
  for (const byte of Buffer.from(s)) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
    else if (ch === " ") out += "+";
    else out += `%${hex(byte, 2).toUpperCase()}`;
  }
  return out;
}
