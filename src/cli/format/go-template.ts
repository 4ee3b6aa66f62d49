// Go's text/template, as Docker users write it in --format flags, plus docker/cli's list formatter.
//
// Scripts parse `docker … --format` output and match its error messages, so this follows Go's lexer,
// parser and evaluator closely (messages included) rather than being a look-alike. Go structs and
// maps both arrive here as JS objects; they behave as Go maps (sorted iteration, `<no value>` for a
// missing key) except where a caller marks them as structs. `undefined` plays Go's "invalid value"
// (a missing key) and `null` plays nil.

import { InvalidArgumentError } from "../../errors.js";

// =================================================================================================
// Public API
// =================================================================================================

export interface Template {
  execute(data: unknown): string;
}

export type TemplateFunc = (...args: unknown[]) => unknown;

export interface ParseOptions {
  /** Extra functions; like Go's Funcs they override builtins of the same name. */
  funcs?: Record<string, TemplateFunc>;
  /**
   * Go's Option("missingkey=…"). "error" makes a missing map key fail (`map has no entry for key "X"`),
   * which docker inspect uses when it falls back to the raw JSON.
   */
  missingKey?: "default" | "error";
}

export interface RenderListOptions {
  /**
   * The Go type docker formats rows as (e.g. "*formatter.imageContext"). When set, rows behave as
   * structs: an unknown field fails with docker's `can't evaluate field X in type …` instead of
   * printing `<no value>`.
   */
  rowType?: string;
}

export interface TabwriteOptions {
  /** Minimal cell width including padding (docker: 10). */
  minWidth?: number;
  /** Spaces added to the widest cell of a column (docker: 3). */
  padding?: number;
}

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

/** Parses a Go template; bad syntax throws InvalidArgumentError("template parsing error: template: :LINE: …"). */
export function parseTemplate(text: string, opts: ParseOptions = {}): Template {
  return compile(text, opts);
}

/** docker/cli's Format.IsTable: any format starting with "table". */
export function isTableFormat(format: string): boolean {
  return format.startsWith("table");
}

/**
 * Renders list rows the way docker/cli's formatter.Context does and returns the full output, every
 * line newline-terminated (so zero rows and no table give "").
 *
 * - "table <template>": the header is the same template executed on `headers` (same keys, column
 *   titles as values) with docker's header functions, then one line per row; all of it aligned by
 *   tabwrite with docker's settings. Callers must expand a bare "table" to their default
 *   "table …" format first: passed as is it is an empty template, giving blank lines as docker would.
 * - "json": `{{json .}}` per row (docker's --format json).
 * - anything else: the template per row, no header, no alignment.
 *
 * Like docker, literal `\t` and `\n` in the format become tab and newline, and surrounding spaces are
 * trimmed. Execution errors are reported as docker does: "template parsing error: template: …".
 */
export function renderList(
  format: string,
  rows: readonly Record<string, unknown>[],
  headers: Record<string, string>,
  opts: RenderListOptions = {},
): string {
  const template = compile(listTemplateText(format), {});
  const body = rows.map((row) => renderRow(template, rowContext(row, opts.rowType)) + "\n").join("");
  if (!isTableFormat(format)) return body;
  return tabwrite(`${renderHeader(template, headers)}\n${body}`.split("\n")).join("\n");
}

/**
 * Go's text/tabwriter as docker configures it (padchar ' ', no flags) on lines without their
 * newlines, each treated as newline-terminated: a cell ends at a tab; consecutive lines that have a
 * cell in a column form a block aligned to its widest cell plus padding; a line's last cell is never
 * padded. Widths are terminal columns, as in docker's runewidth-based fork.
 */
export function tabwrite(lines: readonly string[], opts: TabwriteOptions = {}): string[] {
  const layout: Layout = {
    cells: lines.map((line) => line.split("\t")),
    minWidth: opts.minWidth ?? 10,
    padding: opts.padding ?? 3,
    out: [],
  };
  formatColumn(layout, 0, layout.cells.length, []);
  return layout.out;
}

// =================================================================================================
// Lexer (text/template/parse/lex.go)
// =================================================================================================

type ItemType =
  | "text" | "comment" | "leftDelim" | "rightDelim" | "space" | "eof" | "error"
  | "field" | "variable" | "identifier" | "keyword" | "dot" | "nil" | "bool"
  | "number" | "charConstant" | "string" | "rawString"
  | "pipe" | "leftParen" | "rightParen" | "declare" | "assign" | "char";

interface Item {
  readonly type: ItemType;
  readonly val: string;
  readonly pos: number;
}

const LEFT_DELIM = "{{";
const RIGHT_DELIM = "}}";
const LEFT_COMMENT = "/*";
const RIGHT_COMMENT = "*/";
const TRIM_MARKER_LEN = 2; // "- " or " -"
const KEYWORDS = new Set(["block", "break", "continue", "define", "else", "end", "if", "range", "template", "with"]);
const ALPHANUMERIC = /^[\p{L}\p{Nd}_]$/u;

function isSpace(ch: string | undefined): boolean {
  return ch === " " || ch === "\t" || ch === "\r" || ch === "\n";
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= "0" && ch <= "9";
}

function isAlphaNumeric(ch: string): boolean {
  return ch !== "" && ALPHANUMERIC.test(ch);
}

function hasLeftTrimMarker(s: string, at: number): boolean {
  return s[at] === "-" && isSpace(s[at + 1]);
}

function hasRightTrimMarker(s: string, at: number): boolean {
  return isSpace(s[at]) && s[at + 1] === "-";
}

/** Tokenizes the whole input; stops at the first error, left as an "error" item for the parser to report in order. */
class Lexer {
  private readonly items: Item[] = [];
  private pos = 0;
  private start = 0;
  private parenDepth = 0;

  constructor(private readonly input: string) {}

  run(): Item[] {
    while (this.lexText() && this.lexLeftDelim()) {
      // each round lexes one text run and one action
    }
    return this.items;
  }

  private emit(type: ItemType): void {
    this.items.push({ type, val: this.input.slice(this.start, this.pos), pos: this.start });
    this.start = this.pos;
  }

  private ignore(): void {
    this.start = this.pos;
  }

  private fail(message: string): false {
    this.items.push({ type: "error", val: message, pos: this.start });
    return false;
  }

  /** The code point at pos ("" at the end), so identifiers may hold non-BMP letters. */
  private peekChar(): string {
    const cp = this.input.codePointAt(this.pos);
    return cp === undefined ? "" : String.fromCodePoint(cp);
  }

  private nextChar(): string {
    const ch = this.peekChar();
    this.pos += ch.length;
    return ch;
  }

  /** Emits the text before the next action, trimmed if that action starts with "{{- "; false at the end of input. */
  private lexText(): boolean {
    const at = this.input.indexOf(LEFT_DELIM, this.pos);
    if (at < 0) {
      this.pos = this.input.length;
      if (this.pos > this.start) this.emit("text");
      this.items.push({ type: "eof", val: "", pos: this.input.length });
      return false;
    }
    let end = at;
    if (hasLeftTrimMarker(this.input, at + LEFT_DELIM.length)) {
      while (end > this.start && isSpace(this.input[end - 1])) end--;
    }
    if (end > this.start) this.items.push({ type: "text", val: this.input.slice(this.start, end), pos: this.start });
    this.pos = at;
    this.start = at;
    return true;
  }

  private lexLeftDelim(): boolean {
    this.pos += LEFT_DELIM.length;
    const afterMarker = hasLeftTrimMarker(this.input, this.pos) ? TRIM_MARKER_LEN : 0;
    if (this.input.startsWith(LEFT_COMMENT, this.pos + afterMarker)) {
      this.pos += afterMarker;
      this.ignore();
      return this.lexComment();
    }
    this.emit("leftDelim");
    this.pos += afterMarker;
    this.ignore();
    this.parenDepth = 0;
    return this.lexInsideAction();
  }

  private lexComment(): boolean {
    const end = this.input.indexOf(RIGHT_COMMENT, this.pos + LEFT_COMMENT.length);
    if (end < 0) return this.fail("unclosed comment");
    this.pos = end + RIGHT_COMMENT.length;
    const delim = this.atRightDelim();
    if (!delim) return this.fail("comment ends before closing delimiter");
    this.emit("comment");
    if (delim.trim) this.pos += TRIM_MARKER_LEN;
    this.pos += RIGHT_DELIM.length;
    if (delim.trim) this.skipSpaces();
    this.ignore();
    return true;
  }

  private atRightDelim(): { trim: boolean } | undefined {
    if (hasRightTrimMarker(this.input, this.pos) && this.input.startsWith(RIGHT_DELIM, this.pos + TRIM_MARKER_LEN)) {
      return { trim: true };
    }
    return this.input.startsWith(RIGHT_DELIM, this.pos) ? { trim: false } : undefined;
  }

  private lexRightDelim(trim: boolean): true {
    if (trim) {
      this.pos += TRIM_MARKER_LEN;
      this.ignore();
    }
    this.pos += RIGHT_DELIM.length;
    this.emit("rightDelim");
    if (trim) {
      this.skipSpaces();
      this.ignore();
    }
    return true;
  }

  private skipSpaces(): void {
    while (isSpace(this.input[this.pos])) this.pos++;
  }

  private lexInsideAction(): boolean {
    for (;;) {
      const delim = this.atRightDelim();
      if (delim) return this.parenDepth === 0 ? this.lexRightDelim(delim.trim) : this.fail("unclosed left paren");
      if (!this.lexActionItem()) return false;
    }
  }

  private lexActionItem(): boolean {
    const ch = this.nextChar();
    if (ch === "") return this.fail("unclosed action");
    if (isSpace(ch)) {
      this.pos--;
      return this.lexSpace();
    }
    switch (ch) {
      case "=": return this.emitItem("assign");
      case ":": return this.nextChar() === "=" ? this.emitItem("declare") : this.fail("expected :=");
      case "|": return this.emitItem("pipe");
      case '"': return this.lexQuote('"', "string", "unterminated quoted string");
      case "'": return this.lexQuote("'", "charConstant", "unterminated character constant");
      case "`": return this.lexRawQuote();
      case "$": return this.lexFieldOrVariable("variable");
      case "(":
        this.parenDepth++;
        return this.emitItem("leftParen");
      case ")":
        this.parenDepth--;
        return this.parenDepth < 0 ? this.fail("unexpected right paren") : this.emitItem("rightParen");
    }
    if (ch === "." && !isDigit(this.input[this.pos])) return this.lexFieldOrVariable("field");
    if (ch === "." || ch === "+" || ch === "-" || isDigit(ch)) {
      this.pos--;
      return this.lexNumber();
    }
    if (isAlphaNumeric(ch)) {
      this.pos -= ch.length;
      return this.lexIdentifier();
    }
    const cp = ch.codePointAt(0) ?? 0;
    // Other printable ASCII is handed to the parser, which reports it in context.
    if (cp >= 0x20 && cp < 0x7f) return this.emitItem("char");
    return this.fail(`unrecognized character in action: ${describeRune(cp)}`);
  }

  private emitItem(type: ItemType): true {
    this.emit(type);
    return true;
  }

  private lexSpace(): boolean {
    let count = 0;
    while (isSpace(this.input[this.pos])) {
      this.pos++;
      count++;
    }
    // The space of a trim-marked " -}}" belongs to the delimiter.
    if (hasRightTrimMarker(this.input, this.pos - 1) && this.input.startsWith(RIGHT_DELIM, this.pos - 1 + TRIM_MARKER_LEN)) {
      this.pos--;
      if (count === 1) return true;
    }
    return this.emitItem("space");
  }

  private atTerminator(): boolean {
    const ch = this.input[this.pos];
    if (ch === undefined || isSpace(ch) || ".,|:()".includes(ch)) return true;
    return this.input.startsWith(RIGHT_DELIM, this.pos);
  }

  private scanAlphaNumeric(): string {
    for (;;) {
      const ch = this.peekChar();
      if (!isAlphaNumeric(ch)) return ch;
      this.pos += ch.length;
    }
  }

  private lexFieldOrVariable(type: "field" | "variable"): boolean {
    if (this.atTerminator()) return this.emitItem(type === "variable" ? "variable" : "dot");
    const stop = this.scanAlphaNumeric();
    if (!this.atTerminator()) return this.fail(`bad character ${describeRune(stop.codePointAt(0) ?? 0)}`);
    return this.emitItem(type);
  }

  private lexIdentifier(): boolean {
    const stop = this.scanAlphaNumeric();
    if (!this.atTerminator()) return this.fail(`bad character ${describeRune(stop.codePointAt(0) ?? 0)}`);
    const word = this.input.slice(this.start, this.pos);
    if (KEYWORDS.has(word)) return this.emitItem("keyword");
    if (word === "nil") return this.emitItem("nil");
    return this.emitItem(word === "true" || word === "false" ? "bool" : "identifier");
  }

  private lexNumber(): boolean {
    const bad = (): false => this.fail(`bad number syntax: ${goQuote(this.input.slice(this.start, this.pos))}`);
    if (!this.scanNumber()) return bad();
    const sign = this.input[this.pos];
    // Go lexes a complex constant such as 1+2i as one token; the parser then rejects it.
    if ((sign === "+" || sign === "-") && (!this.scanNumber() || this.input[this.pos - 1] !== "i")) return bad();
    return this.emitItem("number");
  }

  /** Accepts what Go's lexer accepts as a number; conversion and its errors come later. */
  private scanNumber(): boolean {
    this.accept("+-");
    let digits = "0123456789_";
    if (this.accept("0")) {
      if (this.accept("xX")) digits = "0123456789abcdefABCDEF_";
      else if (this.accept("oO")) digits = "01234567_";
      else if (this.accept("bB")) digits = "01_";
    }
    this.acceptRun(digits);
    if (this.accept(".")) this.acceptRun(digits);
    if (digits.length === 11 && this.accept("eE")) {
      this.accept("+-");
      this.acceptRun("0123456789_");
    }
    if (digits.length === 23 && this.accept("pP")) {
      this.accept("+-");
      this.acceptRun("0123456789_");
    }
    this.accept("i");
    if (isAlphaNumeric(this.peekChar())) {
      this.nextChar();
      return false;
    }
    return true;
  }

  private accept(valid: string): boolean {
    const ch = this.input[this.pos];
    if (ch === undefined || !valid.includes(ch)) return false;
    this.pos++;
    return true;
  }

  private acceptRun(valid: string): void {
    while (this.accept(valid)) {
      // consume
    }
  }

  private lexQuote(quote: string, type: ItemType, unterminated: string): boolean {
    for (;;) {
      const ch = this.input[this.pos++];
      if (ch === "\\") {
        const escaped = this.input[this.pos++];
        if (escaped !== undefined && escaped !== "\n") continue;
      }
      if (ch === undefined || ch === "\n" || ch === "\\") return this.fail(unterminated);
      if (ch === quote) return this.emitItem(type);
    }
  }

  private lexRawQuote(): boolean {
    const end = this.input.indexOf("`", this.pos);
    if (end < 0) return this.fail("unterminated raw quoted string");
    this.pos = end + 1;
    return this.emitItem("rawString");
  }
}

// =================================================================================================
// Parse tree (text/template/parse/node.go)
// =================================================================================================

interface FieldNode { readonly kind: "field"; readonly pos: number; readonly idents: readonly string[] }
interface VariableNode { readonly kind: "variable"; readonly pos: number; readonly name: string; readonly idents: readonly string[] }
interface ChainNode { readonly kind: "chain"; readonly pos: number; readonly node: Operand; readonly idents: readonly string[] }
interface IdentifierNode { readonly kind: "identifier"; readonly pos: number; readonly name: string }
interface DotNode { readonly kind: "dot"; readonly pos: number }
interface NilNode { readonly kind: "nil"; readonly pos: number }
interface BoolNode { readonly kind: "bool"; readonly pos: number; readonly value: boolean }
interface NumberNode { readonly kind: "number"; readonly pos: number; readonly value: number; readonly text: string }
interface StringNode { readonly kind: "string"; readonly pos: number; readonly value: string; readonly text: string }
interface PipeNode {
  readonly kind: "pipe";
  readonly pos: number;
  readonly decl: string[];
  isAssign: boolean;
  readonly cmds: CommandNode[];
}
interface CommandNode { readonly kind: "command"; readonly pos: number; readonly args: Operand[] }
type Operand = FieldNode | VariableNode | ChainNode | IdentifierNode | DotNode | NilNode | BoolNode | NumberNode | StringNode | PipeNode;

interface TextNode { readonly kind: "text"; readonly pos: number; readonly text: string }
interface ActionNode { readonly kind: "action"; readonly pos: number; readonly pipe: PipeNode }
interface BranchNode {
  readonly kind: "if" | "with" | "range";
  readonly pos: number;
  readonly pipe: PipeNode;
  readonly list: readonly Node[];
  readonly elseList: readonly Node[] | undefined;
}
interface LoopControlNode { readonly kind: "break" | "continue"; readonly pos: number }
interface TemplateCallNode { readonly kind: "template"; readonly pos: number; readonly name: string; readonly pipe: PipeNode | undefined }
type Node = TextNode | ActionNode | BranchNode | LoopControlNode | TemplateCallNode;
type AnyNode = Node | Operand | CommandNode;

/** {{end}} and {{else}} close the list being parsed; they never reach the tree. */
interface Marker { readonly kind: "end" | "else"; readonly pos: number }

interface ParsedTemplate {
  readonly text: string;
  readonly root: readonly Node[];
  readonly defs: ReadonlyMap<string, readonly Node[]>;
  readonly missingKey: "default" | "error";
}

function fieldsString(idents: readonly string[]): string {
  return idents.map((ident) => `.${ident}`).join("");
}

function operandString(node: Operand): string {
  return node.kind === "pipe" ? `(${nodeString(node)})` : nodeString(node);
}

/** Go's Node.String(): the node re-serialized, used as the `at <…>` context of execution errors. */
function nodeString(node: AnyNode): string {
  switch (node.kind) {
    case "field": return fieldsString(node.idents);
    case "variable": return node.name + fieldsString(node.idents);
    case "chain": return operandString(node.node) + fieldsString(node.idents);
    case "identifier": return node.name;
    case "dot": return ".";
    case "nil": return "nil";
    case "bool": return String(node.value);
    case "number": case "string": return node.text;
    case "pipe": return pipeString(node);
    case "command": return node.args.map(operandString).join(" ");
    case "text": return node.text;
    case "action": return `{{${pipeString(node.pipe)}}}`;
    case "if": case "with": case "range": return branchString(node);
    case "break": case "continue": return `{{${node.kind}}}`;
    case "template": return `{{template ${goQuote(node.name)}${node.pipe ? ` ${pipeString(node.pipe)}` : ""}}}`;
  }
}

function pipeString(pipe: PipeNode): string {
  const decl = pipe.decl.length > 0 ? `${pipe.decl.join(", ")} ${pipe.isAssign ? "=" : ":="} ` : "";
  return decl + pipe.cmds.map(nodeString).join(" | ");
}

function branchString(node: BranchNode): string {
  const list = (nodes: readonly Node[]): string => nodes.map(nodeString).join("");
  const elsePart = node.elseList ? `{{else}}${list(node.elseList)}` : "";
  return `{{${node.kind} ${pipeString(node.pipe)}}}${list(node.list)}${elsePart}{{end}}`;
}

// =================================================================================================
// Parser (text/template/parse/parse.go)
// =================================================================================================

const OPERAND_START = new Set<ItemType>(["bool", "charConstant", "dot", "field", "identifier", "number", "nil", "rawString", "string", "variable", "leftParen"]);
const NON_EXECUTABLE = new Set<Operand["kind"]>(["bool", "dot", "nil", "number", "string"]);

function isKeyword(item: Item, word: string): boolean {
  return item.type === "keyword" && item.val === word;
}

/** Go's item.String(), used in "unexpected … in …" messages. */
function itemString(item: Item): string {
  if (item.type === "eof") return "EOF";
  if (item.type === "keyword" || item.type === "dot" || item.type === "nil") return `<${item.val}>`;
  const runes = [...item.val];
  return runes.length > 10 ? `${goQuote(runes.slice(0, 10).join(""))}...` : goQuote(item.val);
}

class Parser {
  private index = 0;
  private current: Item;
  private vars = ["$"];
  private rangeDepth = 0;
  private readonly defs = new Map<string, readonly Node[]>();

  constructor(
    private readonly text: string,
    private readonly items: readonly Item[],
    private readonly isFunction: (name: string) => boolean,
  ) {
    this.current = { type: "eof", val: "", pos: 0 };
  }

  parse(): { root: Node[]; defs: Map<string, readonly Node[]> } {
    const root: Node[] = [];
    while (this.peek().type !== "eof") {
      if (this.atDefine()) {
        this.parseDefinition();
        continue;
      }
      const node = this.textOrAction();
      if (node === undefined) continue;
      if (isMarker(node)) throw this.error(`unexpected ${markerString(node)}`);
      root.push(node);
    }
    return { root, defs: this.defs };
  }

  // ---- token access ------------------------------------------------------------------------------

  private next(): Item {
    const item = this.items[this.index] ?? { type: "eof", val: "", pos: this.text.length };
    this.index++;
    this.current = item;
    if (item.type === "error") throw this.error(item.val);
    return item;
  }

  private backup(): void {
    this.index--;
  }

  private peek(): Item {
    const item = this.next();
    this.backup();
    return item;
  }

  private nextNonSpace(): Item {
    let item = this.next();
    while (item.type === "space") item = this.next();
    return item;
  }

  private peekNonSpace(): Item {
    const item = this.nextNonSpace();
    this.backup();
    return item;
  }

  private expect(type: ItemType, context: string): Item {
    const item = this.nextNonSpace();
    if (item.type !== type) throw this.unexpected(item, context);
    return item;
  }

  private error(message: string): InvalidArgumentError {
    return new InvalidArgumentError(`template parsing error: template: :${lineCol(this.text, this.current.pos).line}: ${message}`);
  }

  private unexpected(item: Item, context: string): InvalidArgumentError {
    return this.error(`unexpected ${itemString(item)} in ${context}`);
  }

  /** Named templates get their own variable scope, as a separate Go parse.Tree would. */
  private isolated<T>(parse: () => T): T {
    const saved = { vars: this.vars, rangeDepth: this.rangeDepth };
    this.vars = ["$"];
    this.rangeDepth = 0;
    try {
      return parse();
    } finally {
      this.vars = saved.vars;
      this.rangeDepth = saved.rangeDepth;
    }
  }

  // ---- lists and actions -------------------------------------------------------------------------

  private atDefine(): boolean {
    if (this.peek().type !== "leftDelim") return false;
    const save = this.index;
    this.next();
    if (isKeyword(this.nextNonSpace(), "define")) return true;
    this.index = save;
    return false;
  }

  private parseDefinition(): void {
    const token = this.nextNonSpace();
    if (token.type !== "string" && token.type !== "rawString") throw this.unexpected(token, "define clause");
    const name = this.unquote(token);
    this.expect("rightDelim", "define clause");
    const body = this.isolated(() => this.itemList());
    if (body.next.kind !== "end") throw this.error(`unexpected ${markerString(body.next)} in define clause`);
    this.defs.set(name, body.list);
  }

  private itemList(): { list: Node[]; next: Marker } {
    const list: Node[] = [];
    while (this.peekNonSpace().type !== "eof") {
      const node = this.textOrAction();
      if (node === undefined) continue;
      if (isMarker(node)) return { list, next: node };
      list.push(node);
    }
    throw this.error("unexpected EOF");
  }

  /** A node, a closing marker, or undefined for a comment. */
  private textOrAction(): Node | Marker | undefined {
    const token = this.nextNonSpace();
    switch (token.type) {
      case "text": return { kind: "text", pos: token.pos, text: token.val };
      case "leftDelim": return this.action();
      case "comment": return undefined;
      default: throw this.unexpected(token, "input");
    }
  }

  private action(): Node | Marker {
    const token = this.nextNonSpace();
    if (token.type === "keyword") {
      switch (token.val) {
        case "block": return this.blockControl();
        case "break": case "continue": return this.loopControl(token);
        case "else": return this.elseControl();
        case "end": return { kind: "end", pos: this.expect("rightDelim", "end").pos };
        case "if": return this.branch("if");
        case "range": return this.branch("range");
        case "with": return this.branch("with");
        case "template": return this.templateControl();
      }
    }
    this.backup();
    const pos = this.peek().pos;
    return { kind: "action", pos, pipe: this.pipeline("command", "rightDelim") };
  }

  private branch(kind: "if" | "range" | "with"): BranchNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(kind, "rightDelim");
      if (kind === "range") this.rangeDepth++;
      const { list, next } = this.itemList();
      if (kind === "range") this.rangeDepth--;
      const elseList = next.kind === "else" ? this.elseBranch(kind) : undefined;
      return { kind, pos: pipe.pos, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  /** {{else if …}} and {{else with …}} nest a branch that shares the outer {{end}}. */
  private elseBranch(kind: "if" | "range" | "with"): Node[] {
    const peek = this.peek();
    if ((kind === "if" || kind === "with") && isKeyword(peek, kind)) {
      this.next();
      return [this.branch(kind)];
    }
    const { list, next } = this.itemList();
    if (next.kind !== "end") throw this.error(`expected end; found ${markerString(next)}`);
    return list;
  }

  private elseControl(): Marker {
    const peek = this.peekNonSpace();
    if (isKeyword(peek, "if") || isKeyword(peek, "with")) return { kind: "else", pos: peek.pos };
    return { kind: "else", pos: this.expect("rightDelim", "else").pos };
  }

  private loopControl(token: Item): LoopControlNode {
    const kind = token.val === "break" ? "break" : "continue";
    const next = this.nextNonSpace();
    if (next.type !== "rightDelim") throw this.unexpected(next, `{{${kind}}}`);
    if (this.rangeDepth === 0) throw this.error(`{{${kind}}} outside {{range}}`);
    return { kind, pos: token.pos };
  }

  private templateName(token: Item, context: string): string {
    if (token.type !== "string" && token.type !== "rawString") throw this.unexpected(token, context);
    return this.unquote(token);
  }

  private templateControl(): TemplateCallNode {
    const token = this.nextNonSpace();
    const name = this.templateName(token, "template clause");
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().type !== "rightDelim") {
      this.backup();
      pipe = this.pipeline("template clause", "rightDelim");
    }
    return { kind: "template", pos: token.pos, name, pipe };
  }

  private blockControl(): TemplateCallNode {
    const token = this.nextNonSpace();
    const name = this.templateName(token, "block clause");
    const pipe = this.pipeline("block clause", "rightDelim");
    const body = this.isolated(() => this.itemList());
    if (body.next.kind !== "end") throw this.error(`unexpected ${markerString(body.next)} in block clause`);
    this.defs.set(name, body.list);
    return { kind: "template", pos: token.pos, name, pipe };
  }

  // ---- pipelines ---------------------------------------------------------------------------------

  private pipeline(context: string, end: "rightDelim" | "rightParen"): PipeNode {
    const pipe: PipeNode = { kind: "pipe", pos: this.peekNonSpace().pos, decl: [], isAssign: false, cmds: [] };
    this.declarations(pipe, context);
    for (;;) {
      const token = this.nextNonSpace();
      if (token.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      if (!OPERAND_START.has(token.type)) throw this.unexpected(token, context);
      this.backup();
      pipe.cmds.push(this.command());
    }
  }

  /** `$x :=`, `$x =`, and in range `$i, $v :=`; anything else is left for the commands. */
  private declarations(pipe: PipeNode, context: string): void {
    for (;;) {
      const save = this.index;
      const variable = this.nextNonSpace();
      if (variable.type !== "variable") {
        this.index = save;
        return;
      }
      const next = this.nextNonSpace();
      if (next.type === "declare" || next.type === "assign") {
        pipe.isAssign = next.type === "assign";
        this.declare(pipe, variable.val);
        return;
      }
      if (next.type !== "char" || next.val !== ",") {
        this.index = save;
        return;
      }
      this.declare(pipe, variable.val);
      if (context !== "range" || pipe.decl.length >= 2) throw this.error(`too many declarations in ${context}`);
      const peek = this.peekNonSpace();
      if (peek.type !== "variable" && peek.type !== "rightDelim" && peek.type !== "rightParen") {
        throw this.error("range can only initialize variables");
      }
    }
  }

  private declare(pipe: PipeNode, name: string): void {
    pipe.decl.push(name);
    this.vars.push(name);
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) throw this.error(`missing value for ${context}`);
    pipe.cmds.forEach((cmd, i) => {
      const first = cmd.args[0];
      if (i > 0 && first && NON_EXECUTABLE.has(first.kind)) throw this.error(`non executable command in pipeline stage ${i + 1}`);
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { kind: "command", pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const token = this.next();
      if (token.type === "space") continue;
      if (token.type === "rightDelim" || token.type === "rightParen") this.backup();
      else if (token.type !== "pipe") throw this.unexpected(token, "operand");
      break;
    }
    if (cmd.args.length === 0) throw this.error("empty command");
    return cmd;
  }

  /** A term followed by any `.Field` chain. */
  private operand(): Operand | undefined {
    const node = this.term();
    if (!node || this.peek().type !== "field") return node;
    const pos = this.peek().pos;
    const idents: string[] = [];
    while (this.peek().type === "field") idents.push(this.next().val.slice(1));
    switch (node.kind) {
      case "field": return { kind: "field", pos, idents: [...node.idents, ...idents] };
      case "variable": return { kind: "variable", pos, name: node.name, idents: [...node.idents, ...idents] };
      case "bool": case "string": case "number": case "nil": case "dot":
        throw this.error(`unexpected . after term ${goQuote(nodeString(node))}`);
      default: return { kind: "chain", pos, node, idents };
    }
  }

  private term(): Operand | undefined {
    const token = this.nextNonSpace();
    const pos = token.pos;
    switch (token.type) {
      case "identifier":
        if (!this.isFunction(token.val)) throw this.error(`function ${goQuote(token.val)} not defined`);
        return { kind: "identifier", pos, name: token.val };
      case "dot": return { kind: "dot", pos };
      case "nil": return { kind: "nil", pos };
      case "variable": return this.useVariable(token);
      case "field": return { kind: "field", pos, idents: [token.val.slice(1)] };
      case "bool": return { kind: "bool", pos, value: token.val === "true" };
      case "number": case "charConstant": return this.number(token);
      case "leftParen": return this.pipeline("parenthesized pipeline", "rightParen");
      case "string": case "rawString": return { kind: "string", pos, text: token.val, value: this.unquote(token) };
    }
    this.backup();
    return undefined;
  }

  private useVariable(token: Item): VariableNode {
    if (!this.vars.includes(token.val)) throw this.error(`undefined variable ${goQuote(token.val)}`);
    return { kind: "variable", pos: token.pos, name: token.val, idents: [] };
  }

  private number(token: Item): NumberNode {
    try {
      const value = token.type === "charConstant" ? charConstantValue(token.val) : numberValue(token.val);
      return { kind: "number", pos: token.pos, value, text: token.val };
    } catch (err) {
      throw this.error(errorMessage(err));
    }
  }

  private unquote(token: Item): string {
    try {
      return unquoteGo(token.val);
    } catch (err) {
      throw this.error(errorMessage(err));
    }
  }
}

function isMarker(node: Node | Marker): node is Marker {
  return node.kind === "end" || node.kind === "else";
}

function markerString(marker: Marker): string {
  return `{{${marker.kind}}}`;
}

// ---- literals (strconv.Unquote, strconv.ParseInt/ParseFloat with base 0) ------------------------

const GO_INT = /^[+-]?(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|0(?:_?[0-7])*|[1-9](?:_?[0-9])*)$/;
const GO_FLOAT = /^[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?$/;
const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 0x5c };

function numberValue(text: string): number {
  if (text.endsWith("i")) throw new Error(`complex constant ${text} is not supported`);
  if (GO_INT.test(text)) {
    const negative = text.startsWith("-");
    let digits = text.replace(/^[+-]/, "").replaceAll("_", "");
    if (/^0[0-7]+$/.test(digits)) digits = `0o${digits.slice(1)}`; // a leading 0 means octal
    const value = Number(BigInt(digits));
    return negative ? -value : value;
  }
  if (GO_FLOAT.test(text)) return Number(text.replaceAll("_", ""));
  throw new Error(`illegal number syntax: ${goQuote(text)}`);
}

function charConstantValue(text: string): number {
  const { value, next } = readQuotedRune(text, 1, "'");
  if (text.slice(next) !== "'") throw new Error(`malformed character constant: ${text}`);
  return value;
}

/** strconv.Unquote for "…" and `…`; \x and octal escapes are bytes, so they are decoded as UTF-8. */
function unquoteGo(text: string): string {
  if (text.startsWith("`")) return text.slice(1, -1).replaceAll("\r", "");
  const bytes: number[] = [];
  let at = 1;
  while (at < text.length - 1) {
    const rune = readQuotedRune(text, at, '"');
    if (rune.isByte) bytes.push(rune.value);
    else bytes.push(...Buffer.from(String.fromCodePoint(rune.value)));
    at = rune.next;
  }
  return Buffer.from(bytes).toString("utf8");
}

/** strconv.UnquoteChar: one character or escape at `at`; throws "invalid syntax" like Go. */
function readQuotedRune(text: string, at: number, quote: string): { value: number; isByte: boolean; next: number } {
  const cp = text.codePointAt(at);
  if (cp === undefined || String.fromCodePoint(cp) === quote) throw new Error("invalid syntax");
  if (cp !== 0x5c) return { value: cp, isByte: false, next: at + (cp > 0xffff ? 2 : 1) };
  const kind = text[at + 1] ?? "";
  const simple = SIMPLE_ESCAPES[kind];
  if (simple !== undefined) return { value: simple, isByte: false, next: at + 2 };
  if (kind === "'" || kind === '"') {
    if (kind !== quote) throw new Error("invalid syntax");
    return { value: kind.charCodeAt(0), isByte: false, next: at + 2 };
  }
  const hex = (len: number): number => {
    const digits = text.slice(at + 2, at + 2 + len);
    if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(digits)) throw new Error("invalid syntax");
    return parseInt(digits, 16);
  };
  switch (kind) {
    case "x": return { value: hex(2), isByte: true, next: at + 4 };
    case "u": return { value: validRune(hex(4)), isByte: false, next: at + 6 };
    case "U": return { value: validRune(hex(8)), isByte: false, next: at + 10 };
  }
  const octal = text.slice(at + 1, at + 4);
  if (/^[0-7]{3}$/.test(octal) && parseInt(octal, 8) <= 255) return { value: parseInt(octal, 8), isByte: true, next: at + 4 };
  throw new Error("invalid syntax");
}

function validRune(cp: number): number {
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new Error("invalid syntax");
  return cp;
}

// =================================================================================================
// Execution (text/template/exec.go)
// =================================================================================================

/** Marks "no value piped in", which differs from piping in undefined. */
const MISSING = Symbol("missing");
const MAX_TEMPLATE_DEPTH = 1000;

class LoopSignal {
  constructor(readonly kind: "break" | "continue") {}
}

/** A Go argument type mismatch: reported as is, where other function failures read "error calling f: …". */
class ArgTypeError extends Error {}

interface FuncDef {
  readonly call: (args: unknown[]) => unknown;
  /** Fixed parameter count; with `variadic`, the minimum. */
  readonly fixed: number;
  readonly variadic: boolean;
  /** and/or evaluate their arguments lazily. */
  readonly lazy?: "and" | "or";
}

type FuncTable = ReadonlyMap<string, FuncDef>;

interface Variable {
  readonly name: string;
  value: unknown;
}

type FieldLookup = { kind: "method"; fn: Function } | { kind: "value"; value: unknown } | { kind: "missing" };

/** Rows handed out by renderList: docker formats them as structs whose JSON is its MarshalJSON map. */
const ROW_CONTEXTS = new WeakMap<object, { structType: string | undefined }>();

class Execution {
  private readonly vars: Variable[];
  private node: AnyNode | undefined;

  constructor(
    private readonly tmpl: ParsedTemplate,
    private readonly funcs: FuncTable,
    private readonly out: string[],
    private readonly name: string,
    private readonly depth: number,
    root: unknown,
  ) {
    this.vars = [{ name: "$", value: root }];
  }

  walk(dot: unknown, list: readonly Node[]): void {
    for (const node of list) this.walkNode(dot, node);
  }

  private walkNode(dot: unknown, node: Node): void {
    this.at(node);
    switch (node.kind) {
      case "text":
        this.out.push(node.text);
        return;
      case "action": {
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, value);
        return;
      }
      case "if": case "with": return this.walkIfOrWith(dot, node);
      case "range": return this.walkRange(dot, node);
      case "break": case "continue": throw new LoopSignal(node.kind);
      case "template": return this.walkTemplate(dot, node);
    }
  }

  private walkIfOrWith(dot: unknown, node: BranchNode): void {
    const mark = this.vars.length;
    try {
      const value = this.evalPipeline(dot, node.pipe);
      if (isTrue(value)) this.walk(node.kind === "with" ? value : dot, node.list);
      else if (node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.vars.length = mark;
    }
  }

  private walkRange(dot: unknown, node: BranchNode): void {
    const mark = this.vars.length;
    try {
      const value = this.evalPipeline(dot, node.pipe);
      // Like Go, a failure to iterate is reported at the last node the pipeline evaluated.
      const entries = this.rangeEntries(node, value);
      const bodyMark = this.vars.length;
      for (const [key, elem] of entries) {
        this.setRangeVariables(node.pipe, key, elem);
        if (this.walkIteration(elem, node.list, bodyMark) === "break") break;
      }
      if (entries.length === 0 && node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.vars.length = mark;
    }
  }

  private walkIteration(elem: unknown, list: readonly Node[], mark: number): "break" | undefined {
    try {
      this.walk(elem, list);
      return undefined;
    } catch (err) {
      if (!(err instanceof LoopSignal)) throw err;
      return err.kind === "break" ? "break" : undefined;
    } finally {
      this.vars.length = mark;
    }
  }

  /** Key/element pairs; maps (objects) iterate in sorted key order like Go's. */
  private rangeEntries(node: BranchNode, value: unknown): [unknown, unknown][] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value.map((elem, i) => [i, elem]);
    if (typeof value === "number" && Number.isInteger(value)) {
      if (node.pipe.decl.length > 1) return this.fail(`can't use ${formatValue(value)} to iterate over more than one variable`);
      return Array.from({ length: Math.max(0, value) }, (_, i) => [i, i]);
    }
    if (value instanceof Map) return sortEntries([...value.entries()]);
    if (typeof value === "object") return sortEntries(Object.entries(value));
    return this.fail(`range can't iterate over ${formatValue(value)}`);
  }

  /** Go sets the pushed declarations per iteration: one variable gets the element, two get key and element. */
  private setRangeVariables(pipe: PipeNode, key: unknown, elem: unknown): void {
    const [first, second] = pipe.decl;
    if (first === undefined) return;
    if (pipe.isAssign) {
      this.setVariable(first, second === undefined ? elem : key);
      if (second !== undefined) this.setVariable(second, elem);
      return;
    }
    this.setTopVariable(1, elem);
    if (second !== undefined) this.setTopVariable(2, key);
  }

  private walkTemplate(dot: unknown, node: TemplateCallNode): void {
    const body = this.tmpl.defs.get(node.name);
    if (!body) return this.fail(`template ${goQuote(node.name)} not defined`);
    if (this.depth >= MAX_TEMPLATE_DEPTH) return this.fail(`exceeded maximum template depth (${MAX_TEMPLATE_DEPTH})`);
    const newDot = node.pipe ? this.evalPipeline(dot, node.pipe) : undefined;
    // No dynamic scoping: the called template sees only $ = its dot.
    new Execution(this.tmpl, this.funcs, this.out, node.name, this.depth + 1, newDot).walk(newDot, body);
  }

  private printValue(node: ActionNode, value: unknown): void {
    this.at(node);
    if (value === undefined) {
      this.out.push("<no value>");
      return;
    }
    if (typeof value === "function") return this.fail(`can't print ${nodeString(node)} of type func()`);
    this.out.push(formatValue(value));
  }

  // ---- evaluation --------------------------------------------------------------------------------

  private evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.at(pipe);
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVariable(name, value);
      else this.vars.push({ name, value });
    }
    return value;
  }

  /** `final` is the previous pipeline stage's value (MISSING for the first), passed as the last argument. */
  private evalCommand(dot: unknown, cmd: CommandNode, final: unknown): unknown {
    const [first] = cmd.args;
    if (!first) return this.fail("empty command");
    switch (first.kind) {
      case "field": return this.evalFieldNode(dot, first, cmd.args, final);
      case "chain": return this.evalChainNode(dot, first, cmd.args, final);
      case "identifier": return this.evalFunction(dot, first, cmd, cmd.args, final);
      case "variable": return this.evalVariableNode(dot, first, cmd.args, final);
      case "pipe":
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case "bool": case "number": case "string": return first.value;
      case "dot": return dot;
      case "nil": return this.fail("nil is not a command");
    }
  }

  private notAFunction(args: readonly Operand[], final: unknown): void {
    const [first] = args;
    if (first && (args.length > 1 || final !== MISSING)) this.fail(`can't give argument to non-function ${nodeString(first)}`);
  }

  private evalArg(dot: unknown, node: Operand): unknown {
    this.at(node);
    switch (node.kind) {
      case "dot": return dot;
      case "nil": return null;
      case "field": return this.evalFieldNode(dot, node, [node], MISSING);
      case "variable": return this.evalVariableNode(dot, node, [node], MISSING);
      case "chain": return this.evalChainNode(dot, node, [node], MISSING);
      case "identifier": return this.evalFunction(dot, node, node, [node], MISSING);
      case "pipe": return this.evalPipeline(dot, node);
      case "bool": case "number": case "string": return node.value;
    }
  }

  /** Arguments as a function receives them: a missing value arrives as nil, as Go's zero interface. */
  private evalArgs(dot: unknown, nodes: readonly Operand[], final: unknown): unknown[] {
    const values = nodes.map((node) => this.evalArg(dot, node));
    if (final !== MISSING) values.push(final);
    return values.map((value) => (value === undefined ? null : value));
  }

  private evalFieldNode(dot: unknown, field: FieldNode, args: readonly Operand[], final: unknown): unknown {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.idents, args, final);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: readonly Operand[], final: unknown): unknown {
    if (chain.node.kind === "nil") return this.fail(`indirection through explicit nil in ${nodeString(chain)}`);
    const receiver = this.evalArg(dot, chain.node);
    return this.evalFieldChain(dot, receiver, chain, chain.idents, args, final);
  }

  private evalVariableNode(dot: unknown, variable: VariableNode, args: readonly Operand[], final: unknown): unknown {
    this.at(variable);
    const value = this.variableValue(variable.name);
    if (variable.idents.length === 0) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, variable, variable.idents, args, final);
  }

  /** Only the last field of a chain receives the command's arguments. */
  private evalFieldChain(dot: unknown, receiver: unknown, node: AnyNode, idents: readonly string[], args: readonly Operand[], final: unknown): unknown {
    let value = receiver;
    idents.forEach((name, i) => {
      const last = i === idents.length - 1;
      value = this.evalField(dot, name, node, last ? args : [], last ? final : MISSING, value);
    });
    return value;
  }

  private evalField(dot: unknown, name: string, node: AnyNode, args: readonly Operand[], final: unknown, receiver: unknown): unknown {
    if (receiver === undefined) {
      return this.tmpl.missingKey === "error" ? this.fail(`nil data; no entry for key ${goQuote(name)}`) : undefined;
    }
    if (receiver === null) return this.fail(`nil pointer evaluating interface {}.${name}`);
    if (typeof receiver !== "object" || Array.isArray(receiver)) {
      return this.fail(`can't evaluate field ${name} in type ${goTypeName(receiver)}`);
    }
    const found = lookupField(receiver, name);
    if (found.kind === "method") return this.callMethod(dot, found.fn, receiver, name, node, args, final);
    const structType = ROW_CONTEXTS.get(receiver)?.structType;
    if (structType !== undefined && found.kind === "missing") return this.fail(`can't evaluate field ${name} in type ${structType}`);
    if (args.length > 1 || final !== MISSING) {
      return this.fail(structType !== undefined ? `${name} has arguments but cannot be invoked as function` : `${name} is not a method but has arguments`);
    }
    const fieldType = memberType(GO_TYPES.get(receiver), name);
    if (found.kind === "value") return fieldType ? typedValue(found.value, fieldType.type) : found.value;
    // A Go struct has every field it declares: what the JSON left out is the field's zero value.
    if (fieldType?.ofStruct) return typedValue(zeroValue(fieldType.type), fieldType.type);
    return this.tmpl.missingKey === "error" ? this.fail(`map has no entry for key ${goQuote(name)}`) : undefined;
  }

  private callMethod(dot: unknown, fn: Function, receiver: object, name: string, node: AnyNode, args: readonly Operand[], final: unknown): unknown {
    const argv = this.evalArgs(dot, args.slice(1), final);
    // A JS function's declared parameters stand in for the Go method signature.
    if (argv.length < fn.length) return this.fail(`wrong number of args for ${name}: want ${fn.length} got ${argv.length}`);
    try {
      return Reflect.apply(fn, receiver, argv) as unknown;
    } catch (err) {
      this.at(node);
      return this.fail(`error calling ${name}: ${errorMessage(err)}`);
    }
  }

  private evalFunction(dot: unknown, ident: IdentifierNode, node: AnyNode, args: readonly Operand[], final: unknown): unknown {
    this.at(ident);
    const fn = this.funcs.get(ident.name);
    if (!fn) return this.fail(`${goQuote(ident.name)} is not a defined function`);
    const argNodes = args.slice(1);
    this.checkArity(fn, ident.name, argNodes.length, final);
    if (fn.lazy) return this.evalAndOr(dot, fn.lazy, argNodes, final);
    const argv = this.evalArgs(dot, argNodes, final);
    try {
      return fn.call(argv);
    } catch (err) {
      this.at(node);
      if (err instanceof ArgTypeError) return this.fail(err.message);
      return this.fail(`error calling ${ident.name}: ${errorMessage(err)}`);
    }
  }

  private checkArity(fn: FuncDef, name: string, argCount: number, final: unknown): void {
    const numIn = argCount + (final === MISSING ? 0 : 1);
    if (fn.variadic && numIn < fn.fixed) this.fail(`wrong number of args for ${name}: want at least ${fn.fixed} got ${argCount}`);
    if (!fn.variadic && numIn !== fn.fixed) this.fail(`wrong number of args for ${name}: want ${fn.fixed} got ${numIn}`);
  }

  /** Go 1.18+: and/or stop at the first argument that decides the result and return it. */
  private evalAndOr(dot: unknown, kind: "and" | "or", argNodes: readonly Operand[], final: unknown): unknown {
    let value: unknown;
    for (const node of argNodes) {
      value = this.evalArg(dot, node);
      if (isTrue(value) === (kind === "or")) return value;
    }
    return final === MISSING ? value : final;
  }

  // ---- variables and errors ----------------------------------------------------------------------

  private findVariable(name: string): Variable {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const variable = this.vars[i];
      if (variable?.name === name) return variable;
    }
    return this.fail(`undefined variable: ${name}`);
  }

  private variableValue(name: string): unknown {
    return this.findVariable(name).value;
  }

  private setVariable(name: string, value: unknown): void {
    this.findVariable(name).value = value;
  }

  private setTopVariable(n: number, value: unknown): void {
    const variable = this.vars[this.vars.length - n];
    if (variable) variable.value = value;
  }

  private at(node: AnyNode): void {
    this.node = node;
  }

  private fail(message: string): never {
    if (!this.node) throw new InvalidArgumentError(`template: ${this.name}: ${message}`);
    const { line, col } = lineCol(this.tmpl.text, this.node.pos);
    throw new InvalidArgumentError(`template: :${line}:${col}: executing ${goQuote(this.name)} at <${nodeString(this.node)}>: ${message}`);
  }
}

function lookupField(receiver: object, name: string): FieldLookup {
  if (receiver instanceof Map) return receiver.has(name) ? { kind: "value", value: receiver.get(name) } : { kind: "missing" };
  // Own keys and class members (getters, methods), but nothing inherited from Object itself.
  for (let o: object | null = receiver; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    if (!Object.hasOwn(o, name) || (name === "constructor" && o !== receiver)) continue;
    const value: unknown = (receiver as Record<string, unknown>)[name];
    return typeof value === "function" ? { kind: "method", fn: value } : { kind: "value", value };
  }
  return { kind: "missing" };
}

class GoTemplate implements Template {
  constructor(
    private readonly parsed: ParsedTemplate,
    private readonly funcs: FuncTable,
  ) {}

  execute(data: unknown): string {
    const out: string[] = [];
    this.render(data, out);
    return out.join("");
  }

  /** Appends to `out` as it goes, so a caller can keep what was written before a failure (docker does for headers). */
  render(data: unknown, out: string[], overrides?: FuncTable): void {
    const funcs = overrides ? new Map([...this.funcs, ...overrides]) : this.funcs;
    new Execution(this.parsed, funcs, out, "", 0, data).walk(data, this.parsed.root);
  }
}

function compile(text: string, opts: ParseOptions): GoTemplate {
  const funcs = new Map([...BUILTINS, ...DOCKER_FUNCS, ...userFuncs(opts.funcs ?? {})]);
  const { root, defs } = new Parser(text, new Lexer(text).run(), (name) => funcs.has(name)).parse();
  return new GoTemplate({ text, root, defs, missingKey: opts.missingKey ?? "default" }, funcs);
}

function userFuncs(funcs: Record<string, TemplateFunc>): [string, FuncDef][] {
  return Object.entries(funcs).map(([name, fn]) => [name, variadic(fn.length, (args) => fn(...args))]);
}

// =================================================================================================
// Values: Go semantics for JS data
// =================================================================================================

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Go's truth: false, 0, nil and empty strings, slices and maps are false; structs are true. */
function isTrue(value: unknown): boolean {
  if (value === undefined || value === null || value instanceof TypedNil) return false;
  switch (typeof value) {
    case "boolean": return value;
    case "number": return value !== 0;
    case "bigint": return value !== 0n;
    case "string": return value.length > 0;
    case "function": return true;
  }
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map || value instanceof Set) return value.size > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return true;
}

/** The Go type a value stands for, as reflect prints it in messages. */
function goTypeName(value: unknown): string {
  if (value === undefined || value === null) return "<nil>";
  switch (typeof value) {
    case "string": return "string";
    case "boolean": return "bool";
    case "number": return isGoInteger(value) ? "int" : "float64";
    case "bigint": return "int64";
    case "function": return "func()";
  }
  if (Array.isArray(value) || value instanceof Set) return "[]interface {}";
  if (value instanceof Map || isPlainObject(value)) return "map[string]interface {}";
  const constructor = (value as { constructor?: { name?: string } }).constructor;
  return `*${constructor?.name ?? "struct {}"}`;
}

/** JS has one number type; integral values below 1e21 (where JS itself stops printing digits) act as Go ints. */
function isGoInteger(value: number): boolean {
  return Number.isInteger(value) && Math.abs(value) < 1e21;
}

/** Go orders strings by UTF-8 bytes, i.e. by code point; plain `<` compares UTF-16 units, which differs past U+FFFF. */
function compareGoStrings(a: string, b: string): number {
  const len = Math.min(a.length, b.length);
  for (let i = 0; i < len; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return surrogateRank(x) - surrogateRank(y);
  }
  return a.length - b.length;
}

function surrogateRank(unit: number): number {
  return unit >= 0xd800 && unit <= 0xdfff ? unit + 0x10000 : unit;
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return compareGoStrings(String(a), String(b));
}

function sortEntries(entries: [unknown, unknown][]): [unknown, unknown][] {
  return entries.sort(([a], [b]) => compareKeys(a, b));
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// =================================================================================================
// Functions: Go's builtins (text/template/funcs.go) and docker's (docker/cli templates/templates.go)
// =================================================================================================

function fixed(count: number, call: (args: unknown[]) => unknown): FuncDef {
  return { call, fixed: count, variadic: false };
}

function variadic(count: number, call: (args: unknown[]) => unknown): FuncDef {
  return { call, fixed: count, variadic: true };
}

function wrongType(expected: string, value: unknown): ArgTypeError {
  if (value === null || value === undefined) return new ArgTypeError(`invalid value; expected ${expected}`);
  return new ArgTypeError(`wrong type for value; expected ${expected}; got ${goTypeName(value)}`);
}

function expectString(value: unknown): string {
  if (typeof value === "string") return value;
  throw wrongType("string", value);
}

function expectInt(value: unknown): number {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "bigint") return Number(value);
  throw wrongType("int", value);
}

/** Go wants []string; JS arrays of anything are accepted and printed like %v. */
function expectStrings(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((item) => (typeof item === "string" ? item : formatValue(item)));
  throw wrongType("[]string", value);
}

const BUILTINS: FuncTable = new Map<string, FuncDef>([
  ["and", { ...variadic(1, () => undefined), lazy: "and" }],
  ["or", { ...variadic(1, () => undefined), lazy: "or" }],
  ["not", fixed(1, ([value]) => !isTrue(value))],
  ["len", fixed(1, ([value]) => goLength(value))],
  ["index", variadic(1, ([item, ...keys]) => goIndex(item, keys))],
  ["slice", variadic(1, ([item, ...indexes]) => goSlice(item, indexes))],
  ["print", variadic(0, (args) => sprint(args))],
  ["printf", variadic(1, ([format, ...args]) => sprintf(expectString(format), args))],
  ["println", variadic(0, (args) => sprintln(args))],
  ["html", variadic(0, (args) => htmlEscape(escaperInput(args)))],
  ["js", variadic(0, (args) => jsEscape(escaperInput(args)))],
  ["urlquery", variadic(0, (args) => queryEscape(escaperInput(args)))],
  ["eq", variadic(1, ([first, ...others]) => goEq(first, others))],
  ["ne", fixed(2, ([a, b]) => !goEq(a, [b]))],
  ["lt", fixed(2, ([a, b]) => goLess(a, b))],
  ["le", fixed(2, ([a, b]) => goLess(a, b) || goEq(a, [b]))],
  ["gt", fixed(2, ([a, b]) => !(goLess(a, b) || goEq(a, [b])))],
  ["ge", fixed(2, ([a, b]) => !goLess(a, b))],
  ["call", variadic(1, ([fn, ...args]) => goCall(fn, args))],
]);

const DOCKER_FUNCS: FuncTable = new Map<string, FuncDef>([
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
const HEADER_FUNCS: FuncTable = new Map<string, FuncDef>(
  ([["json", 1], ["split", 2], ["join", 2], ["title", 1], ["lower", 1], ["upper", 1], ["truncate", 2]] as const).map(
    ([name, count]): [string, FuncDef] => [name, fixed(count, ([title]) => expectString(title))],
  ),
);

function goLength(value: unknown): number {
  if (value === null || value === undefined) throw new Error("len of nil pointer");
  if (typeof value === "string") return Buffer.byteLength(value);
  if (value instanceof TypedNil) return 0;
  if (Array.isArray(value)) return value.length;
  if (value instanceof Map || value instanceof Set) return value.size;
  if (isPlainObject(value)) return Object.keys(value).length;
  throw new Error(`len of type ${goTypeName(value)}`);
}

/** A slice/array index argument; `limit` is the largest allowed value. */
function indexArg(value: unknown, limit: number): number {
  if (value === null || value === undefined) throw new Error("cannot index slice/array with nil");
  const index = typeof value === "bigint" ? Number(value) : value;
  if (typeof index !== "number" || !Number.isInteger(index)) throw new Error(`cannot index slice/array with type ${goTypeName(value)}`);
  if (index < 0 || index > limit) throw new Error(`index out of range: ${index}`);
  return index;
}

function goIndex(item: unknown, keys: readonly unknown[]): unknown {
  if (item === null || item === undefined) throw new Error("index of untyped nil");
  let current: unknown = item;
  for (const key of keys) {
    if (current === null || current === undefined) throw new Error("index of nil pointer");
    current = indexOnce(current, key);
  }
  return current;
}

/** Strings index to bytes like Go's; a missing map key gives undefined, printed as `<no value>`. */
function indexOnce(item: unknown, key: unknown): unknown {
  if (typeof item === "string") {
    const bytes = Buffer.from(item);
    return bytes[indexArg(key, bytes.length - 1)];
  }
  if (Array.isArray(item)) return item[indexArg(key, item.length - 1)];
  if (item instanceof TypedNil) return GO_TYPES.get(item)?.kind === "slice" ? indexArg(key, -1) : undefined;
  if (item instanceof Map) return item.get(key);
  if (typeof item === "object" && item !== null) {
    if (typeof key !== "string") throw new Error(`value has type ${goTypeName(key)}; should be string`);
    return Object.hasOwn(item, key) ? (item as Record<string, unknown>)[key] : undefined;
  }
  throw new Error(`can't index item of type ${goTypeName(item)}`);
}

function goSlice(item: unknown, indexes: readonly unknown[]): unknown {
  if (item === null || item === undefined) throw new Error("slice of untyped nil");
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  if (typeof item === "string") {
    if (indexes.length === 3) throw new Error("cannot 3-index slice a string");
    const bytes = Buffer.from(item);
    const [from, to] = sliceBounds(indexes, bytes.length);
    return bytes.subarray(from, to).toString("utf8");
  }
  if (Array.isArray(item)) {
    const [from, to] = sliceBounds(indexes, item.length);
    return item.slice(from, to);
  }
  throw new Error(`can't slice item of type ${goTypeName(item)}`);
}

function sliceBounds(indexes: readonly unknown[], length: number): [number, number] {
  const bounds = [0, length, length];
  indexes.forEach((value, i) => {
    bounds[i] = indexArg(value, length);
  });
  const [from = 0, to = length, max = length] = bounds;
  if (from > to) throw new Error(`invalid slice index: ${from} > ${to}`);
  if (to > max) throw new Error(`invalid slice index: ${to} > ${max}`);
  return [from, to];
}

type BasicKind = "invalid" | "bool" | "number" | "string" | "other";

function basicKind(value: unknown): BasicKind {
  if (value === null || value === undefined) return "invalid";
  switch (typeof value) {
    case "boolean": return "bool";
    case "number": case "bigint": return "number";
    case "string": return "string";
    default: return "other";
  }
}

function goEq(first: unknown, others: readonly unknown[]): boolean {
  if (others.length === 0) throw new Error("missing argument for comparison");
  const kind = basicKind(first);
  return others.some((other) => {
    const otherKind = basicKind(other);
    if (kind !== otherKind) {
      if (kind !== "invalid" && otherKind !== "invalid") throw new Error("incompatible types for comparison");
      return false;
    }
    if (kind === "invalid") return true;
    if (kind === "number") return Number(first) === Number(other);
    if (kind !== "other") return first === other;
    if (Array.isArray(first) || isPlainObject(first) || first instanceof Map) {
      throw new Error(`non-comparable type ${formatValue(first)}: ${goTypeName(first)}`);
    }
    return first === other;
  });
}

function goLess(a: unknown, b: unknown): boolean {
  const kind = basicKind(a);
  const otherKind = basicKind(b);
  if (kind === "invalid" || kind === "other" || otherKind === "invalid" || otherKind === "other") {
    throw new Error("invalid type for comparison");
  }
  if (kind !== otherKind) throw new Error("incompatible types for comparison");
  if (kind === "bool") throw new Error("invalid type for comparison");
  if (kind === "string") return compareGoStrings(a as string, b as string) < 0;
  return Number(a) < Number(b);
}

function goCall(fn: unknown, args: unknown[]): unknown {
  if (fn === null || fn === undefined) throw new Error("call of nil");
  if (typeof fn !== "function") throw new Error(`non-function of type ${goTypeName(fn)}`);
  return Reflect.apply(fn, undefined, args) as unknown;
}

/** html/js/urlquery take one string as is, anything else as fmt.Sprint would print it. */
function escaperInput(args: readonly unknown[]): string {
  const [first] = args;
  return args.length === 1 && typeof first === "string" ? first : sprint(args);
}

function htmlEscape(s: string): string {
  const entities: Record<string, string> = { "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&#39;", '"': "&#34;", "\0": "\ufffd" };
  return s.replace(/[<>&'"\0]/g, (ch) => entities[ch] ?? ch);
}

function jsEscape(s: string): string {
  const named: Record<string, string> = { "\\": "\\\\", "'": "\\'", '"': '\\"', "<": "\\u003C", ">": "\\u003E", "&": "\\u0026", "=": "\\u003D" };
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    const escaped = named[ch];
    if (escaped !== undefined) out += escaped;
    else if (cp < 0x20) out += `\\u00${hex(cp, 2).toUpperCase()}`;
    else if (cp >= 0x80 && !isPrintRune(cp)) out += `\\u${hex(cp, 4).toUpperCase()}`;
    else out += ch;
  }
  return out;
}

/** url.QueryEscape: unreserved bytes stay, space becomes "+", the rest is %XX. */
function queryEscape(s: string): string {
  let out = "";
  for (const byte of Buffer.from(s)) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
    else if (ch === " ") out += "+";
    else out += `%${hex(byte, 2).toUpperCase()}`;
  }
  return out;
}

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
  if (count < 0) throw new Error("strings: negative Repeat count");
  return s.repeat(count);
}

function padWithSpace(s: string, left: number, right: number): string {
  return s === "" ? s : goRepeat(" ", left) + s + goRepeat(" ", right);
}

/** docker's truncate cuts bytes, like Go's s[:n]. */
function truncateBytes(s: string, length: number): string {
  const bytes = Buffer.from(s);
  if (bytes.length < length) return s;
  if (length < 0) throw new Error(`runtime error: slice bounds out of range [:${length}]`);
  return bytes.subarray(0, length).toString("utf8");
}

// =================================================================================================
// JSON (encoding/json as docker's json function uses it)
// =================================================================================================

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * docker's json: an Encoder with HTML escaping off and the newline trimmed. Objects keep their key
 * order (Go structs do); list rows are encoded as docker's MarshalJSON map instead. An unencodable
 * value prints nothing, as docker ignores the encoder's error.
 */
function goJson(value: unknown): string {
  try {
    return encodeJson(value, false, new Set());
  } catch {
    return "";
  }
}

function encodeJson(value: unknown, escapeHtml: boolean, seen: Set<object>): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "boolean": return String(value);
    case "number":
      if (!Number.isFinite(value)) throw new Error(`json: unsupported value: ${formatValue(value)}`);
      return JSON.stringify(value);
    case "bigint": return value.toString();
    case "string": return jsonString(value, escapeHtml);
    case "object": break;
    default: throw new Error(`json: unsupported type: ${goTypeName(value)}`);
  }
  if (seen.has(value)) throw new Error("json: unsupported value: encountered a cycle");
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

// =================================================================================================
// fmt: printing values the way Go's fmt does
// =================================================================================================

interface Directive {
  verb: string;
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  /** %#v and %+v: Go keeps these apart from the plain # and + flags. */
  sharpV: boolean;
  plusV: boolean;
  width: number | undefined;
  prec: number | undefined;
}

function directive(verb: string): Directive {
  return { verb, minus: false, plus: false, sharp: false, space: false, zero: false, sharpV: false, plusV: false, width: undefined, prec: undefined };
}

const PLAIN_V = directive("v");

/** fmt.Sprint of one value: what {{.}} prints. */
function formatValue(value: unknown): string {
  return formatArg(PLAIN_V, value);
}

/** fmt.Sprint: spaces go between operands when neither side is a string. */
function sprint(args: readonly unknown[]): string {
  let out = "";
  args.forEach((arg, i) => {
    if (i > 0 && typeof arg !== "string" && typeof args[i - 1] !== "string") out += " ";
    out += formatValue(arg);
  });
  return out;
}

function sprintln(args: readonly unknown[]): string {
  return `${args.map(formatValue).join(" ")}\n`;
}

function sprintf(format: string, args: readonly unknown[]): string {
  return new Printf(format, args).run();
}

/** fmt's doPrintf: flags, [n] argument indexes, * widths and precisions, and its %!verb(…) error forms. */
class Printf {
  private out = "";
  private i = 0;
  private argNum = 0;
  private reordered = false;
  private goodArgNum = true;

  constructor(
    private readonly format: string,
    private readonly args: readonly unknown[],
  ) {}

  run(): string {
    while (this.i < this.format.length) {
      const percent = this.format.indexOf("%", this.i);
      if (percent < 0) {
        this.out += this.format.slice(this.i);
        break;
      }
      this.out += this.format.slice(this.i, percent);
      this.i = percent + 1;
      if (!this.directive()) break;
    }
    if (!this.reordered && this.argNum < this.args.length) this.out += this.extraArgs();
    return this.out;
  }

  /** Handles one directive after "%"; false when the format ended inside it. */
  private directive(): boolean {
    this.goodArgNum = true;
    const d = directive("");
    this.flags(d);
    let afterIndex = this.argIndex();
    if (this.format[this.i] === "*") {
      this.i++;
      d.width = this.intArg();
      if (d.width === undefined) this.out += "%!(BADWIDTH)";
      else if (d.width < 0) Object.assign(d, { width: -d.width, minus: true, zero: false });
      afterIndex = false;
    } else {
      d.width = this.number();
      if (afterIndex && d.width !== undefined) this.goodArgNum = false;
    }
    if (this.i + 1 < this.format.length && this.format[this.i] === ".") {
      this.i++;
      if (afterIndex) this.goodArgNum = false;
      afterIndex = this.argIndex();
      if (this.format[this.i] === "*") {
        this.i++;
        d.prec = this.intArg();
        if (d.prec !== undefined && d.prec < 0) d.prec = undefined;
        if (d.prec === undefined) this.out += "%!(BADPREC)";
        afterIndex = false;
      } else {
        d.prec = this.number() ?? 0;
      }
    }
    if (!afterIndex) this.argIndex();
    const cp = this.format.codePointAt(this.i);
    if (cp === undefined) {
      this.out += "%!(NOVERB)";
      return false;
    }
    d.verb = String.fromCodePoint(cp);
    this.i += d.verb.length;
    this.out += this.verb(d);
    return true;
  }

  private flags(d: Directive): void {
    for (;;) {
      switch (this.format[this.i]) {
        case "#": d.sharp = true; break;
        case "0": d.zero = !d.minus; break;
        case "+": d.plus = true; break;
        case "-": Object.assign(d, { minus: true, zero: false }); break;
        case " ": d.space = true; break;
        default: return;
      }
      this.i++;
    }
  }

  private verb(d: Directive): string {
    if (d.verb === "%") return "%";
    if (!this.goodArgNum) return `%!${d.verb}(BADINDEX)`;
    if (this.argNum >= this.args.length) return `%!${d.verb}(MISSING)`;
    if (d.verb === "v") Object.assign(d, { sharpV: d.sharp, sharp: false, plusV: d.plus, plus: false });
    return formatArg(d, this.args[this.argNum++]);
  }

  /** An explicit "[n]" argument index; true when one was present. */
  private argIndex(): boolean {
    if (this.format[this.i] !== "[") return false;
    this.reordered = true;
    const close = this.format.indexOf("]", this.i);
    const digits = close < 0 ? "" : this.format.slice(this.i + 1, close);
    this.i = close < 0 ? this.i + 1 : close + 1;
    const index = /^\d+$/.test(digits) ? Number(digits) - 1 : -1;
    if (index >= 0 && index < this.args.length) {
      this.argNum = index;
      return true;
    }
    this.goodArgNum = false;
    return close >= 0;
  }

  private number(): number | undefined {
    const match = /^\d+/.exec(this.format.slice(this.i));
    if (!match) return undefined;
    this.i += match[0].length;
    const value = Number(match[0]);
    return value > 1e6 ? undefined : value;
  }

  private intArg(): number | undefined {
    if (this.argNum >= this.args.length) return undefined;
    const value = this.args[this.argNum++];
    return typeof value === "number" && Number.isInteger(value) && Math.abs(value) <= 1e6 ? value : undefined;
  }

  private extraArgs(): string {
    const extras = this.args.slice(this.argNum).map((arg) => (arg === null || arg === undefined ? "<nil>" : `${goTypeName(arg)}=${formatValue(arg)}`));
    return `%!(EXTRA ${extras.join(", ")})`;
  }
}

/** fmt's printArg: one operand under one directive, including padding. */
function formatArg(d: Directive, arg: unknown): string {
  if (d.verb === "T") return pad(d, goTypeName(arg));
  if (arg === null || arg === undefined) return d.verb === "v" ? pad(d, "<nil>") : badVerb(d, arg);
  switch (typeof arg) {
    case "boolean": return d.verb === "t" || d.verb === "v" ? pad(d, String(arg)) : badVerb(d, arg);
    case "number": return formatNumber(d, arg);
    case "bigint": return formatInteger(d, arg);
    case "string": return formatString(d, arg);
    case "object": return formatObject(d, arg);
    default: return d.verb === "v" ? pad(d, `<${typeof arg}>`) : badVerb(d, arg);
  }
}

function badVerb(d: Directive, arg: unknown): string {
  if (arg === null || arg === undefined) return `%!${d.verb}(<nil>)`;
  return `%!${d.verb}(${goTypeName(arg)}=${formatArg({ ...d, verb: "v" }, arg)})`;
}

/** Padding counts runes, as fmt does. */
function pad(d: Directive, s: string, fill = d.zero && !d.minus ? "0" : " "): string {
  const missing = (d.width ?? 0) - [...s].length;
  if (missing <= 0) return s;
  return d.minus ? s + " ".repeat(missing) : fill.repeat(missing) + s;
}

function formatObject(d: Directive, value: object): string {
  const goType = GO_TYPES.get(value);
  if (goType && d.verb === "v" && !d.sharpV && !d.plusV && !isPartialStruct(goType)) return formatGo(value, goType, true);
  if (value instanceof TypedNil) return d.verb === "v" ? pad(d, "<nil>") : badVerb(d, null);
  if (Array.isArray(value) || value instanceof Set) return formatList(d, [...(value as Iterable<unknown>)]);
  if (value instanceof Map) return formatMap(d, [...value.entries()]);
  const text = stringerText(value);
  if (text !== undefined && "vsqxX".includes(d.verb)) return formatString({ ...d, sharpV: false }, text);
  return formatMap(d, Object.entries(value));
}

/** The analogue of Go's Stringer/error: Errors print their message, objects with their own toString use it. */
function stringerText(value: object): string | undefined {
  if (value instanceof Error) return value.message;
  if (isPlainObject(value)) return undefined;
  const toString: unknown = (value as { toString?: unknown }).toString;
  return typeof toString === "function" && toString !== Object.prototype.toString ? String(value) : undefined;
}

/** Slices print element by element under the same directive: %v of [a b] is "[a b]", %q is `["a" "b"]`. */
function formatList(d: Directive, items: readonly unknown[]): string {
  if (d.sharpV) return `[]interface {}{${items.map((item) => formatArg(d, item)).join(", ")}}`;
  return `[${items.map((item) => formatArg(d, item)).join(" ")}]`;
}

function formatMap(d: Directive, entries: [unknown, unknown][]): string {
  const sorted = sortEntries(entries);
  if (d.sharpV) return `map[string]interface {}{${sorted.map(([k, v]) => `${formatArg(d, k)}:${formatArg(d, v)}`).join(", ")}}`;
  return `map[${sorted.map(([k, v]) => `${formatArg(d, k)}:${formatArg(d, v)}`).join(" ")}]`;
}

function formatNumber(d: Directive, value: number): string {
  if (isGoInteger(value) && "bcdoOqxXUv".includes(d.verb)) return formatInteger(d, BigInt(value));
  if ("eEfFgGv".includes(d.verb)) return formatFloat(d, value);
  return badVerb(d, value);
}

function formatInteger(d: Directive, value: bigint): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  switch (d.verb) {
    case "d": case "v": return formatDigits(d, negative, "", abs.toString(10));
    case "b": return formatDigits(d, negative, d.sharp ? "0b" : "", abs.toString(2));
    case "o": return formatDigits(d, negative, d.sharp ? "0" : "", abs.toString(8));
    case "O": return formatDigits(d, negative, "0o", abs.toString(8));
    case "x": return formatDigits(d, negative, d.sharp ? "0x" : "", abs.toString(16));
    case "X": return formatDigits(d, negative, d.sharp ? "0X" : "", abs.toString(16).toUpperCase());
    case "c": return pad(d, runeString(value));
    case "q": return pad(d, `'${escapeRune(Number(value), "'", d.plus)}'`);
    case "U": return pad(d, unicodeNotation(d, value));
    default: return badVerb(d, value);
  }
}

/** fmtInteger: precision or the 0 flag add leading zeros after the sign; the width then pads with spaces. */
function formatDigits(d: Directive, negative: boolean, prefix: string, digits: string): string {
  let body = digits;
  if (d.prec !== undefined) {
    if (d.prec === 0 && digits === "0") body = "";
    body = body.padStart(d.prec, "0");
  } else if (d.zero && !d.minus && d.width !== undefined) {
    body = body.padStart(d.width - (negative || d.plus || d.space ? 1 : 0), "0");
  }
  const sign = negative ? "-" : d.plus ? "+" : d.space ? " " : "";
  return pad(d, sign + prefix + body, " ");
}

function runeString(value: bigint): string {
  const cp = Number(value);
  return cp >= 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : "\ufffd";
}

function unicodeNotation(d: Directive, value: bigint): string {
  const text = `U+${value.toString(16).toUpperCase().padStart(4, "0")}`;
  const cp = Number(value);
  return d.sharp && isPrintRune(cp) ? `${text} '${String.fromCodePoint(cp)}'` : text;
}

function formatFloat(d: Directive, value: number): string {
  const sign = value < 0 || Object.is(value, -0) ? "-" : d.plus ? "+" : d.space ? " " : "";
  if (Number.isNaN(value)) return pad(d, `${d.plus ? "+" : d.space ? " " : ""}NaN`, " ");
  if (!Number.isFinite(value)) return pad(d, `${sign || "+"}Inf`, " ");
  const verb = d.verb === "v" ? "g" : d.verb;
  const body = floatBody(Math.abs(value), verb, d.prec);
  if (d.zero && !d.minus && d.width !== undefined) return sign + body.padStart(d.width - sign.length, "0");
  return pad(d, sign + body, " ");
}

function floatBody(abs: number, verb: string, prec: number | undefined): string {
  switch (verb) {
    case "e": case "E": {
      const text = abs.toExponential(Math.min(prec ?? 6, 100)).replace(/e([+-])(\d)$/, "e$10$2");
      return verb === "E" ? text.toUpperCase() : text;
    }
    case "f": case "F": return toFixed(abs, prec ?? 6);
    default: {
      const text = formatG(abs, prec ?? -1);
      return verb === "G" ? text.toUpperCase() : text;
    }
  }
}

function toFixed(abs: number, prec: number): string {
  if (abs < 1e21) return abs.toFixed(Math.min(prec, 100));
  // toFixed switches to exponent form here; such doubles are integers anyway.
  return BigInt(abs).toString() + (prec > 0 ? `.${"0".repeat(prec)}` : "");
}

/** strconv.FormatFloat(x, 'g', prec): prec -1 is the shortest form, which uses an exponent from 1e+06 on. */
function formatG(abs: number, prec: number): string {
  if (abs === 0) return "0";
  const shortest = prec < 0;
  const digitsWanted = shortest ? undefined : Math.max(prec, 1);
  const [mantissa = "0", exponent = "0"] = (digitsWanted === undefined ? abs.toExponential() : abs.toExponential(digitsWanted - 1)).split("e");
  const digits = mantissa.replace(".", "").replace(/0+$/, "") || "0";
  const point = Number(exponent) + 1; // digits before the decimal point
  let eprec = digitsWanted ?? 6;
  if (!shortest && eprec > digits.length && digits.length >= point) eprec = digits.length;
  if (shortest) eprec = 6;
  const exp = point - 1;
  if (exp < -4 || exp >= eprec) {
    const shown = shortest ? digits.length : Math.min(digitsWanted ?? 0, digits.length);
    return exponentForm(digits, shown - 1, exp);
  }
  const shown = shortest || (digitsWanted ?? 0) > point ? digits.length : (digitsWanted ?? 0);
  return fixedForm(digits, point, Math.max(shown - point, 0));
}

function exponentForm(digits: string, fraction: number, exp: number): string {
  const rest = digits.slice(1).padEnd(fraction, "0").slice(0, fraction);
  const mantissa = fraction > 0 ? `${digits[0] ?? "0"}.${rest}` : (digits[0] ?? "0");
  return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

function fixedForm(digits: string, point: number, fraction: number): string {
  const integer = point > 0 ? digits.slice(0, point).padEnd(point, "0") : "0";
  let frac = "";
  for (let i = 0; i < fraction; i++) frac += digits[point + i] ?? "0";
  return fraction > 0 ? `${integer}.${frac}` : integer;
}

function formatString(d: Directive, s: string): string {
  switch (d.verb) {
    case "v":
      if (d.sharpV) return pad(d, goQuote(s));
      return pad(d, truncateRunes(s, d.prec));
    case "s": return pad(d, truncateRunes(s, d.prec));
    case "q": {
      const text = truncateRunes(s, d.prec);
      return pad(d, d.sharp && canBackquote(text) ? `\`${text}\`` : goQuote(text, d.plus));
    }
    case "x": case "X": return pad(d, hexBytes(d, s));
    default: return badVerb(d, s);
  }
}

function truncateRunes(s: string, max: number | undefined): string {
  return max === undefined ? s : [...s].slice(0, max).join("");
}

function hexBytes(d: Directive, s: string): string {
  const bytes = [...Buffer.from(s)].slice(0, d.prec ?? Infinity);
  const prefix = d.sharp ? (d.verb === "X" ? "0X" : "0x") : "";
  const cased = (byte: number): string => (d.verb === "X" ? hex(byte, 2).toUpperCase() : hex(byte, 2));
  if (d.space) return bytes.map((byte) => prefix + cased(byte)).join(" ");
  return bytes.length === 0 ? "" : prefix + bytes.map(cased).join("");
}

function canBackquote(s: string): boolean {
  return !/[`\ufeff]/.test(s) && ![...s].some((ch) => ch !== "\t" && !isPrintRune(ch.codePointAt(0) ?? 0));
}

// ---- quoting (strconv.Quote) ---------------------------------------------------------------------

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
function isPrintRune(cp: number): boolean {
  if (cp === 0x20) return true;
  if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
  return PRINTABLE.test(String.fromCodePoint(cp));
}

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, "0");
}

function goQuote(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch.codePointAt(0) ?? 0, '"', asciiOnly);
  return `${out}"`;
}

function escapeRune(cp: number, quote: string, asciiOnly: boolean): string {
  const ch = String.fromCodePoint(cp >= 0 && cp <= 0x10ffff ? cp : 0xfffd);
  if (ch === quote || ch === "\\") return `\\${ch}`;
  if (isPrintRune(cp) && (!asciiOnly || cp < 0x80)) return ch;
  const named: Record<number, string> = { 7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v" };
  const name = named[cp];
  if (name !== undefined) return name;
  if (cp < 0x20 || cp === 0x7f) return `\\x${hex(cp, 2)}`;
  const rune = cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0xfffd : cp;
  return rune < 0x10000 ? `\\u${hex(rune, 4)}` : `\\U${hex(rune, 8)}`;
}

/** fmt's %#U: "U+0041 'A'", the character only when printable. */
function describeRune(cp: number): string {
  const code = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  return isPrintRune(cp) ? `${code} '${String.fromCodePoint(cp)}'` : code;
}

function lineCol(text: string, pos: number): { line: number; col: number } {
  const before = text.slice(0, pos);
  const lastNewline = before.lastIndexOf("\n");
  const line = before.split("\n").length;
  // Go reports the byte offset within the line.
  return { line, col: Buffer.byteLength(before.slice(lastNewline + 1)) };
}

// =================================================================================================
// docker/cli's formatter (cli/command/formatter/formatter.go) and its tabwriter
// =================================================================================================

/** Context.preFormat: strip "table", expand "json", trim spaces, turn literal \t and \n into characters. */
function listTemplateText(format: string): string {
  let text = format;
  if (isTableFormat(format)) text = format.slice("table".length);
  else if (format === "json") text = "{{json .}}";
  return text.replace(/^ +| +$/g, "").replace(/\\[tn]/g, (escape) => (escape === "\\t" ? "\t" : "\n"));
}

/** Docker formats rows through a struct whose JSON is a sorted map; a plain row is copied in that order. */
function rowContext(row: Record<string, unknown>, structType: string | undefined): object {
  const context = isPlainObject(row) ? Object.fromEntries(Object.entries(row).sort(([a], [b]) => compareGoStrings(a, b))) : row;
  ROW_CONTEXTS.set(context, { structType });
  return context;
}

function renderRow(template: GoTemplate, row: object): string {
  try {
    return template.execute(row);
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw new InvalidArgumentError(`template parsing error: ${err.message}`, { cause: err });
    throw err;
  }
}

/** docker ignores a header that fails to render and prints what was produced before the failure. */
function renderHeader(template: GoTemplate, headers: Record<string, string>): string {
  const out: string[] = [];
  try {
    template.render(headers, out, HEADER_FUNCS);
  } catch (err) {
    if (!(err instanceof InvalidArgumentError)) throw err;
  }
  return out.join("");
}

interface Layout {
  readonly cells: readonly string[][];
  readonly minWidth: number;
  readonly padding: number;
  readonly out: string[];
}

/**
 * tabwriter's format(): within lines [line0, line1), whose columns left of `widths.length` are
 * already sized, find each block of consecutive lines having a cell in the next column, size it,
 * and recurse for the columns to its right.
 */
function formatColumn(layout: Layout, line0: number, line1: number, widths: readonly number[]): void {
  const column = widths.length;
  const hasCell = (line: number): boolean => column < (layout.cells[line]?.length ?? 0) - 1;
  let pending = line0;
  for (let line = line0; line < line1; line++) {
    if (!hasCell(line)) continue;
    writeLines(layout, pending, line, widths);
    let width = layout.minWidth;
    let end = line;
    for (; end < line1 && hasCell(end); end++) {
      width = Math.max(width, displayWidth(layout.cells[end]?.[column] ?? "") + layout.padding);
    }
    formatColumn(layout, line, end, [...widths, width]);
    pending = end;
    line = end;
  }
  writeLines(layout, pending, line1, widths);
}

/** Cells in sized columns are padded to their width; a line's last cell never is. */
function writeLines(layout: Layout, line0: number, line1: number, widths: readonly number[]): void {
  for (let line = line0; line < line1; line++) {
    const cells = layout.cells[line] ?? [];
    layout.out.push(cells.map((cell, j) => {
      const width = widths[j];
      return width === undefined ? cell : cell + " ".repeat(width - displayWidth(cell));
    }).join(""));
  }
}

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cc}\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufe00-\ufe0f\ufeff]$/u;
const WIDE_RANGES: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x23e9, 0x23ec], [0x2e80, 0x303e],
  [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf], [0xa960, 0xa97f], [0xac00, 0xd7a3],
  [0xf900, 0xfaff], [0xfe10, 0xfe19], [0xfe30, 0xfe6f], [0xff00, 0xff60], [0xffe0, 0xffe6], [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff], [0x1fa70, 0x1faff], [0x20000, 0x2fffd], [0x30000, 0x3fffd],
];

/** Terminal columns, approximating go-runewidth (which docker's tabwriter fork uses): wide East Asian and emoji take 2, marks 0. */
function displayWidth(s: string): number {
  let width = 0;
  for (const ch of s) {
    if (ZERO_WIDTH.test(ch)) continue;
    const cp = ch.codePointAt(0) ?? 0;
    width += WIDE_RANGES.some(([from, to]) => cp >= from && cp <= to) ? 2 : 1;
  }
  return width;
}

// =================================================================================================
// Go types of caller data (withGoType)
// =================================================================================================

const GO_TYPES = new WeakMap<object, GoType>();

/** What Go prints for a pointer below the top level; the address itself means nothing to a script. */
const POINTER_TEXT = "0xc000000000";

/** The type of field or key `name` of a value of type `type`, through pointers and embedded structs. */
function memberType(type: GoType | undefined, name: string): { type: GoType; ofStruct: boolean } | undefined {
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

function typedValue(value: unknown, type: GoType): unknown {
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

function zeroValue(type: GoType): unknown {
  switch (type.kind) {
    case "string": return "";
    case "bool": return false;
    case "int": case "duration": return 0;
    case "time": return "0001-01-01T00:00:00Z";
    case "struct": case "empty": return {};
    default: return null;
  }
}

/** fmt's %v of a value of a known Go type; `top` is the template's own print, which dereferences. */
function formatGo(value: unknown, type: GoType, top: boolean): string {
  if (value instanceof TypedNil) value = null;
  switch (type.kind) {
    case "ptr":
      if (value === null || value === undefined) return "<nil>";
      // fmt calls a String method before it would print an address.
      if (type.elem.kind === "stringer") return type.elem.format(value);
      return top ? formatGo(value, type.elem, true) : POINTER_TEXT;
    case "struct": {
      const object = (value ?? {}) as Record<string, unknown>;
      // Printed whole, a partly described struct stays what it is in JSON: a map.
      if (type.partial) return formatMap(PLAIN_V, Object.entries(object));
      return `{${type.fields.map((f) => formatGo(f.embedded ? object : object[f.name], f.type, false)).join(" ")}}`;
    }
    case "map": {
      if (value === null || value === undefined) return "map[]";
      const entries = sortEntries(Object.entries(value as Record<string, unknown>));
      return `map[${entries.map(([k, v]) => `${formatValue(k)}:${formatGo(v, type.elem, false)}`).join(" ")}]`;
    }
    case "slice":
      return `[${((value ?? []) as unknown[]).map((v) => formatGo(v, type.elem, false)).join(" ")}]`;
    case "empty": return "{}";
    case "string": return value === null || value === undefined ? "" : String(value);
    case "bool": return String(value ?? false);
    case "int": return String(value ?? 0);
    case "duration": return goDurationString(Number(value ?? 0));
    case "time": return goTimeText(String(value ?? "0001-01-01T00:00:00Z"));
    case "stringer": return type.format(value);
    case "any": return value === undefined ? "<nil>" : formatValue(value);
  }
}

/** A nil slice or map of a known type: `[]` or `map[]` when printed, null in JSON, empty to range. */
class TypedNil {
  toJSON(): null {
    return null;
  }
}

function isPartialStruct(type: GoType): boolean {
  while (type.kind === "ptr") type = type.elem;
  return type.kind === "struct" && type.partial === true;
}

/** A time.Duration field's value: prints as Duration.String() does, and stays a number in JSON. */
class GoDuration {
  constructor(readonly nanoseconds: number) {}
  toString(): string {
    return goDurationString(this.nanoseconds);
  }
  toJSON(): number {
    return this.nanoseconds;
  }
}

/** A time.Time field's value (RFC 3339 in JSON): prints as Time.String() does. */
class GoTime {
  constructor(readonly rfc3339: string) {}
  toString(): string {
    return goTimeText(this.rfc3339);
  }
  toJSON(): string {
    return this.rfc3339;
  }
}

/** time.Duration's String: "0s", "1.5ms", "1m30s", "2h0m0s". */
function goDurationString(ns: number): string {
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  const abs = BigInt(Math.abs(Math.round(ns)));
  const fraction = (whole: bigint, unit: bigint, digits: number) => {
    const rest = (whole % unit).toString().padStart(digits, "0").replace(/0+$/, "");
    return `${whole / unit}${rest ? `.${rest}` : ""}`;
  };
  if (abs < 1000n) return `${sign}${abs}ns`;
  if (abs < 1_000_000n) return `${sign}${fraction(abs, 1000n, 3)}µs`;
  if (abs < 1_000_000_000n) return `${sign}${fraction(abs, 1_000_000n, 6)}ms`;
  const hours = abs / 3_600_000_000_000n;
  const minutes = (abs / 60_000_000_000n) % 60n;
  const seconds = fraction(abs % 60_000_000_000n, 1_000_000_000n, 9);
  return `${sign}${hours ? `${hours}h` : ""}${hours || minutes ? `${minutes}m` : ""}${seconds}s`;
}

/** time.Time's String of an RFC 3339 text: "2026-12-06 20:26:41.36439657 +0000 UTC". */
function goTimeText(rfc3339: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(rfc3339);
  if (!m) return rfc3339;
  const fraction = (m[3] ?? "").replace(/0+$/, "");
  const zone = m[4] === "Z" ? "+0000 UTC" : `${m[4]!.replace(":", "")} ${m[4]!.replace(":", "")}`;
  return `${m[1]} ${m[2]}${fraction ? `.${fraction}` : ""} ${zone}`;
}
