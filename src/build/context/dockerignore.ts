// .dockerignore: reading the file as the docker CLI and BuildKit do (moby/patternmatcher's
// ignorefile), and matching context paths with moby's pattern rules: "*" and "?" stay within one
// path element, "**" crosses any number of them, the last pattern that matches a path decides, a
// pattern that matches a parent directory excludes what is below it, and "!" patterns bring paths
// back. Paths are relative to the context root, slash-separated and cleaned ("a/b", never "./a").
import { InvalidArgumentError } from "../../errors.js";
import { BadPatternError, checkGlob, cleanPath, trimSpace } from "./go-path.js";

/** The name the context's own ignore file has. */
export const DOCKERIGNORE = ".dockerignore";

/** bufio.Scanner's default limit: a longer line fails the read, as it fails the docker CLI's. */
const MAX_LINE = 64 * 1024;

/**
 * The patterns of an ignore file, one per non-comment line: "#" comments only at the very start
 * of a line, surrounding white space trimmed, each path cleaned as filepath.Clean does ("./a",
 * "a/", "a/../b" become "a", "a", "b"), a leading "/" dropped (patterns are anchored at the
 * context root anyway), "!" kept in front. A UTF-8 byte order mark on the first line is skipped.
 */
export function parseDockerignore(text: string | Buffer, name = DOCKERIGNORE): string[] {
  const source = typeof text === "string" ? text : text.toString("utf8");
  const patterns: string[] = [];
  const lines = source.split("\n");
  if (lines.at(-1) === "") lines.pop();
  lines.forEach((raw, n) => {
    let line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (Buffer.byteLength(line) >= MAX_LINE) throw new InvalidArgumentError(`error reading ${name}: bufio.Scanner: token too long`);
    if (n === 0 && line.startsWith("\ufeff")) line = line.slice(1);
    if (line.startsWith("#")) return;
    let pattern = trimSpace(line);
    if (pattern === "") return;
    const invert = pattern.startsWith("!");
    if (invert) pattern = trimSpace(pattern.slice(1));
    if (pattern !== "") {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith("/")) pattern = pattern.slice(1);
    }
    patterns.push(invert ? `!${pattern}` : pattern);
  });
  return patterns;
}

type MatchKind = "exact" | "prefix" | "suffix" | "regexp";

/** One compiled pattern. */
export class IgnorePattern {
  readonly kind: MatchKind;
  private readonly re: RegExp | undefined;

  constructor(
    /** The pattern without its "!", cleaned. */
    readonly text: string,
    /** A "!" pattern: it re-includes what it matches. */
    readonly exclusion: boolean,
  ) {
    const [kind, source] = compile(text);
    this.kind = kind;
    try {
      this.re = source === undefined ? undefined : new RegExp(source, "u");
    } catch {
      throw new BadPatternError(text);
    }
  }

  matches(path: string): boolean {
    switch (this.kind) {
      case "exact":
        return path === this.text;
      case "prefix":
        return path.startsWith(this.text.slice(0, -2));
      case "suffix": {
        const suffix = this.text.slice(2);
        // "**/foo" also matches "foo" at the root.
        return path.endsWith(suffix) || (suffix.startsWith("/") && path === suffix.slice(1));
      }
      case "regexp":
        return this.re!.test(path);
    }
  }
}

/**
 * moby's translation of a pattern: literal patterns compare as strings, a trailing "**" is a
 * prefix test, a leading "**" before a literal rest is a suffix test, and anything else is a
 * regular expression. The kind is the last one any character asked for, as in moby.
 */
function compile(text: string): [MatchKind, string | undefined] {
  const chars = [...text];
  let kind: MatchKind = "exact";
  let re = "^";
  for (let at = 0, step = 0; at < chars.length; step++) {
    const c = chars[at++]!;
    if (c === "*") {
      if (chars[at] === "*") {
        at++;
        if (chars[at] === "/") at++;
        if (at >= chars.length) {
          if (kind === "exact") kind = "prefix";
          else {
            re += ".*";
            kind = "regexp";
          }
        } else {
          // Any number of elements, none included: "**/a" matches "a".
          re += "(.*/)?";
          kind = "regexp";
        }
        if (step === 0) kind = "suffix";
      } else {
        re += "[^/]*";
        kind = "regexp";
      }
    } else if (c === "?") {
      re += "[^/]";
      kind = "regexp";
    } else if (".+()|{}$".includes(c)) {
      re += `\\${c}`;
    } else if (c === "\\") {
      const next = chars[at];
      if (next === undefined) re += "\\\\";
      else {
        at++;
        // moby hands "\x" to Go's regexp, where "\d" would be a digit class: here it is the
        // character itself, which is what a user escaping a name means.
        re += /[\\^$.*+?()[\]{}|/]/.test(next) ? `\\${next}` : next;
        kind = "regexp";
      }
    } else if (c === "[" || c === "]") {
      re += c;
      kind = "regexp";
    } else re += c;
  }
  return kind === "regexp" ? [kind, `${re}$`] : [kind, undefined];
}

/** What a walk carries from a directory to its children: which patterns matched the directory. */
export interface ParentMatch {
  readonly matched: readonly boolean[];
}

/** moby's PatternMatcher over the patterns of one ignore file. */
export class IgnoreMatcher {
  readonly patterns: readonly IgnorePattern[];
  /** Whether any pattern starts with "!": only then can a walk find anything below an excluded directory. */
  readonly hasExclusions: boolean;

  constructor(patterns: readonly string[]) {
    const compiled: IgnorePattern[] = [];
    for (const raw of patterns) {
      let p = trimSpace(raw);
      if (p === "") continue;
      p = cleanPath(p);
      let exclusion = false;
      if (p.startsWith("!")) {
        if (p.length === 1) throw new InvalidArgumentError('illegal exclusion pattern: "!"');
        exclusion = true;
        p = p.slice(1);
      }
      checkGlob(p);
      compiled.push(new IgnorePattern(p, exclusion));
    }
    this.patterns = compiled;
    this.hasExclusions = compiled.some((p) => p.exclusion);
  }

  static none(): IgnoreMatcher {
    return new IgnoreMatcher([]);
  }

  /**
   * Whether `path` is excluded: the last pattern matching it or one of its parent directories
   * decides (moby's MatchesOrParentMatches). "." is never excluded.
   */
  excludes(path: string): boolean {
    const file = cleanPath(path);
    if (file === ".") return false;
    const slash = file.lastIndexOf("/");
    const parents = slash < 0 ? [] : file.slice(0, slash).split("/");
    let matched = false;
    for (const pattern of this.patterns) {
      // An include that already holds, or an exclusion with nothing to undo, changes nothing.
      if (pattern.exclusion !== matched) continue;
      let match = pattern.matches(file);
      for (let i = 0; !match && i < parents.length; i++) match = pattern.matches(parents.slice(0, i + 1).join("/"));
      if (match) matched = !pattern.exclusion;
    }
    return matched;
  }

  /**
   * The same answer for a walk, in one pass per path: `parent` is what the walk got for the
   * directory holding `path` (moby's MatchesUsingParentResults); a pattern that matched the parent
   * matches everything under it.
   */
  excludesInWalk(path: string, parent: ParentMatch | undefined): { excluded: boolean; info: ParentMatch } {
    const slash = path.lastIndexOf("/");
    const parents = parent || slash < 0 ? [] : path.slice(0, slash).split("/");
    const info: boolean[] = [];
    let excluded = false;
    this.patterns.forEach((pattern, i) => {
      let match = parent?.matched[i] ?? false;
      if (!match && pattern.exclusion === excluded) {
        match = pattern.matches(path);
        // Without the parent's answers, the parents are tried one by one.
        for (let n = 1; !match && n <= parents.length; n++) match = pattern.matches(parents.slice(0, n).join("/"));
      }
      info.push(match);
      if (match) excluded = !pattern.exclusion;
    });
    return { excluded, info: { matched: info } };
  }

  /**
   * Whether a walk must still enter the excluded directory `dir`: only when a "!" pattern names
   * something below it by its literal start (the docker CLI's rule; "!docs/readme.md" opens
   * "docs", "!**\/keep" opens nothing).
   */
  mayReincludeBelow(dir: string): boolean {
    if (!this.hasExclusions) return false;
    const prefix = `${dir}/`;
    return this.patterns.some((p) => p.exclusion && `${p.text}/`.startsWith(prefix));
  }
}

/**
 * The ignore file that applies to a build, by BuildKit's rule: "<Dockerfile>.dockerignore" beside
 * the Dockerfile wins over the context's ".dockerignore". Returns the candidates in order.
 */
export function ignoreFileCandidates(dockerfilePath: string | undefined, contextDir: string): string[] {
  const own = dockerfilePath === undefined ? [] : [`${dockerfilePath}${DOCKERIGNORE}`];
  return [...own, `${contextDir}/${DOCKERIGNORE}`];
}
