// encoding/json as docker's json template function uses it.

import { InvalidArgumentError } from "../../../errors.js";
import { formatValue } from "./fmt.js";
import { ROW_CONTEXTS } from "./list-rows.js";
import { hex } from "./quote.js";
import { compareGoStrings, goTypeName, sortEntries } from "./values.js";

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * docker's json: an Encoder with HTML escaping off and the newline trimmed. Objects keep their key
 * order (Go structs do); list rows are encoded as docker's MarshalJSON map instead. An unencodable
 * value prints nothing, as docker ignores the encoder's error.
 */
export function goJson(value: unknown): string {
  try {
    return encodeJson(value, false, new Set());
  } catch {
    return "";
  }
}

function encodeJson(value: unknown, escapeHtml: boolean, seen: Set<object>): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "boolean":
      return String(value);
    case "number":
      if (!Number.isFinite(value)) throw new InvalidArgumentError(`json: unsupported value: ${formatValue(value)}`);
      return JSON.stringify(value);
    case "bigint":
      return value.toString();
    case "string":
      return jsonString(value, escapeHtml);
    case "object":
      break;
    default:
      throw new InvalidArgumentError(`json: unsupported type: ${goTypeName(value)}`);
  }
  if (seen.has(value)) throw new InvalidArgumentError("json: unsupported value: encountered a cycle");
  seen.add(value);
  try {
    return encodeJsonObject(value, escapeHtml, seen);
  } finally {
    seen.delete(value);
  }
}

function encodeJsonObject(value: object, escapeHtml: boolean, seen: Set<object>): string {
  const encode = (item: unknown): string => encodeJson(item, escapeHtml, seen);
  // docker's MarshalJSON goes through json.Marshal, which escapes HTML whatever the outer encoder says.
  if (ROW_CONTEXTS.has(value)) return encodeMembers(rowMembers(value), (item) => encodeJson(item, true, seen), true);
  if (value instanceof Uint8Array) return jsonString(Buffer.from(value).toString("base64"), escapeHtml);
  if (Array.isArray(value) || value instanceof Set) return `[${[...value].map(encode).join(",")}]`;
  if (value instanceof Map) {
    const entries = sortEntries([...value.entries()]).map(([key, item]): [string, unknown] => [String(key), item]);
    return encodeMembers(entries, encode, escapeHtml);
  }
  const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return encode(Reflect.apply(toJSON, value, [""]));
  return encodeMembers(objectMembers(value), encode, escapeHtml);
}

function encodeMembers(members: readonly [string, unknown][], encode: (value: unknown) => string, escapeHtml: boolean): string {
  return `{${members.map(([key, item]) => `${jsonString(key, escapeHtml)}:${encode(item)}`).join(",")}}`;
}

/** Own enumerable members; method-like functions count as their result, as they do for templates. */
function objectMembers(value: object): [string, unknown][] {
  const members: [string, unknown][] = [];
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === "function") {
      if (item.length === 0) members.push([key, Reflect.apply(item, value, []) as unknown]);
    } else if (item !== undefined) {
      members.push([key, item]);
    }
  }
  return members;
}

/** docker/cli's marshalMap: exported (capitalized) fields and argument-less methods, sorted as a Go map. */
function rowMembers(row: object): [string, unknown][] {
  return objectMembers(row)
    .filter(([key]) => /^\p{Lu}/u.test(key))
    .sort(([a], [b]) => compareGoStrings(a, b));
}

function jsonString(s: string, escapeHtml: boolean): string {
  // Go writes invalid UTF-16 as U+FFFD and always escapes the JS line separators.
  let out = JSON.stringify(s.replace(LONE_SURROGATE, "\ufffd")).replace(/[\u2028\u2029]/g, (ch) => `\\u${hex(ch.charCodeAt(0), 4)}`);
  if (escapeHtml) out = out.replace(/[<>&]/g, (ch) => `\\u00${hex(ch.charCodeAt(0), 2)}`);
  return out;
}
