// Variable expansion and word splitting as BuildKit's shell lexer (frontend/dockerfile/shell) does
// them for Dockerfile arguments: quotes, escapes, $v, ${v}, ${v:-x} ${v-x} ${v:+x} ${v+x} ${v:?x}
// ${v?x}, ${v#p} ${v##p} ${v%p} ${v%%p}, ${v/p/r} ${v//p/r}. It is not a shell: no command
// substitution, no globbing, no assignment forms (${v=x} is an error, as in BuildKit).
//
// Two entry points, as in BuildKit: processWord() gives one string (ENV, LABEL, COPY paths, WORKDIR,
// USER, ...), processWords() splits the result into words after expansion (EXPOSE, heredoc words).
import { isGoSpace, goQuote } from "./go-compat.js";
import { PatternError, replacePattern, trimPrefix, trimSuffix } from "./shell-pattern.js";

/** Where names are looked up: a stage's ENV and ARGs, or the global ARGs for FROM. */
export interface EnvLookup {
  get(name: string): string | undefined;
}

export function envFrom(entries: Iterable<readonly [string, string]> | Readonly<Record<string, string>>): EnvLookup {
  const map = new Map<string, string>(Symbol.iterator in entries ? entries : Object.entries(entries));
  return { get: (name) => map.get(name) };
}

export interface ShellLexOptions {
  /** Keep quote characters in the result (heredoc detection needs to see them). */
  readonly rawQuotes?: boolean;
  /** Keep escape characters in the result. */
  readonly rawEscapes?: boolean;
  /** Treat quotes as plain characters (heredoc bodies are expanded this way). */
  readonly skipProcessQuotes?: boolean;
  /** Leave references to unset names as written instead of expanding them to "". */
  readonly skipUnsetEnv?: boolean;
}

export interface WordResult {
  readonly result: string;
  readonly words: readonly string[];
  /** Names that were looked up and found: what a cache key or an unused-arg warning needs. */
  readonly matched: ReadonlySet<string>;
  readonly unmatched: ReadonlySet<string>;
}

/** An expansion the lexer refuses; the message is BuildKit's ("failed to process ...: ..."). */
export class ShellLexError extends Error {}

const EOF = "";

export class ShellLex {
  readonly escapeToken: string;
  readonly options: ShellLexOptions;

  constructor(escapeToken = "\\", options: ShellLexOptions = {}) {
    this.escapeToken = escapeToken;
    this.options = options;
  }

  processWord(word: string, env: EnvLookup): WordResult {
    return new ShellWord(this.escapeToken, this.options, env, word).run();
  }

  processWords(word: string, env: EnvLookup): string[] {
    return [...this.processWord(word, env).words];
  }
}

class Words {
  buf = "";
  words: string[] = [];
  inWord = false;

  addChar(ch: string): void {
    if (isGoSpace(ch)) {
      if (this.inWord && this.buf.length !== 0) {
        this.words.push(this.buf);
        this.buf = "";
        this.inWord = false;
      }
    } else this.addRawChar(ch);
  }
  addRawChar(ch: string): void {
    this.buf += ch;
    this.inWord = true;
  }
  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }
  addRawString(s: string): void {
    this.buf += s;
    this.inWord = true;
  }
  get(): string[] {
    if (this.buf.length > 0) {
      this.words.push(this.buf);
      this.buf = "";
      this.inWord = false;
    }
    return this.words;
  }
}

class ShellWord {
  private readonly chars: string[];
  private pos = 0;
  private rawEscapes: boolean;
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();

  constructor(
    private readonly escapeToken: string,
    private readonly opts: ShellLexOptions,
    private readonly env: EnvLookup,
    private readonly source: string,
  ) {
    this.chars = Array.from(source);
    this.rawEscapes = opts.rawEscapes ?? false;
  }

  run(): WordResult {
    try {
      const [result, words] = this.processStopOn(EOF, this.rawEscapes);
      return { result, words, matched: this.matched, unmatched: this.unmatched };
    } catch (err) {
      if (err instanceof ShellLexError) throw new ShellLexError(`failed to process ${goQuote(this.source)}: ${err.message}`);
      throw err;
    }
  }

  private peek(): string {
    return this.chars[this.pos] ?? EOF;
  }
  private next(): string {
    const ch = this.chars[this.pos] ?? EOF;
    if (ch !== EOF) this.pos++;
    return ch;
  }

  // BuildKit shares one word buffer between a word and the ${...} inside it, so "a${X:-b}" splits
  // as ["b"]; each level keeps its own buffer here, so it gives ["ab"] as a shell would.
  private processStopOn(stop: string, rawEscapes: boolean): [string, string[]] {
    let result = "";
    const words = new Words();
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      while (this.peek() !== EOF) {
        const ch = this.peek();
        if (stop !== EOF && ch === stop) {
          this.next();
          return [result, words.get()];
        }
        const special =
          ch === "$"
            ? () => this.processDollar()
            : ch === "<"
              ? () => this.processPossibleHeredoc()
              : !this.opts.skipProcessQuotes && ch === "'"
                ? () => this.processSingleQuote()
                : !this.opts.skipProcessQuotes && ch === '"'
                  ? () => this.processDoubleQuote()
                  : undefined;
        if (special) {
          const tmp = special();
          result += tmp;
          if (ch === "$") words.addString(tmp);
          else words.addRawString(tmp);
          continue;
        }
        let c = this.next();
        if (c === this.escapeToken) {
          if (this.rawEscapes) {
            words.addRawChar(c);
            result += c;
          }
          // The escape token escapes the next character; at the end of the word it vanishes.
          c = this.next();
          if (c === EOF) break;
          words.addRawChar(c);
        } else words.addChar(c);
        result += c;
      }
      if (stop !== EOF) throw new ShellLexError(`unexpected end of statement while looking for matching ${stop}`);
      return [result, words.get()];
    } finally {
      this.rawEscapes = saved;
    }
  }

  private processSingleQuote(): string {
    // Everything up to the next ' is literal; a ' cannot be escaped inside.
    let result = "";
    const open = this.next();
    if (this.opts.rawQuotes) result += open;
    for (;;) {
      const ch = this.next();
      if (ch === EOF) throw new ShellLexError("unexpected end of statement while looking for matching single-quote");
      if (ch === "'") {
        if (this.opts.rawQuotes) result += ch;
        return result;
      }
      result += ch;
    }
  }

  private processDoubleQuote(): string {
    // $ expands; the escape token escapes only " $ and itself, and is kept before anything else.
    let result = "";
    const open = this.next();
    if (this.opts.rawQuotes) result += open;
    for (;;) {
      const p = this.peek();
      if (p === EOF) throw new ShellLexError("unexpected end of statement while looking for matching double-quote");
      if (p === '"') {
        const ch = this.next();
        if (this.opts.rawQuotes) result += ch;
        return result;
      }
      if (p === "$") {
        result += this.processDollar();
        continue;
      }
      let ch = this.next();
      if (ch === this.escapeToken) {
        if (this.rawEscapes) result += ch;
        const after = this.peek();
        if (after === EOF) continue;
        if (after === '"' || after === "$" || after === this.escapeToken) ch = this.next();
      }
      result += ch;
    }
  }

  private processDollar(): string {
    this.next();
    if (this.peek() !== "{") {
      const name = this.processName();
      if (name === "") return "$";
      const value = this.getEnv(name);
      if (value === undefined && this.opts.skipUnsetEnv) return "$" + name;
      return value ?? "";
    }
    this.next();
    const first = this.peek();
    if (first === EOF) throw new ShellLexError("syntax error: missing '}'");
    if (first === "{" || first === "}" || first === ":") throw new ShellLexError("syntax error: bad substitution");
    const name = this.processName();
    let ch = this.next();
    // Go prints the end of input as U+FFFD (string(scanner.EOF)).
    let chs = ch === EOF ? "\ufffd" : ch;
    let nullIsUnset = false;
    switch (ch) {
      case "}": {
        const value = this.getEnv(name);
        if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}}`;
        return value ?? "";
      }
      case ":":
      case "+":
      case "-":
      case "?":
      case "#":
      case "%": {
        if (ch === ":") {
          nullIsUnset = true;
          ch = this.next();
          chs += ch === EOF ? "\ufffd" : ch;
        }
        const raw = ch === "#" || ch === "%";
        if (nullIsUnset && raw) throw new ShellLexError(`unsupported modifier (${chs}) in substitution`);
        let word: string;
        try {
          [word] = this.processStopOn("}", raw);
        } catch (err) {
          if (err instanceof ShellLexError && this.peek() === EOF) throw new ShellLexError("syntax error: missing '}'");
          throw err;
        }
        const value = this.getEnv(name);
        if (this.opts.skipUnsetEnv && value === undefined) return `\${${name}${chs}${word}}`;
        const unsetOrNull = value === undefined || (nullIsUnset && value === "");
        switch (ch) {
          case "-":
            return unsetOrNull ? word : value!;
          case "+":
            return unsetOrNull ? "" : word;
          case "?":
            if (value === undefined) throw new ShellLexError(`${name}: ${word !== "" ? word : "is not allowed to be unset"}`);
            if (nullIsUnset && value === "") throw new ShellLexError(`${name}: ${word !== "" ? word : "is not allowed to be empty"}`);
            return value;
          case "%":
          case "#": {
            // One # or % removes the shortest match, two the longest.
            let greedy = false;
            if (word.length > 0 && word[0] === ch) {
              greedy = true;
              word = word.slice(1);
            }
            return withPattern(word, () => (ch === "%" ? trimSuffix(word, value ?? "", greedy) : trimPrefix(word, value ?? "", greedy)));
          }
          default:
            throw new ShellLexError(`unsupported modifier (${chs}) in substitution`);
        }
      }
      case "/": {
        const all = this.peek() === "/";
        if (all) this.next();
        let pattern: string;
        let replacement: string;
        try {
          [pattern] = this.processStopOn("/", true);
        } catch (err) {
          if (err instanceof ShellLexError && this.peek() === EOF) throw new ShellLexError("syntax error: missing '/' in ${}");
          throw err;
        }
        try {
          [replacement] = this.processStopOn("}", true);
        } catch (err) {
          if (err instanceof ShellLexError && this.peek() === EOF) throw new ShellLexError("syntax error: missing '}'");
          throw err;
        }
        const value = this.getEnv(name);
        if (this.opts.skipUnsetEnv && value === undefined) return `\${${name}/${pattern}/${replacement}}`;
        return withPattern(pattern, () => replacePattern(pattern, value ?? "", all, (m) => goExpandReplacement(replacement, m)));
      }
      default:
        throw new ShellLexError(`unsupported modifier (${chs}) in substitution`);
    }
  }

  private processName(): string {
    // Letters, digits and _; a leading digit reads only digits (positional); one special char.
    let name = "";
    while (this.peek() !== EOF) {
      const ch = this.peek();
      if (name === "" && /^\p{Nd}$/u.test(ch)) {
        while (this.peek() !== EOF && /^\p{Nd}$/u.test(this.peek())) name += this.next();
        return name;
      }
      if (name === "" && "@*#?-$!0".includes(ch)) return this.next();
      if (!/^[\p{L}\p{Nd}_]$/u.test(ch)) break;
      name += this.next();
    }
    return name;
  }

  private processPossibleHeredoc(): string {
    this.next();
    if (this.peek() !== "<") return "<";
    this.next();
    // "<<  EOF" stays one word, so heredoc detection sees the name with its operator.
    let space = "";
    while (this.peek() === " " || this.peek() === "\t" || this.peek() === "\r") space += this.next();
    return "<<" + space;
  }

  private getEnv(name: string): string | undefined {
    const v = this.env.get(name);
    if (v !== undefined) this.matched.add(name);
    else this.unmatched.add(name);
    return v;
  }
}

function withPattern(pattern: string, match: () => string): string {
  try {
    return match();
  } catch (err) {
    if (err instanceof PatternError) throw new ShellLexError(`invalid pattern (${pattern}) in substitution: ${err.message}`);
    throw err;
  }
}

/** Go's Regexp.ReplaceAllString template: $$ is "$", $0/${0} the match; other names are empty (no groups). */
function goExpandReplacement(template: string, match: string): string {
  let out = "";
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch !== "$" || i + 1 >= template.length) {
      out += ch;
      continue;
    }
    if (template[i + 1] === "$") {
      out += "$";
      i++;
      continue;
    }
    const braced = /^\{([A-Za-z0-9_]+)\}/.exec(template.slice(i + 1));
    const bare = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
    const name = braced ? braced[1]! : bare ? bare[0] : undefined;
    if (name === undefined) {
      out += ch;
      continue;
    }
    if (/^0+$/.test(name)) out += match;
    i += braced ? braced[0].length : name.length;
  }
  return out;
}
