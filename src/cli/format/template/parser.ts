// text/template/parse/parse.go: items to a tree, with Go's error messages and variable scopes.

import { InvalidArgumentError } from "../../../errors.js";
import type { Item, ItemType } from "./lexer.js";
import { charConstantValue, numberValue, unquoteGo } from "./literals.js";
import {
  type BranchNode,
  type CommandNode,
  lineCol,
  type LoopControlNode,
  type Node,
  nodeString,
  type NumberNode,
  type Operand,
  type PipeNode,
  type TemplateCallNode,
  type VariableNode,
} from "./parse-tree.js";
import { goQuote } from "./quote.js";
import { errorMessage } from "./values.js";

/** {{end}} and {{else}} close the list being parsed; they never reach the tree. */
interface Marker {
  readonly kind: "end" | "else";
  readonly pos: number;
}

const OPERAND_START = new Set<ItemType>([
  "bool",
  "charConstant",
  "dot",
  "field",
  "identifier",
  "number",
  "nil",
  "rawString",
  "string",
  "variable",
  "leftParen",
]);
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

export class Parser {
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
      case "text":
        return { kind: "text", pos: token.pos, text: token.val };
      case "leftDelim":
        return this.action();
      case "comment":
        return undefined;
      default:
        throw this.unexpected(token, "input");
    }
  }

  private action(): Node | Marker {
    const token = this.nextNonSpace();
    if (token.type === "keyword") {
      switch (token.val) {
        case "block":
          return this.blockControl();
        case "break":
        case "continue":
          return this.loopControl(token);
        case "else":
          return this.elseControl();
        case "end":
          return { kind: "end", pos: this.expect("rightDelim", "end").pos };
        case "if":
          return this.branch("if");
        case "range":
          return this.branch("range");
        case "with":
          return this.branch("with");
        case "template":
          return this.templateControl();
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
      case "field":
        return { kind: "field", pos, idents: [...node.idents, ...idents] };
      case "variable":
        return { kind: "variable", pos, name: node.name, idents: [...node.idents, ...idents] };
      case "bool":
      case "string":
      case "number":
      case "nil":
      case "dot":
        throw this.error(`unexpected . after term ${goQuote(nodeString(node))}`);
      default:
        return { kind: "chain", pos, node, idents };
    }
  }

  private term(): Operand | undefined {
    const token = this.nextNonSpace();
    const pos = token.pos;
    switch (token.type) {
      case "identifier":
        if (!this.isFunction(token.val)) throw this.error(`function ${goQuote(token.val)} not defined`);
        return { kind: "identifier", pos, name: token.val };
      case "dot":
        return { kind: "dot", pos };
      case "nil":
        return { kind: "nil", pos };
      case "variable":
        return this.useVariable(token);
      case "field":
        return { kind: "field", pos, idents: [token.val.slice(1)] };
      case "bool":
        return { kind: "bool", pos, value: token.val === "true" };
      case "number":
      case "charConstant":
        return this.number(token);
      case "leftParen":
        return this.pipeline("parenthesized pipeline", "rightParen");
      case "string":
      case "rawString":
        return { kind: "string", pos, text: token.val, value: this.unquote(token) };
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
