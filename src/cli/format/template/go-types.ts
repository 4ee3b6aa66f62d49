// Go types of caller data (withGoType): which objects stand for Go structs, maps, slices and
// pointers, so that fields read and print as they would from docker's Go structs.

import { GoDuration, GoTime } from "./go-time.js";

/**
 * The Go type of a value a caller hands to templates, so that it prints as Go's fmt prints that
 * type: docker runs inspect templates over its Go structs, where `{{.Config.ExposedPorts}}` is
 * `map[80/tcp:{}]` (empty structs), `{{.State}}` is `{running true …}` in field order with zero
 * values for what is absent, and durations print as `1m30s`. A struct with `partial` lists only
 * the fields whose types matter below it; printed whole it stays a map.
 */
export type GoType =
  | { readonly kind: "struct"; readonly fields: readonly GoField[]; readonly partial?: boolean }
  | { readonly kind: "map" | "slice" | "ptr"; readonly elem: GoType }
  | { readonly kind: "string" | "bool" | "int" | "duration" | "time" | "empty" | "any" }
  | { readonly kind: "stringer"; readonly format: (value: unknown) => string };

export interface GoField {
  readonly name: string;
  readonly type: GoType;
  /** An embedded struct: its fields are promoted, read from the same object. */
  readonly embedded?: boolean;
}

/** Marks `value` (an object) as being of Go type `type` for templates; returns it. */
export function withGoType<T>(value: T, type: GoType): T {
  if (value !== null && typeof value === "object") GO_TYPES.set(value, type);
  return value;
}

export const GO_TYPES = new WeakMap<object, GoType>();

/** The type of field or key `name` of a value of type `type`, through pointers and embedded structs. */
export function memberType(type: GoType | undefined, name: string): { type: GoType; ofStruct: boolean } | undefined {
  while (type?.kind === "ptr") type = type.elem;
  if (!type) return undefined;
  if (type.kind === "map") return { type: type.elem, ofStruct: false };
  if (type.kind !== "struct") return undefined;
  for (const field of type.fields) {
    if (field.embedded) {
      const inner = memberType(field.type, name);
      if (inner) return inner;
    } else if (field.name === name) {
      return { type: field.type, ofStruct: true };
    }
  }
  return undefined;
}

export function typedValue(value: unknown, type: GoType): unknown {
  let base = type;
  while (base.kind === "ptr") base = base.elem;
  if (value !== null && typeof value === "object") return withGoType(value, type);
  // A nil slice or map prints as [] or map[] (and is null in JSON): only pointers and interfaces
  // print as <nil>.
  if ((value === null || value === undefined) && (type.kind === "slice" || type.kind === "map")) return withGoType(new TypedNil(), type);
  if (base.kind === "duration" && typeof value === "number") return new GoDuration(value);
  if (base.kind === "time" && typeof value === "string") return new GoTime(value);
  return value;
}

export function zeroValue(type: GoType): unknown {
  switch (type.kind) {
    case "string":
      return "";
    case "bool":
      return false;
    case "int":
    case "duration":
      return 0;
    case "time":
      return "0001-01-01T00:00:00Z";
    case "struct":
    case "empty":
      return {};
    default:
      return null;
  }
}

/** A nil slice or map of a known type: `[]` or `map[]` when printed, null in JSON, empty to range. */
export class TypedNil {
  toJSON(): null {
    return null;
  }
}

export function isPartialStruct(type: GoType): boolean {
  while (type.kind === "ptr") type = type.elem;
  return type.kind === "struct" && type.partial === true;
}
