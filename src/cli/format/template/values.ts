// Go semantics for JS data: truth, reflect's type names, Go's ordering of strings and map keys.

import { TypedNil } from "./go-types.js";

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Go's truth: false, 0, nil and empty strings, slices and maps are false; structs are true. */
export function isTrue(value: unknown): boolean {
  if (value === undefined || value === null || value instanceof TypedNil) return false;
  switch (typeof value) {
    case "boolean":
      return value;
    case "number":
      return value !== 0;
    case "bigint":
      return value !== 0n;
    case "string":
      return value.length > 0;
    case "function":
      return true;
  }
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map || value instanceof Set) return value.size > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return true;
}

/** The Go type a value stands for, as reflect prints it in messages. */
export function goTypeName(value: unknown): string {
  if (value === undefined || value === null) return "<nil>";
  switch (typeof value) {
    case "string":
      return "string";
    case "boolean":
      return "bool";
    case "number":
      return isGoInteger(value) ? "int" : "float64";
    case "bigint":
      return "int64";
    case "function":
      return "func()";
  }
  if (Array.isArray(value) || value instanceof Set) return "[]interface {}";
  if (value instanceof Map || isPlainObject(value)) return "map[string]interface {}";
  const constructor = (value as { constructor?: { name?: string } }).constructor;
  return `*${constructor?.name ?? "struct {}"}`;
}

/** JS has one number type; integral values below 1e21 (where JS itself stops printing digits) act as Go ints. */
export function isGoInteger(value: number): boolean {
  return Number.isInteger(value) && Math.abs(value) < 1e21;
}

/** Go orders strings by UTF-8 bytes, i.e. by code point; plain `<` compares UTF-16 units, which differs past U+FFFF. */
export function compareGoStrings(a: string, b: string): number {
  const len = Math.min(a.length, b.length);
  for (let i = 0; i < len; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return surrogateRank(x) - surrogateRank(y);
  }
  return a.length - b.length;
}

function surrogateRank(unit: number): number {
  return unit >= 0xd800 && unit <= 0xdfff ? unit + 0x10000 : unit;
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return compareGoStrings(String(a), String(b));
}

export function sortEntries(entries: [unknown, unknown][]): [unknown, unknown][] {
  return entries.sort(([a], [b]) => compareKeys(a, b));
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
