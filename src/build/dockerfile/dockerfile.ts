// The Dockerfile language as BuildKit's frontend reads it, as a pure library: text in, stages out.
// Nothing here touches a file, an image or the network; the build engine gives it the text, the
// build args and the platform, and gets back what to build and in which order.
//
//   const df = parseDockerfile(text, { buildArgs: new Map([["V", "1"]]) });
//   const plan = stagesForTarget(df, "final");       // the stages the target needs, in order
//   for (const stage of plan.stages) {
//     stage.base                                      // image ref, earlier stage name, or "scratch"
//     for (const step of stage.instructions) {
//       // ARG: resolveArgs(step, {...}); the rest: expandInstruction(step, stageEnv, df.escapeToken)
//     }
//   }
//
// Errors are DockerfileParseError (an InvalidArgumentError) with BuildKit's message and the lines it
// concerns: "dockerfile parse error on line 2: unknown instruction: FROMM (did you mean FROM?)".
import { goQuote, withSuggestion } from "./go-compat.js";
import { parseInstruction, InstructionError, type ArgInstruction, type FromInstruction, type Instruction } from "./instructions.js";
import { DockerfileParseError, parseDockerfileText, type Directive, type ParseWarning } from "./parser.js";
import { mountFrom } from "./run-mount.js";
import { ShellLex, ShellLexError, type EnvLookup } from "./shell-lex.js";

export { DockerfileParseError } from "./parser.js";

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export interface ParseOptions {
  /** --build-arg values; a name with an undefined value counts as not given. */
  readonly buildArgs?: ReadonlyMap<string, string | undefined> | Readonly<Record<string, string | undefined>>;
  /** The platform built for (TARGET* ARGs); this machine's by default. */
  readonly platform?: Platform;
  /** The platform building (BUILD* ARGs); this machine's by default. */
  readonly buildPlatform?: Platform;
  /** The --target stage, for TARGETSTAGE; the last stage by default. */
  readonly target?: string;
}

export interface Stage {
  readonly index: number;
  /** The `AS` name, lowercased; "" when unnamed. */
  readonly name: string;
  /** The FROM argument with global ARGs expanded: an image, an earlier stage's name, or scratch. */
  readonly base: string;
  /** The earlier stage this one starts from, when `base` names one. */
  readonly baseStage?: number;
  /** --platform with global ARGs expanded; "" when not given. */
  readonly platform: string;
  readonly from: FromInstruction;
  readonly instructions: readonly Instruction[];
  /** Global ARGs the FROM line used. */
  readonly usedArgs: ReadonlySet<string>;
}

export interface Dockerfile {
  readonly stages: readonly Stage[];
  /** ARG instructions before the first FROM. */
  readonly metaArgs: readonly ArgInstruction[];
  /** The global scope after them: predefined platform ARGs plus the meta ARGs that have a value. */
  readonly globalArgs: ReadonlyMap<string, string>;
  readonly buildArgs: ReadonlyMap<string, string | undefined>;
  readonly directives: readonly Directive[];
  readonly escapeToken: "\\" | "`";
  readonly warnings: readonly ParseWarning[];
}

/** This machine's platform as OCI names it. */
export function hostPlatform(): Platform {
  const arch: Record<string, Platform> = {
    x64: { os: "linux", architecture: "amd64" },
    arm64: { os: "linux", architecture: "arm64" },
    arm: { os: "linux", architecture: "arm", variant: "v7" },
    ia32: { os: "linux", architecture: "386" },
    ppc64: { os: "linux", architecture: "ppc64le" },
    s390x: { os: "linux", architecture: "s390x" },
    riscv64: { os: "linux", architecture: "riscv64" },
  };
  return arch[process.arch] ?? { os: "linux", architecture: process.arch };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, ...(p.variant ? [p.variant] : [])].join("/");
}

/** The ARGs BuildKit defines before any Dockerfile line, overridable by --build-arg. */
export function predefinedArgs(opts: ParseOptions & { target: string }): Map<string, string> {
  const bp = opts.buildPlatform ?? hostPlatform();
  const tp = opts.platform ?? hostPlatform();
  const build = toMap(opts.buildArgs);
  const args = new Map<string, string>([
    ["BUILDPLATFORM", formatPlatform(bp)],
    ["BUILDOS", bp.os],
    ["BUILDOSVERSION", ""],
    ["BUILDARCH", bp.architecture],
    ["BUILDVARIANT", bp.variant ?? ""],
    ["TARGETPLATFORM", formatPlatform(tp)],
    ["TARGETOS", tp.os],
    ["TARGETOSVERSION", ""],
    ["TARGETARCH", tp.architecture],
    ["TARGETVARIANT", tp.variant ?? ""],
    ["TARGETSTAGE", opts.target === "" ? "default" : opts.target],
  ]);
  for (const key of args.keys()) {
    const v = build.get(key);
    if (v !== undefined) args.set(key, v);
  }
  return args;
}

function toMap(args: ParseOptions["buildArgs"]): Map<string, string | undefined> {
  if (!args) return new Map();
  return args instanceof Map ? new Map(args) : new Map(Object.entries(args));
}

function lookup(map: ReadonlyMap<string, string>): EnvLookup {
  return { get: (n) => map.get(n) };
}

/**
 * Parses a Dockerfile into stages. The global ARGs (before the first FROM) are resolved against
 * the build args, and each FROM's image and --platform are expanded with them, as BuildKit does
 * before it builds anything. Instructions inside stages are left unexpanded (see expand.ts).
 */
export function parseDockerfile(text: string, opts: ParseOptions = {}): Dockerfile {
  if (text.length === 0) throw new DockerfileParseError("the Dockerfile cannot be empty", 0);
  const ast = parseDockerfileText(text);
  const metaArgs: ArgInstruction[] = [];
  const froms: { from: FromInstruction; instructions: Instruction[] }[] = [];
  for (const node of ast.nodes) {
    let instr: Instruction | FromInstruction;
    try {
      instr = parseInstruction(node);
    } catch (err) {
      // Programming errors pass through; everything an instruction refuses gets BuildKit's prefix.
      if (!(err instanceof InstructionError) && (!(err instanceof Error) || err instanceof TypeError || err instanceof RangeError))
        throw err;
      throw new DockerfileParseError(`dockerfile parse error on line ${node.startLine}: ${err.message}`, node.startLine, node.endLine);
    }
    if (instr.kind === "FROM") froms.push({ from: instr, instructions: [] });
    else if (froms.length === 0 && instr.kind === "ARG") metaArgs.push(instr);
    else if (froms.length === 0) throw new DockerfileParseError("no build stage in current context", node.startLine, node.endLine);
    else froms[froms.length - 1]!.instructions.push(instr);
  }
  if (froms.length === 0) throw new DockerfileParseError("dockerfile contains no stages to build", 0);

  const buildArgs = toMap(opts.buildArgs);
  const target = opts.target || froms[froms.length - 1]!.from.name;
  const globalArgs = predefinedArgs({ ...opts, target });
  const lex = new ShellLex(ast.escapeToken);
  for (const meta of metaArgs) {
    for (const arg of meta.args) {
      let value = buildArgs.get(arg.key);
      if (value === undefined && arg.value !== undefined) {
        value = expandOrFail(lex, arg.value, globalArgs, meta).result;
      }
      if (value !== undefined) globalArgs.set(arg.key, value);
    }
  }

  const names = new Map<string, number>();
  const stages: Stage[] = froms.map(({ from, instructions }, index) => {
    const baseMatch = expandOrFail(lex, from.baseName, globalArgs, from);
    const used = new Set(baseMatch.matched);
    if (baseMatch.result === "") throw locatedError(`base name (${from.baseName}) should not be blank`, from);
    let platform = "";
    if (from.platform !== "") {
      let m;
      try {
        m = lex.processWord(from.platform, lookup(globalArgs));
      } catch (err) {
        throw locatedError(`failed to process arguments for platform ${from.platform}: ${(err as Error).message}`, from);
      }
      if (m.result === "") throw locatedError(`empty platform value from expression ${from.platform}`, from);
      checkPlatform(m.result, from);
      for (const n of m.matched) used.add(n);
      platform = m.result;
    }
    // Only stages above this one can be its base; the same name later on is an image.
    const baseStage = names.get(baseMatch.result);
    if (from.name !== "") names.set(from.name, index);
    return {
      index,
      name: from.name,
      base: baseMatch.result,
      ...(baseStage !== undefined ? { baseStage } : {}),
      platform,
      from,
      instructions,
      usedArgs: used,
    };
  });
  return {
    stages,
    metaArgs,
    globalArgs,
    buildArgs,
    directives: ast.directives,
    escapeToken: ast.escapeToken,
    warnings: ast.warnings,
  };
}

function locatedError(message: string, at: { startLine: number; endLine: number }): DockerfileParseError {
  return new DockerfileParseError(message, at.startLine, at.endLine);
}

function expandOrFail(lex: ShellLex, word: string, args: ReadonlyMap<string, string>, at: { startLine: number; endLine: number }) {
  try {
    return lex.processWord(word, lookup(args));
  } catch (err) {
    if (err instanceof ShellLexError) throw locatedError(err.message, at);
    throw err;
  }
}

// containerd's platforms.Parse accepts os, arch and variant parts; more parts, or an empty one, fail.
function checkPlatform(value: string, at: FromInstruction): void {
  const parts = value.split("/");
  if (parts.length > 3 || parts.some((p) => p === "" || !/^[A-Za-z0-9_-]+$/.test(p))) {
    throw locatedError(
      `failed to parse platform ${at.platform}: ${goQuote(value)}: unknown operating system or architecture: invalid argument`,
      at,
    );
  }
}

/** What a stage reads from outside itself. */
export type StageSource = { readonly kind: "stage"; readonly index: number } | { readonly kind: "image"; readonly ref: string };

export interface StageDependency {
  readonly source: StageSource;
  /** The instruction that reads it: FROM, COPY --from or RUN --mount from=. */
  readonly instruction: Instruction | FromInstruction;
}

export interface BuildPlan {
  readonly target: Stage;
  /** The stages the target needs, the target last, in Dockerfile order (which respects dependencies). */
  readonly stages: readonly Stage[];
  /** Each stage's sources, by stage index. */
  readonly dependencies: ReadonlyMap<number, readonly StageDependency[]>;
}

/**
 * The stages a build of `target` (the last stage when omitted) needs: the target, the stages it
 * starts FROM, copies --from and mounts from, and theirs in turn. Unused stages are left out, as
 * BuildKit skips them. Refuses an unknown target, a --from built from a variable, a stage index out
 * of range, cycles, and a COPY --from of a stage defined later, in BuildKit's words.
 */
export function stagesForTarget(df: Dockerfile, target?: string): BuildPlan {
  const byName = new Map<string, Stage>();
  for (const s of df.stages) if (s.name !== "") byName.set(s.name, s);
  let targetStage: Stage;
  if (target === undefined || target === "") targetStage = df.stages[df.stages.length - 1]!;
  else {
    const found = byName.get(target.toLowerCase());
    if (!found) {
      const names = df.stages.filter((s) => s.name !== "").map((s) => s.name);
      throw new DockerfileParseError(withSuggestion(`target stage ${goQuote(target)} could not be found`, target, names, true), 0);
    }
    targetStage = found;
  }

  const deps = new Map<number, StageDependency[]>();
  const noEnv: EnvLookup = { get: () => undefined };
  const lex = new ShellLex(df.escapeToken);
  for (const stage of df.stages) {
    const list: StageDependency[] = [];
    if (stage.baseStage !== undefined) list.push({ source: { kind: "stage", index: stage.baseStage }, instruction: stage.from });
    for (const instr of stage.instructions) {
      if (instr.kind === "COPY" && instr.from !== "") {
        let same: boolean;
        try {
          same = lex.processWord(instr.from, noEnv).result === instr.from;
        } catch {
          same = false;
        }
        if (!same) {
          throw locatedError(
            "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround",
            instr,
          );
        }
        list.push({ source: resolveSource(df, byName, instr.from, true, instr), instruction: instr });
      }
      if (instr.kind === "RUN") {
        for (const spec of instr.mountSpecs) {
          const from = mountFrom(spec);
          if (from !== "") list.push({ source: resolveSource(df, byName, from, false, instr), instruction: instr });
        }
      }
    }
    deps.set(stage.index, list);
  }

  checkCycles(df, deps);

  const reachable = new Set<number>();
  const visit = (i: number): void => {
    if (reachable.has(i)) return;
    reachable.add(i);
    for (const d of deps.get(i) ?? []) if (d.source.kind === "stage") visit(d.source.index);
  };
  visit(targetStage.index);

  for (const i of reachable) {
    for (const d of deps.get(i) ?? []) {
      if (d.source.kind === "stage" && d.source.index >= i && d.instruction.kind === "COPY") {
        throw locatedError(
          `cannot copy from stage ${goQuote(d.instruction.from)}, it needs to be defined before current stage ${goQuote(stageName(df, i))}`,
          d.instruction,
        );
      }
    }
  }
  return {
    target: targetStage,
    stages: df.stages.filter((s) => reachable.has(s.index)),
    dependencies: deps,
  };
}

function stageName(df: Dockerfile, index: number): string {
  return df.stages[index]!.name || `stage-${index}`;
}

function resolveSource(
  df: Dockerfile,
  byName: ReadonlyMap<string, Stage>,
  from: string,
  allowIndex: boolean,
  at: Instruction,
): StageSource {
  // strconv.Atoi: an optional sign and decimal digits.
  if (allowIndex && /^[+-]?[0-9]+$/.test(from)) {
    const index = Number(from);
    if (index < 0 || index >= df.stages.length) throw locatedError(`invalid stage index ${index}`, at);
    return { kind: "stage", index };
  }
  const stage = byName.get(from.toLowerCase());
  return stage ? { kind: "stage", index: stage.index } : { kind: "image", ref: from };
}

function checkCycles(df: Dockerfile, deps: ReadonlyMap<number, readonly StageDependency[]>): void {
  // FROM edges cannot form a cycle (a base is always above); COPY and mounts can.
  const visited = new Set<number>();
  const path = new Set<number>();
  const visit = (i: number): StageDependency | undefined => {
    if (visited.has(i)) return undefined;
    visited.add(i);
    path.add(i);
    for (const d of deps.get(i) ?? []) {
      if (d.source.kind !== "stage" || d.instruction.kind === "FROM") continue;
      if (path.has(d.source.index)) return d;
      const found = visit(d.source.index);
      if (found) return found;
    }
    path.delete(i);
    return undefined;
  };
  for (const stage of df.stages) {
    const found = visit(stage.index);
    if (found) {
      throw locatedError(`circular dependency detected on stage: ${stageName(df, stage.index)}`, found.instruction);
    }
  }
}
