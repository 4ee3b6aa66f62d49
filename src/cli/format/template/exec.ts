// text/template/exec.go: walking the tree over the data, with Go's execution error messages.

import { InvalidArgumentError } from "../../../errors.js";
import { formatValue } from "./fmt.js";
import { ArgTypeError, type FuncDef, type FuncTable } from "./function-table.js";
import { GO_TYPES, memberType, typedValue, zeroValue } from "./go-types.js";
import { ROW_CONTEXTS } from "./list-rows.js";
import {
  type ActionNode,
  type AnyNode,
  type BranchNode,
  type ChainNode,
  type CommandNode,
  type FieldNode,
  type IdentifierNode,
  lineCol,
  type Node,
  nodeString,
  type Operand,
  type ParsedTemplate,
  type PipeNode,
  type TemplateCallNode,
  type VariableNode,
} from "./parse-tree.js";
import { goQuote } from "./quote.js";
import { errorMessage, goTypeName, isTrue, sortEntries } from "./values.js";

/** Marks "no value piped in", which differs from piping in undefined. */
const MISSING = Symbol("missing");
const MAX_TEMPLATE_DEPTH = 1000;

class LoopSignal {
  constructor(readonly kind: "break" | "continue") {}
}

interface Variable {
  readonly name: string;
  value: unknown;
}

type FieldLookup = { kind: "method"; fn: Function } | { kind: "value"; value: unknown } | { kind: "missing" };

export class Execution {
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
      case "if":
      case "with":
        return this.walkIfOrWith(dot, node);
      case "range":
        return this.walkRange(dot, node);
      // A loop's break or continue, caught by walkIteration: control flow, not an error, so no stack.
      case "break":
      case "continue":
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw new LoopSignal(node.kind);
      case "template":
        return this.walkTemplate(dot, node);
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
      case "field":
        return this.evalFieldNode(dot, first, cmd.args, final);
      case "chain":
        return this.evalChainNode(dot, first, cmd.args, final);
      case "identifier":
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case "variable":
        return this.evalVariableNode(dot, first, cmd.args, final);
      case "pipe":
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case "bool":
      case "number":
      case "string":
        return first.value;
      case "dot":
        return dot;
      case "nil":
        return this.fail("nil is not a command");
    }
  }

  private notAFunction(args: readonly Operand[], final: unknown): void {
    const [first] = args;
    if (first && (args.length > 1 || final !== MISSING)) this.fail(`can't give argument to non-function ${nodeString(first)}`);
  }

  private evalArg(dot: unknown, node: Operand): unknown {
    this.at(node);
    switch (node.kind) {
      case "dot":
        return dot;
      case "nil":
        return null;
      case "field":
        return this.evalFieldNode(dot, node, [node], MISSING);
      case "variable":
        return this.evalVariableNode(dot, node, [node], MISSING);
      case "chain":
        return this.evalChainNode(dot, node, [node], MISSING);
      case "identifier":
        return this.evalFunction(dot, node, node, [node], MISSING);
      case "pipe":
        return this.evalPipeline(dot, node);
      case "bool":
      case "number":
      case "string":
        return node.value;
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
  private evalFieldChain(
    dot: unknown,
    receiver: unknown,
    node: AnyNode,
    idents: readonly string[],
    args: readonly Operand[],
    final: unknown,
  ): unknown {
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
      return this.fail(
        structType !== undefined ? `${name} has arguments but cannot be invoked as function` : `${name} is not a method but has arguments`,
      );
    }
    const fieldType = memberType(GO_TYPES.get(receiver), name);
    if (found.kind === "value") return fieldType ? typedValue(found.value, fieldType.type) : found.value;
    // A Go struct has every field it declares: what the JSON left out is the field's zero value.
    if (fieldType?.ofStruct) return typedValue(zeroValue(fieldType.type), fieldType.type);
    return this.tmpl.missingKey === "error" ? this.fail(`map has no entry for key ${goQuote(name)}`) : undefined;
  }

  private callMethod(
    dot: unknown,
    fn: Function,
    receiver: object,
    name: string,
    node: AnyNode,
    args: readonly Operand[],
    final: unknown,
  ): unknown {
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
