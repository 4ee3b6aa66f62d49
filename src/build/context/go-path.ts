// Go's path rules that Dockerfiles and .dockerignore files are written against: filepath.Clean and
// filepath.Match (the glob COPY and ADD sources use). Slash-separated paths only: berth is Linux.
import { posix } from "node:path";
import { InvalidArgumentError } from "../../errors.js";

/** Go's `filepath.ErrBadPattern`, with its words. */
export class BadPatternError extends InvalidArgumentError {
  constructor(readonly pattern: string) {
    super("syntax error in pattern");
  }
}

/**
 * filepath.Clean: "" is ".", repeated slashes and "." elements go, ".." eats the element before
 * it (and stops at the root of a rooted path), and no trailing slash is left but the root's.
 */
export function cleanPath(path: string): string {
  if (path === "") return ".";
  const normal = posix.normalize(path);
  if (normal === "/") return normal;
  const trimmed = normal.replace(/\/+$/, "");
  return trimmed === "" ? "." : trimmed;
}

/**
 * Whether a COPY or ADD source is a pattern: an unescaped "*", "?" or "[" (BuildKit's rule; a
 * backslash alone leaves the name literal).
 */
export function containsWildcards(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === "\\") i++;
    else if (c === "*" || c === "?" || c === "[") return true;
  }
  return false;
}

const compiled = new Map<string, RegExp>();

/**
 * filepath.Match: `*` and `?` never match a slash, `[...]` and `[^...]` classes with ranges, `\`
 * quotes the next character. The whole name must match. A malformed pattern throws
 * BadPatternError whatever the name, as Go checks the rest of a pattern even after a mismatch.
 */
export function globMatch(pattern: string, name: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^${globToRegExp(pattern)}$`, "u");
    if (compiled.size > 4096) compiled.clear();
    compiled.set(pattern, re);
  }
  return re.test(name);
}

/** Throws BadPatternError when filepath.Match would. */
export function checkGlob(pattern: string): void {
  globToRegExp(pattern);
}

/** The regular-expression source for one filepath.Match pattern. */
export function globToRegExp(pattern: string): string {
  const chars = [...pattern];
  let out = "";
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "\\") {
      const next = chars[++i];
      if (next === undefined) throw new BadPatternError(pattern);
      out += literal(next);
    } else if (c === "[") {
      const [cls, end] = parseClass(pattern, chars, i + 1);
      out += cls;
      i = end;
    } else out += literal(c);
  }
  return out;
}

/** A class from `chars[start]` (just after "[") to its "]"; returns its source and the index of "]". */
function parseClass(pattern: string, chars: readonly string[], start: number): [string, number] {
  let i = start;
  let negated = false;
  if (chars[i] === "^") {
    negated = true;
    i++;
  }
  const ranges: string[] = [];
  for (;;) {
    if (i >= chars.length) throw new BadPatternError(pattern);
    if (chars[i] === "]" && ranges.length > 0) break;
    const [lo, afterLo] = classChar(pattern, chars, i);
    i = afterLo;
    if (chars[i] === "-") {
      const [hi, afterHi] = classChar(pattern, chars, i + 1);
      if (hi.codePointAt(0)! < lo.codePointAt(0)!) throw new BadPatternError(pattern);
      ranges.push(`${classLiteral(lo)}-${classLiteral(hi)}`);
      i = afterHi;
    } else ranges.push(classLiteral(lo));
  }
  return [`[${negated ? "^" : ""}${ranges.join("")}]`, i];
}

/** One character of a class: `\x` quotes; a bare "-" or "]" (or the end) is malformed, as in Go. */
function classChar(pattern: string, chars: readonly string[], i: number): [string, number] {
  const c = chars[i];
  if (c === undefined || c === "-" || c === "]") throw new BadPatternError(pattern);
  if (c === "\\") {
    const next = chars[i + 1];
    if (next === undefined) throw new BadPatternError(pattern);
    return [next, i + 2];
  }
  return [c, i + 1];
}

function literal(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

function classLiteral(c: string): string {
  return /[\\^\]-]/.test(c) ? `\\${c}` : c;
}

/** Go's unicode.IsSpace set: unlike String.prototype.trim, it leaves U+FEFF alone. */
const GO_SPACE = "[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+";
const GO_TRIM = new RegExp(`^${GO_SPACE}|${GO_SPACE}$`, "gu");

/** strings.TrimSpace. */
export function trimSpace(text: string): string {
  return text.replace(GO_TRIM, "");
}
