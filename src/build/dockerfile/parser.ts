// The Dockerfile's lines as BuildKit's parser (frontend/dockerfile/parser) reads them: parser
// directives, comments, line continuations, instruction flags, JSON or shell form, heredocs, and each
// instruction's first and last line. It knows no instruction's meaning: instructions.ts does that.
import { InvalidArgumentError } from "../../errors.js";
import { goQuote, goTrimLeftSpace, goTrimSpace, isGoSpace } from "./go-compat.js";
import { ShellLex, ShellLexError, type EnvLookup } from "./shell-lex.js";

/** A Dockerfile error with the lines it concerns; the message is BuildKit's. */
export class DockerfileParseError extends InvalidArgumentError {
  constructor(
    message: string,
    readonly startLine: number,
    readonly endLine: number = startLine,
  ) {
    super(message);
  }
}

export interface Heredoc {
  /** The delimiter word with its quotes removed. */
  readonly name: string;
  /** `3<<EOF` feeds file descriptor 3; 0 means stdin. */
  readonly fileDescriptor: number;
  /** False when any part of the delimiter was quoted: the body is then taken literally. */
  readonly expand: boolean;
  /** `<<-`: leading tabs are stripped from the body (and the delimiter line may be indented by tabs). */
  readonly chomp: boolean;
  /** The body, every line with its newline, the delimiter line excluded. */
  readonly content: string;
}

export interface DockerfileNode {
  /** The instruction word as written ("RUN", "run"). */
  readonly instruction: string;
  /** The logical line: continuations joined, comment lines dropped. */
  readonly original: string;
  /** `--name[=value]` words before the arguments, quotes removed. */
  readonly flags: readonly string[];
  /**
   * The arguments as BuildKit's line parser splits them: JSON items, whitespace-separated words, one
   * string for a shell form, key/value/separator triples for ENV and LABEL, quotes kept where later
   * expansion removes them.
   */
  readonly args: readonly string[];
  /** The arguments were a JSON array (exec form). */
  readonly json: boolean;
  readonly heredocs: readonly Heredoc[];
  readonly startLine: number;
  readonly endLine: number;
  /** ONBUILD's trigger, parsed as an instruction of its own. */
  readonly trigger?: DockerfileNode;
}

export interface Directive {
  readonly name: "syntax" | "escape" | "check";
  readonly value: string;
  readonly line: number;
}

export interface ParseWarning {
  readonly message: string;
  readonly line: number;
  readonly url?: string;
}

export interface ParseResult {
  readonly nodes: readonly DockerfileNode[];
  readonly directives: readonly Directive[];
  readonly escapeToken: "\\" | "`";
  readonly warnings: readonly ParseWarning[];
}

/** bufio.Scanner's token limit: BuildKit refuses longer lines. */
const MAX_LINE = 64 * 1024;

const HEREDOC_INSTRUCTIONS = new Set(["add", "copy", "run"]);

const EMPTY_ENV: EnvLookup = { get: () => undefined };

const reWhitespace = /[\t\v\f\r ]+/;

class Directives {
  escapeToken: "\\" | "`" = "\\";
  continuation = continuationRegExp("\\");
  readonly found: Directive[] = [];
  private line = 0;
  private done = false;
  private readonly seen = new Set<string>();

  /** Directives are read only from the very first lines: any other line ends them for good. */
  offer(line: string): boolean {
    this.line++;
    if (this.done) return false;
    if (!line.startsWith("#")) {
      this.done = true;
      return false;
    }
    const m = directiveMatch(goTrimLeftSpace(line.slice(1)));
    const key = m?.key.toLowerCase();
    if (!m || (key !== "syntax" && key !== "escape" && key !== "check")) {
      this.done = true;
      return false;
    }
    if (this.seen.has(key)) throw new Error(`only one ${key} parser directive can be used`);
    this.seen.add(key);
    const value = m.value;
    if (key === "escape") {
      if (value !== "`" && value !== "\\") throw new Error(`invalid escape token '${value}' does not match \` or \\`);
      this.escapeToken = value;
      this.continuation = continuationRegExp(value);
    }
    this.found.push({ name: key, value, line: this.line });
    return true;
  }
}

const DIRECTIVE_SPACE = /[\t\n\f\r ]/;

/**
 * BuildKit's `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`, read by hand: a backtracking engine takes
 * quadratic time on that expression for a line of many spaces, which a Dockerfile must not buy.
 */
function directiveMatch(s: string): { key: string; value: string } | undefined {
  const head = /^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=/.exec(s);
  if (!head) return undefined;
  const rest = s.slice(head[0].length);
  let start = 0;
  while (start < rest.length && DIRECTIVE_SPACE.test(rest[start]!)) start++;
  let end = rest.length;
  while (end > start && DIRECTIVE_SPACE.test(rest[end - 1]!)) end--;
  if (rest === "") return undefined;
  // With only spaces after "=", the lazy (.+?) still takes the last one.
  const value = start === end ? rest.slice(-1) : rest.slice(start, end);
  return { key: head[1]!, value };
}

// The escape token ends a line to continue it, unless it is escaped itself; a line holding only
// the token continues too.
function continuationRegExp(token: "\\" | "`"): RegExp {
  const t = token === "\\" ? "\\\\" : "`";
  return new RegExp(`([^${t}])${t}[ \\t]*$|^${t}[ \\t]*$`);
}

/** Lines with their endings kept, as BuildKit's scanLines gives them. */
function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf("\n", start);
    const end = nl === -1 ? text.length : nl + 1;
    lines.push(text.slice(start, end));
    start = end;
  }
  return lines;
}

// By hand: /[\r\n]+$/ backtracks quadratically over a long run of \r inside a line.
function trimNewline(s: string): string {
  let end = s.length;
  while (end > 0 && (s[end - 1] === "\n" || s[end - 1] === "\r")) end--;
  return s.slice(0, end);
}

function isComment(line: string): boolean {
  return goTrimLeftSpace(line).startsWith("#");
}

/**
 * Parses a Dockerfile's text into instruction nodes. Throws DockerfileParseError with BuildKit's
 * words for what the parser itself refuses (directives, heredocs, JSON of the wrong shape, an empty
 * file); what an instruction's arguments mean is checked by instructions.ts.
 */
export function parseDockerfileText(text: string): ParseResult {
  const d = new Directives();
  const lines = splitLines(text);
  const nodes: DockerfileNode[] = [];
  const warnings: ParseWarning[] = [];
  let currentLine = 0;
  let i = 0;

  const nextRaw = (): string | undefined => {
    const line = lines[i];
    if (line === undefined) return undefined;
    i++;
    if (Buffer.byteLength(line) > MAX_LINE) {
      throw new DockerfileParseError(`dockerfile line greater than max allowed size of ${MAX_LINE - 1}`, currentLine + 1);
    }
    return line;
  };
  const processLine = (raw: string, stripLeft: boolean): { text: string; directive: boolean } => {
    let token = trimNewline(raw);
    if (stripLeft) token = goTrimLeftSpace(token);
    let directive: boolean;
    try {
      directive = d.offer(token);
    } catch (err) {
      throw new DockerfileParseError((err as Error).message, currentLine + 1);
    }
    return { text: isComment(token) ? "" : token, directive };
  };
  const trimContinuation = (line: string): [string, boolean] => {
    if (d.continuation.test(line)) return [line.replace(d.continuation, "$1"), false];
    return [line, true];
  };

  for (let raw = nextRaw(); raw !== undefined; raw = nextRaw()) {
    if (currentLine === 0 && raw.startsWith("\ufeff")) raw = raw.slice(1);
    const first = processLine(raw, true);
    currentLine++;
    const startLine = currentLine;
    let [bytes, isEnd] = trimContinuation(first.text);
    if (isEnd && bytes.length === 0) continue;
    let line = bytes;
    let hasEmptyContinuation = false;
    while (!isEnd) {
      const more = nextRaw();
      if (more === undefined) break;
      const next = processLine(more, false);
      currentLine++;
      // Comment lines inside a continuation are dropped; empty ones too, with a warning.
      if (isComment(more)) continue;
      if (goTrimLeftSpace(trimNewline(next.text)).length === 0) {
        hasEmptyContinuation = true;
        continue;
      }
      [bytes, isEnd] = trimContinuation(next.text);
      line += bytes;
    }
    if (hasEmptyContinuation) {
      warnings.push({
        message: `Empty continuation line found in: ${line}`,
        line: currentLine,
        url: "https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/",
      });
    }
    let node: DockerfileNode;
    try {
      node = nodeFromLine(line, d.escapeToken, startLine, currentLine);
    } catch (err) {
      throw asParseError(err, startLine, currentLine);
    }
    if (canContainHeredoc(node) && line.includes("<<")) {
      let docs: Heredoc[];
      try {
        docs = heredocsFromLine(line);
      } catch (err) {
        throw asParseError(err, startLine, currentLine);
      }
      const filled: Heredoc[] = [];
      for (const doc of docs) {
        let content = "";
        let terminated = false;
        for (let body = nextRaw(); body !== undefined; body = nextRaw()) {
          currentLine++;
          let candidate = trimNewline(body);
          if (doc.chomp) candidate = candidate.replace(/^\t+/, "");
          if (candidate === doc.name) {
            terminated = true;
            break;
          }
          content += body;
        }
        if (!terminated) throw new DockerfileParseError("unterminated heredoc", startLine, currentLine);
        filled.push({ ...doc, content });
      }
      node = withHeredocs(node, filled);
    }
    nodes.push({ ...node, startLine, endLine: currentLine });
  }
  if (nodes.length === 0) throw new DockerfileParseError("file with no instructions", currentLine);
  return { nodes, directives: d.found, escapeToken: d.escapeToken, warnings };
}

function asParseError(err: unknown, start: number, end: number): DockerfileParseError {
  if (err instanceof DockerfileParseError) return err;
  return new DockerfileParseError(err instanceof Error ? err.message : String(err), start, end);
}

function withHeredocs(node: DockerfileNode, heredocs: Heredoc[]): DockerfileNode {
  // ONBUILD RUN <<EOF: the body belongs to the trigger, which is where instructions.ts looks.
  if (node.trigger) return { ...node, heredocs, trigger: { ...node.trigger, heredocs } };
  return { ...node, heredocs };
}

function canContainHeredoc(node: DockerfileNode): boolean {
  const target = node.instruction.toLowerCase() === "onbuild" && node.trigger ? node.trigger : node;
  return HEREDOC_INSTRUCTIONS.has(target.instruction.toLowerCase()) && !target.json;
}

interface LineParse {
  readonly args: string[];
  readonly json: boolean;
  readonly trigger?: DockerfileNode;
}

function nodeFromLine(line: string, escape: string, startLine: number, endLine: number): DockerfileNode {
  const { cmd, flags, args } = splitCommand(line, escape);
  const parsed = lineParser(cmd.toLowerCase())(args, escape, startLine, endLine);
  return {
    instruction: cmd,
    original: line,
    flags,
    args: parsed.args,
    json: parsed.json,
    heredocs: [],
    startLine,
    endLine,
    ...(parsed.trigger ? { trigger: parsed.trigger } : {}),
  };
}

type LineParser = (rest: string, escape: string, startLine: number, endLine: number) => LineParse;

function lineParser(cmd: string): LineParser {
  switch (cmd) {
    case "add":
    case "copy":
    case "volume":
      return parseMaybeJsonToList;
    case "arg":
      return (rest, escape) => ({ args: parseWords(rest, escape), json: false });
    case "cmd":
    case "entrypoint":
    case "run":
    case "shell":
      return parseMaybeJson;
    case "env":
      return (rest, escape) => ({ args: parseNameVal(rest, "ENV", escape), json: false });
    case "label":
      return (rest, escape) => ({ args: parseNameVal(rest, "LABEL", escape), json: false });
    case "expose":
    case "from":
      return (rest) => ({ args: whitespaceWords(rest), json: false });
    case "healthcheck":
      return parseHealthConfig;
    case "maintainer":
    case "stopsignal":
    case "user":
    case "workdir":
      return (rest) => ({ args: rest === "" ? [] : [rest], json: false });
    case "onbuild":
      return (rest, escape, start, end) => {
        if (rest === "") return { args: [], json: false };
        const trigger = nodeFromLine(rest, escape, start, end);
        return { args: [trigger.instruction, ...trigger.args], json: trigger.json, trigger };
      };
    default:
      // An unknown instruction is reported by instructions.ts, with the line it is on.
      return () => ({ args: [], json: false });
  }
}

/** The instruction word, its `--flags`, and the rest of the line. */
export function splitCommand(line: string, escape: string): { cmd: string; flags: string[]; args: string } {
  const trimmed = goTrimSpace(line);
  const m = reWhitespace.exec(trimmed);
  if (!m) return { cmd: trimmed, flags: [], args: "" };
  const cmd = trimmed.slice(0, m.index);
  const rest = trimmed.slice(m.index + m[0].length);
  const { args, flags } = extractBuilderFlags(rest, escape);
  return { cmd, flags, args: goTrimSpace(args) };
}

function extractBuilderFlags(line: string, escape: string): { args: string; flags: string[] } {
  const words: string[] = [];
  let phase: "spaces" | "word" | "quote" = "spaces";
  let word = "";
  let quote = "";
  let blankOK = false;
  for (let pos = 0; pos <= line.length; pos++) {
    let ch = line[pos] ?? "";
    if (phase === "spaces") {
      if (pos === line.length) break;
      if (isGoSpace(ch)) continue;
      // Flags end at the first word that does not start with "--".
      if (ch !== "-" || pos + 1 === line.length || line[pos + 1] !== "-") return { args: line.slice(pos), flags: words };
      phase = "word";
    }
    if (pos === line.length) {
      if (word !== "--" && (blankOK || word.length > 0)) words.push(word);
      break;
    }
    if (phase === "word") {
      if (isGoSpace(ch)) {
        phase = "spaces";
        if (word === "--") return { args: line.slice(pos), flags: words };
        if (blankOK || word.length > 0) words.push(word);
        word = "";
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = "quote";
        continue;
      }
      if (ch === escape) {
        if (pos + 1 === line.length) continue;
        pos++;
        ch = line[pos]!;
      }
      word += ch;
      continue;
    }
    if (ch === quote) {
      phase = "word";
      continue;
    }
    if (ch === escape) {
      if (pos + 1 === line.length) {
        phase = "word";
        continue;
      }
      pos++;
      ch = line[pos]!;
    }
    word += ch;
  }
  return { args: "", flags: words };
}

/** Words split at unquoted whitespace, quotes and escapes kept for the expansion that follows. */
export function parseWords(rest: string, escape: string): string[] {
  const words: string[] = [];
  const chars = Array.from(rest);
  let phase: "spaces" | "word" | "quote" = "spaces";
  let quote = "";
  let blankOK = false;
  let word = "";
  for (let pos = 0; pos <= chars.length; pos++) {
    let ch = chars[pos] ?? "";
    if (phase === "spaces") {
      if (pos === chars.length) break;
      if (isGoSpace(ch)) continue;
      phase = "word";
    }
    if (pos === chars.length) {
      if (blankOK || word.length > 0) words.push(word);
      break;
    }
    if (phase === "word") {
      if (isGoSpace(ch)) {
        phase = "spaces";
        if (blankOK || word.length > 0) words.push(word);
        word = "";
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = "quote";
      }
      if (ch === escape) {
        if (pos + 1 === chars.length) continue;
        word += ch;
        pos++;
        ch = chars[pos]!;
      }
      word += ch;
      continue;
    }
    if (ch === quote) phase = "word";
    // Inside single quotes the escape token is an ordinary character.
    if (ch === escape && quote !== "'") {
      if (pos + 1 === chars.length) {
        phase = "word";
        continue;
      }
      pos++;
      word += ch;
      ch = chars[pos]!;
    }
    word += ch;
  }
  return words;
}

/**
 * ENV and LABEL: `name=value ...` or the legacy `name value`. Gives key, value, separator triples
 * ("=" or "" for the legacy form), values still quoted.
 */
function parseNameVal(rest: string, key: string, escape: string): string[] {
  const words = parseWords(rest, escape);
  if (words.length === 0) return [];
  if (!words[0]!.includes("=")) {
    const m = reWhitespace.exec(rest);
    if (!m) throw new Error(`${key} must have two arguments`);
    return [rest.slice(0, m.index), rest.slice(m.index + m[0].length), ""];
  }
  const out: string[] = [];
  for (const word of words) {
    const eq = word.indexOf("=");
    if (eq === -1) throw new Error(`Syntax error - can't find = in ${goQuote(word)}. Must be of the form: name=value`);
    out.push(word.slice(0, eq), word.slice(eq + 1), "=");
  }
  return out;
}

function whitespaceWords(rest: string): string[] {
  if (rest === "") return [];
  return rest.split(new RegExp(reWhitespace.source));
}

class NotJsonArray extends Error {}
class NotStringArray extends Error {}

function parseJson(rest: string): string[] {
  const s = goTrimLeftSpace(rest);
  if (!s.startsWith("[")) throw new NotJsonArray("not a JSON array");
  let value: unknown;
  try {
    value = JSON.parse(s);
  } catch {
    throw new NotJsonArray("invalid JSON");
  }
  if (!Array.isArray(value)) throw new NotJsonArray("not a JSON array");
  if (!value.every((v): v is string => typeof v === "string")) {
    throw new NotStringArray("when using JSON array syntax, arrays must be comprised of strings only");
  }
  return value;
}

/** JSON array, or else the whole rest as one shell-form string (RUN, CMD, ENTRYPOINT, SHELL). */
const parseMaybeJson: LineParser = (rest) => {
  if (rest === "") return { args: [], json: false };
  try {
    return { args: parseJson(rest), json: true };
  } catch (err) {
    if (err instanceof NotStringArray) throw err;
    return { args: [rest], json: false };
  }
};

/** JSON array, or else whitespace-separated words (COPY, ADD, VOLUME). */
const parseMaybeJsonToList: LineParser = (rest) => {
  try {
    return { args: parseJson(rest), json: true };
  } catch (err) {
    if (err instanceof NotStringArray) throw err;
    return { args: whitespaceWords(rest), json: false };
  }
};

/** HEALTHCHECK: a type word (CMD, NONE), then a command in JSON or shell form. */
const parseHealthConfig: LineParser = (rest, escape, start, end) => {
  let sep = 0;
  while (sep < rest.length && !isGoSpace(rest[sep]!)) sep++;
  let next = sep;
  while (next < rest.length && isGoSpace(rest[next]!)) next++;
  if (sep === 0) return { args: [], json: false };
  const cmd = parseMaybeJson(rest.slice(next), escape, start, end);
  return { args: [rest.slice(0, sep), ...cmd.args], json: cmd.json };
};

/** The heredocs a line opens, in order: `<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF`. */
function heredocsFromLine(line: string): Heredoc[] {
  const lex = new ShellLex("\\", { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true });
  let words: string[];
  try {
    words = lex.processWords(line, EMPTY_ENV);
  } catch (err) {
    // BuildKit ignores a line its lexer cannot split: it then has no heredocs.
    if (err instanceof ShellLexError) return [];
    throw err;
  }
  const docs: Heredoc[] = [];
  for (const word of words) {
    const doc = parseHeredoc(word);
    if (doc) docs.push(doc);
  }
  return docs;
}

/** A heredoc operator word, or undefined when the word is not one. */
export function parseHeredoc(word: string): Heredoc | undefined {
  // BuildKit's /^(\d*)<<(-?)\s*([^<]*)$/, read in linear time: the rest holds no "<".
  const m = /^([0-9]*)<<(-?)/.exec(word);
  if (!m) return undefined;
  let rest = word.slice(m[0].length);
  if (rest.includes("<")) return undefined;
  rest = rest.replace(/^[\t\n\f\r ]+/, "");
  if (rest === "") return undefined;
  const plain = new ShellLex("\\", { skipUnsetEnv: true }).processWords(rest, EMPTY_ENV);
  if (plain.length !== 1) return undefined;
  const raw = new ShellLex("\\", { skipUnsetEnv: true, rawQuotes: true }).processWords(rest, EMPTY_ENV);
  if (raw.length !== plain.length) throw new Error(`internal lexing of heredoc produced inconsistent results: ${rest}`);
  const quotes = (s: string): number => s.split("").filter((c) => c === "'" || c === '"').length;
  const name = plain[0]!;
  return {
    name,
    // Any quoting in the delimiter turns expansion of the body off, as in a shell.
    expand: quotes(name) === quotes(raw[0]!),
    chomp: m[2] === "-",
    fileDescriptor: m[1] === "" ? 0 : Number(m[1]),
    content: "",
  };
}

/** `<<-` bodies lose the leading tabs of every line. */
export function chompHeredocContent(content: string): string {
  return content.replace(/^\t+/gm, "");
}
