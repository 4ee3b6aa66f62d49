// The shell patterns of ${v#p} ${v%p} ${v/p/r}: `*`, `?`, literals and escapes, no brackets.
// BuildKit turns them into Go regular expressions (RE2, linear time); a JavaScript RegExp would
// backtrack exponentially on `*a*a*a*b`, so they are matched here by simulating the pattern directly.
// Results are RE2's: the shortest or longest anchored prefix, and the leftmost-longest match.

type Token = { readonly kind: "star" } | { readonly kind: "any" } | { readonly kind: "lit"; readonly ch: string };

export class PatternError extends Error {}

/** Compiles a pattern; "\}" and "\/" only protect the ${} syntax and match "}" and "/". */
export function compilePattern(pattern: string): Token[] {
  const chars = Array.from(pattern);
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const tok = chars[i]!;
    if (tok === "*") tokens.push({ kind: "star" });
    else if (tok === "?") tokens.push({ kind: "any" });
    else if (tok === "\\") {
      const next = chars[i + 1];
      if (next === "}" || next === "/") continue;
      i++;
      if (next !== "*" && next !== "?" && next !== "\\") throw new PatternError(`invalid escape '\\${next ?? ""}'`);
      tokens.push({ kind: "lit", ch: next });
    } else tokens.push({ kind: "lit", ch: tok });
  }
  return tokens;
}

/** States reachable from `states` without reading: a star may match nothing. */
function close(tokens: readonly Token[], states: boolean[]): boolean[] {
  for (let k = 0; k < tokens.length; k++) if (states[k] && tokens[k]!.kind === "star") states[k + 1] = true;
  return states;
}

function step(tokens: readonly Token[], states: readonly boolean[], ch: string): boolean[] {
  const next = new Array<boolean>(tokens.length + 1).fill(false);
  for (let k = 0; k < tokens.length; k++) {
    if (!states[k]) continue;
    const t = tokens[k]!;
    // Like RE2's ".", ? and * do not match a newline.
    if (t.kind === "star") next[k] = ch !== "\n";
    else if (t.kind === "any" ? ch !== "\n" : t.ch === ch) next[k + 1] = true;
  }
  return close(tokens, next);
}

/** Lengths of the prefixes of value[start..] the whole pattern matches, in increasing order. */
function matchEnds(tokens: readonly Token[], value: readonly string[], start: number, firstOnly: boolean): number[] {
  let states = close(tokens, [true, ...new Array<boolean>(tokens.length).fill(false)]);
  const ends: number[] = [];
  for (let i = start; ; i++) {
    if (states[tokens.length]) {
      ends.push(i);
      if (firstOnly) return ends;
    }
    if (i >= value.length) return ends;
    states = step(tokens, states, value[i]!);
    if (!states.some(Boolean)) return ends;
  }
}

/** ${v#p} / ${v##p}: removes the shortest (or longest) prefix the pattern matches. */
export function trimPrefix(pattern: string, value: string, longest: boolean): string {
  const v = Array.from(value);
  const ends = matchEnds(compilePattern(pattern), v, 0, !longest);
  if (ends.length === 0) return value;
  return v.slice(longest ? ends[ends.length - 1]! : ends[0]!).join("");
}

/** ${v%p} / ${v%%p}: the same on the reversed value with the reversed pattern. */
export function trimSuffix(pattern: string, value: string, longest: boolean): string {
  const reversed = Array.from(value).reverse().join("");
  return Array.from(trimPrefix(reversePattern(pattern), reversed, longest))
    .reverse()
    .join("");
}

/** Reverses a pattern keeping each escape before the character it escapes: a\*c → c\*a. */
export function reversePattern(pattern: string): string {
  const p = Array.from(pattern);
  const out: string[] = new Array<string>(p.length);
  const last = p.length - 1;
  for (let i = 0; i <= last;) {
    const tok = p[i]!;
    const at = last - i;
    if (tok === "\\" && i !== last) {
      out[at - 1] = tok;
      out[at] = p[i + 1]!;
      i += 2;
    } else {
      out[at] = tok;
      i++;
    }
  }
  return out.join("");
}

/** For each position, whether some match of the pattern starts there (one backward pass). */
function matchStarts(tokens: readonly Token[], value: readonly string[]): boolean[] {
  const m = tokens.length;
  let next = new Array<boolean>(m + 1).fill(false);
  next[m] = true;
  for (let k = m - 1; k >= 0; k--) if (tokens[k]!.kind === "star") next[k] = next[k + 1]!;
  const starts = new Array<boolean>(value.length + 1);
  starts[value.length] = next[0]!;
  for (let i = value.length - 1; i >= 0; i--) {
    const cur = new Array<boolean>(m + 1).fill(false);
    cur[m] = true;
    const ch = value[i]!;
    for (let k = m - 1; k >= 0; k--) {
      const t = tokens[k]!;
      if (t.kind === "star") cur[k] = cur[k + 1]! || (ch !== "\n" && next[k]!);
      else if (t.kind === "any") cur[k] = ch !== "\n" && next[k + 1]!;
      else cur[k] = t.ch === ch && next[k + 1]!;
    }
    starts[i] = cur[0]!;
    next = cur;
  }
  return starts;
}

/**
 * ${v/p/r} and ${v//p/r}: replaces the leftmost-longest match, or every match as Go's
 * ReplaceAllString does (an empty match right after a match is not replaced). `replace` gives the
 * replacement for a matched text.
 */
export function replacePattern(pattern: string, value: string, all: boolean, replace: (match: string) => string): string {
  const tokens = compilePattern(pattern);
  const v = Array.from(value);
  const starts = matchStarts(tokens, v);
  let out = "";
  let lastEnd = 0;
  let lastMatchEnd = -1;
  let pos = 0;
  while (pos <= v.length) {
    let s = pos;
    while (s <= v.length && !starts[s]) s++;
    if (s > v.length) break;
    const ends = matchEnds(tokens, v, s, false);
    const e = ends[ends.length - 1]!;
    out += v.slice(lastEnd, s).join("");
    const matched = v.slice(s, e).join("");
    if (e > lastMatchEnd || s === 0) out += replace(matched);
    else out += matched;
    lastEnd = e;
    lastMatchEnd = e;
    if (!all) break;
    pos = e > pos ? e : pos + 1;
  }
  return out + v.slice(lastEnd).join("");
}
