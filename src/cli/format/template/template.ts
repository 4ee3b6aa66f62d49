// A parsed template with its function table: text/template's Parse and Execute.

import { BUILTINS } from "./builtins.js";
import { DOCKER_FUNCS } from "./docker-functions.js";
import { Execution } from "./exec.js";
import { type FuncDef, type FuncTable, variadic } from "./function-table.js";
import { Lexer } from "./lexer.js";
import type { ParsedTemplate } from "./parse-tree.js";
import { Parser } from "./parser.js";

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

/** Parses a Go template; bad syntax throws InvalidArgumentError("template parsing error: template: :LINE: …"). */
export function parseTemplate(text: string, opts: ParseOptions = {}): Template {
  return compile(text, opts);
}

export class GoTemplate implements Template {
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

export function compile(text: string, opts: ParseOptions): GoTemplate {
  const funcs = new Map([...BUILTINS, ...DOCKER_FUNCS, ...userFuncs(opts.funcs ?? {})]);
  const { root, defs } = new Parser(text, new Lexer(text).run(), (name) => funcs.has(name)).parse();
  return new GoTemplate({ text, root, defs, missingKey: opts.missingKey ?? "default" }, funcs);
}

function userFuncs(funcs: Record<string, TemplateFunc>): [string, FuncDef][] {
  return Object.entries(funcs).map(([name, fn]) => [name, variadic(fn.length, (args) => fn(...args))]);
}
