// The parse tree (text/template/parse/node.go): nodes, their re-serialization for error context,
// and the line:col that messages quote.

import { goQuote } from "./quote.js";

export interface FieldNode {
  readonly kind: "field";
  readonly pos: number;
  readonly idents: readonly string[];
}
export interface VariableNode {
  readonly kind: "variable";
  readonly pos: number;
  readonly name: string;
  readonly idents: readonly string[];
}
export interface ChainNode {
  readonly kind: "chain";
  readonly pos: number;
  readonly node: Operand;
  readonly idents: readonly string[];
}
export interface IdentifierNode {
  readonly kind: "identifier";
  readonly pos: number;
  readonly name: string;
}
interface DotNode {
  readonly kind: "dot";
  readonly pos: number;
}
interface NilNode {
  readonly kind: "nil";
  readonly pos: number;
}
interface BoolNode {
  readonly kind: "bool";
  readonly pos: number;
  readonly value: boolean;
}
export interface NumberNode {
  readonly kind: "number";
  readonly pos: number;
  readonly value: number;
  readonly text: string;
}
interface StringNode {
  readonly kind: "string";
  readonly pos: number;
  readonly value: string;
  readonly text: string;
}
export interface PipeNode {
  readonly kind: "pipe";
  readonly pos: number;
  readonly decl: string[];
  isAssign: boolean;
  readonly cmds: CommandNode[];
}
export interface CommandNode {
  readonly kind: "command";
  readonly pos: number;
  readonly args: Operand[];
}
export type Operand =
  FieldNode | VariableNode | ChainNode | IdentifierNode | DotNode | NilNode | BoolNode | NumberNode | StringNode | PipeNode;

interface TextNode {
  readonly kind: "text";
  readonly pos: number;
  readonly text: string;
}
export interface ActionNode {
  readonly kind: "action";
  readonly pos: number;
  readonly pipe: PipeNode;
}
export interface BranchNode {
  readonly kind: "if" | "with" | "range";
  readonly pos: number;
  readonly pipe: PipeNode;
  readonly list: readonly Node[];
  readonly elseList: readonly Node[] | undefined;
}
export interface LoopControlNode {
  readonly kind: "break" | "continue";
  readonly pos: number;
}
export interface TemplateCallNode {
  readonly kind: "template";
  readonly pos: number;
  readonly name: string;
  readonly pipe: PipeNode | undefined;
}
export type Node = TextNode | ActionNode | BranchNode | LoopControlNode | TemplateCallNode;
export type AnyNode = Node | Operand | CommandNode;

export interface ParsedTemplate {
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
export function nodeString(node: AnyNode): string {
  switch (node.kind) {
    case "field":
      return fieldsString(node.idents);
    case "variable":
      return node.name + fieldsString(node.idents);
    case "chain":
      return operandString(node.node) + fieldsString(node.idents);
    case "identifier":
      return node.name;
    case "dot":
      return ".";
    case "nil":
      return "nil";
    case "bool":
      return String(node.value);
    case "number":
    case "string":
      return node.text;
    case "pipe":
      return pipeString(node);
    case "command":
      return node.args.map(operandString).join(" ");
    case "text":
      return node.text;
    case "action":
      return `{{${pipeString(node.pipe)}}}`;
    case "if":
    case "with":
    case "range":
      return branchString(node);
    case "break":
    case "continue":
      return `{{${node.kind}}}`;
    case "template":
      return `{{template ${goQuote(node.name)}${node.pipe ? ` ${pipeString(node.pipe)}` : ""}}}`;
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

export function lineCol(text: string, pos: number): { line: number; col: number } {
  const before = text.slice(0, pos);
  const lastNewline = before.lastIndexOf("\n");
  const line = before.split("\n").length;
  // Go reports the byte offset within the line.
  return { line, col: Buffer.byteLength(before.slice(lastNewline + 1)) };
}
