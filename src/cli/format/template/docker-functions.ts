// docker's template functions (docker/cli templates/templates.go), and the header variants its
// table formatter uses.

import { InvalidArgumentError } from "../../../errors.js";
import { expectInt, expectString, expectStrings, fixed, type FuncDef, type FuncTable } from "./function-table.js";
import { goJson } from "./json.js";

export const DOCKER_FUNCS: FuncTable = new Map<string, FuncDef>([
  ["json", fixed(1, ([value]) => goJson(value))],
  ["split", fixed(2, ([s, sep]) => goSplit(expectString(s), expectString(sep)))],
  ["join", fixed(2, ([list, sep]) => expectStrings(list).join(expectString(sep)))],
  ["title", fixed(1, ([s]) => goTitle(expectString(s)))],
  ["lower", fixed(1, ([s]) => mapRunes(expectString(s), (ch) => ch.toLowerCase()))],
  ["upper", fixed(1, ([s]) => mapRunes(expectString(s), (ch) => ch.toUpperCase()))],
  ["pad", fixed(3, ([s, left, right]) => padWithSpace(expectString(s), expectInt(left), expectInt(right)))],
  ["truncate", fixed(2, ([s, length]) => truncateBytes(expectString(s), expectInt(length)))],
]);

/** docker's HeaderFunctions: the header row shows column titles untouched, not transformed like values. */
export const HEADER_FUNCS: FuncTable = new Map<string, FuncDef>(
  (
    [
      ["json", 1],
      ["split", 2],
      ["join", 2],
      ["title", 1],
      ["lower", 1],
      ["upper", 1],
      ["truncate", 2],
    ] as const
  ).map(([name, count]): [string, FuncDef] => [name, fixed(count, ([title]) => expectString(title))]),
);

/** strings.Split: an empty separator splits into characters. */
function goSplit(s: string, sep: string): string[] {
  return sep === "" ? [...s] : s.split(sep);
}

/** Go maps case rune by rune; a JS mapping that expands a character (ß → SS) has no Go equivalent and is skipped. */
function mapRunes(s: string, map: (ch: string) => string): string {
  let out = "";
  for (const ch of s) {
    const mapped = map(ch);
    out += [...mapped].length === 1 ? mapped : ch;
  }
  return out;
}

/** strings.Title (what docker uses): upper-cases every letter that follows a separator. */
function goTitle(s: string): string {
  let previous = " ";
  let out = "";
  for (const ch of s) {
    out += isTitleSeparator(previous) ? mapRunes(ch, (c) => c.toUpperCase()) : ch;
    previous = ch;
  }
  return out;
}

function isTitleSeparator(ch: string): boolean {
  if ((ch.codePointAt(0) ?? 0) < 0x80) return !/[A-Za-z0-9_]/.test(ch);
  if (/[\p{L}\p{Nd}]/u.test(ch)) return false;
  return /\s/u.test(ch);
}

function goRepeat(s: string, count: number): string {
  if (count < 0) throw new InvalidArgumentError("strings: negative Repeat count");
  return s.repeat(count);
}

function padWithSpace(s: string, left: number, right: number): string {
  return s === "" ? s : goRepeat(" ", left) + s + goRepeat(" ", right);
}

/** docker's truncate cuts bytes, like Go's s[:n]. */
function truncateBytes(s: string, length: number): string {
  const bytes = Buffer.from(s);
  if (bytes.length < length) return s;
  if (length < 0) throw new InvalidArgumentError(`runtime error: slice bounds out of range [:${length}]`);
  return bytes.subarray(0, length).toString("utf8");
}
