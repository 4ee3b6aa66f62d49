// How template functions are declared: arity, laziness, and the argument checks whose messages
// Go reports as they are.

import { InvalidArgumentError } from "../../../errors.js";
import { formatValue } from "./fmt.js";
import { goTypeName } from "./values.js";

/** A Go argument type mismatch: reported as is, where other function failures read "error calling f: …". */
export class ArgTypeError extends InvalidArgumentError {}

export interface FuncDef {
  readonly call: (args: unknown[]) => unknown;
  /** Fixed parameter count; with `variadic`, the minimum. */
  readonly fixed: number;
  readonly variadic: boolean;
  /** and/or evaluate their arguments lazily. */
  readonly lazy?: "and" | "or";
}

export type FuncTable = ReadonlyMap<string, FuncDef>;

export function fixed(count: number, call: (args: unknown[]) => unknown): FuncDef {
  return { call, fixed: count, variadic: false };
}

export function variadic(count: number, call: (args: unknown[]) => unknown): FuncDef {
  return { call, fixed: count, variadic: true };
}

function wrongType(expected: string, value: unknown): ArgTypeError {
  if (value === null || value === undefined) return new ArgTypeError(`invalid value; expected ${expected}`);
  return new ArgTypeError(`wrong type for value; expected ${expected}; got ${goTypeName(value)}`);
}

export function expectString(value: unknown): string {
  if (typeof value === "string") return value;
  throw wrongType("string", value);
}

export function expectInt(value: unknown): number {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "bigint") return Number(value);
  throw wrongType("int", value);
}

/** Go wants []string; JS arrays of anything are accepted and printed like %v. */
export function expectStrings(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((item) => (typeof item === "string" ? item : formatValue(item)));
  throw wrongType("[]string", value);
}
