// text/template/parse/lex.go: the template text as a list of items, stopping at the first error.

import { describeRune, goQuote } from "./quote.js";

export type ItemType =
  | "text"
  | "comment"
  | "leftDelim"
  | "rightDelim"
  | "space"
  | "eof"
  | "error"
  | "field"
  | "variable"
  | "identifier"
  | "keyword"
  | "dot"
  | "nil"
  | "bool"
  | "number"
  | "charConstant"
  | "string"
  | "rawString"
  | "pipe"
  | "leftParen"
  | "rightParen"
  | "declare"
  | "assign"
  | "char";

export interface Item {
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
export class Lexer {
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
      case "=":
        return this.emitItem("assign");
      case ":":
        return this.nextChar() === "=" ? this.emitItem("declare") : this.fail("expected :=");
      case "|":
        return this.emitItem("pipe");
      case '"':
        return this.lexQuote('"', "string", "unterminated quoted string");
      case "'":
        return this.lexQuote("'", "charConstant", "unterminated character constant");
      case "`":
        return this.lexRawQuote();
      case "$":
        return this.lexFieldOrVariable("variable");
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
