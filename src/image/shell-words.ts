// Variable expansion and quote removal in Dockerfile words, as Docker's builder does for ENV,
// LABEL, EXPOSE, VOLUME, USER, WORKDIR and STOPSIGNAL (moby's builder/dockerfile/shell lex.go):
// `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:+alternative}`, `${VAR:?message}`, '…' taken as it
// is, "…" with `\"`, `\$` and `\\` escapes, and `\` escaping any character outside quotes.
// Messages are dockerd 20.10's, measured with `docker commit --change`.
import { InvalidArgumentError } from "../errors.js";

const ESCAPE = "\\";

/** The value of `word` with every variable replaced from `env` ("K=V" entries) and quotes removed. */
export function processWord(word: string, env: readonly string[]): string {
  try {
    const scanner = new Scanner(word, env);
    return scanner.processUntil(undefined);
  } catch (err) {
    if (err instanceof LexError) throw new InvalidArgumentError(`failed to process ${JSON.stringify(word)}: ${err.message}`);
    throw err;
  }
}

class LexError extends Error {}

class Scanner {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly env: readonly string[],
  ) {}

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private next(): string | undefined {
    return this.text[this.pos++];
  }

  /** Reads to `stop` (consumed) or to the end when `stop` is undefined. */
  processUntil(stop: string | undefined): string {
    let result = "";
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (stop !== undefined && ch === stop) {
        this.next();
        return result;
      }
      if (ch === "'") result += this.singleQuoted();
      else if (ch === '"') result += this.doubleQuoted();
      else if (ch === "$") result += this.dollar();
      else {
        this.next();
        if (ch === ESCAPE) {
          const escaped = this.next();
          // A lone escape at the end of the word is dropped.
          if (escaped === undefined) break;
          result += escaped;
        } else {
          result += ch;
        }
      }
    }
    if (stop !== undefined) throw new LexError(`unexpected end of statement while looking for matching ${stop}`);
    return result;
  }

  private singleQuoted(): string {
    this.next();
    let result = "";
    for (;;) {
      const ch = this.next();
      if (ch === undefined) throw new LexError("unexpected end of statement while looking for matching single-quote");
      if (ch === "'") return result;
      result += ch;
    }
  }

  private doubleQuoted(): string {
    this.next();
    let result = "";
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) throw new LexError("unexpected end of statement while looking for matching double-quote");
      if (ch === '"') {
        this.next();
        return result;
      }
      if (ch === "$") {
        result += this.dollar();
        continue;
      }
      this.next();
      if (ch === ESCAPE) {
        const following = this.peek();
        if (following === undefined) continue;
        // Only these can be escaped inside double quotes; any other backslash stays as it is.
        if (following === '"' || following === "$" || following === ESCAPE) {
          result += this.next();
          continue;
        }
      }
      result += ch;
    }
  }

  private dollar(): string {
    this.next();
    if (this.peek() !== "{") {
      const name = this.name();
      return name === "" ? "$" : this.lookup(name);
    }
    this.next();
    const first = this.peek();
    if (first === undefined) throw new LexError("syntax error: missing '}'");
    if (first === "{" || first === "}" || first === ":") throw new LexError("syntax error: bad substitution");
    const name = this.name();
    const ch = this.next();
    if (ch === "}") return this.lookup(name);
    if (ch !== ":") throw new LexError("missing ':' in substitution");
    const modifier = this.next();
    let word: string;
    try {
      word = this.processUntil("}");
    } catch (err) {
      if (err instanceof LexError && this.peek() === undefined) throw new LexError("syntax error: missing '}'");
      throw err;
    }
    const value = this.lookup(name);
    switch (modifier) {
      case "+":
        return value === "" ? "" : word;
      case "-":
        return value === "" ? word : value;
      case "?":
        if (value !== "") return value;
        throw new LexError(word === "" ? `${name}: is not allowed to be unset` : `${name}: ${word}`);
      default:
        throw new LexError(`unsupported modifier (${modifier ?? ""}) in substitution`);
    }
  }

  /** A variable name: letters, digits and `_`; a run of digits or one special character alone. */
  private name(): string {
    const rest = this.text.slice(this.pos);
    const m = /^(?:[0-9]+|[@*#?$!-]|[\p{L}\p{N}_]+)/u.exec(rest);
    const name = m?.[0] ?? "";
    this.pos += name.length;
    return name;
  }

  private lookup(name: string): string {
    for (const entry of this.env) {
      const eq = entry.indexOf("=");
      const key = eq === -1 ? entry : entry.slice(0, eq);
      if (key === name) return eq === -1 ? "" : entry.slice(eq + 1);
    }
    return "";
  }
}
