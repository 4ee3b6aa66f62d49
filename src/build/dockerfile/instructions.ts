// Typed instructions from parsed nodes, with BuildKit's argument checks and words
// (frontend/dockerfile/instructions/parse.go). Nothing is expanded here: which arguments expand,
// and with what, is expand.ts's job, because a stage's ENV is known only while it is built.
import { goParseDuration, goParseInt, goQuote, withSuggestion } from "./go-compat.js";
import { chompHeredocContent, parseHeredoc, type DockerfileNode, type Heredoc } from "./parser.js";
import { parseRunMount, type RunMount } from "./run-mount.js";

export interface Located {
  /** The logical line as written, continuations joined. */
  readonly original: string;
  readonly startLine: number;
  readonly endLine: number;
}

export interface KeyValue {
  readonly key: string;
  readonly value: string;
  /** The legacy `ENV key value` form, without "=". */
  readonly noDelim: boolean;
}

export interface ArgDefinition {
  readonly key: string;
  /** The default as written (unexpanded); undefined for `ARG name`. */
  readonly value?: string;
}

/** A heredoc used as a COPY/ADD source: a file named after its delimiter holding its body. */
export interface SourceContent {
  readonly path: string;
  readonly data: string;
  readonly expand: boolean;
}

/** A heredoc of RUN/CMD/ENTRYPOINT, kept with its options for the executor. */
export interface InlineFile {
  readonly name: string;
  readonly data: string;
  readonly chomp: boolean;
}

export interface CommandLine {
  /** Exec form: the argv; shell form: one string. */
  readonly cmdLine: readonly string[];
  /** Shell form: the stage's SHELL runs the string. */
  readonly prependShell: boolean;
  readonly files: readonly InlineFile[];
}

export interface CopySpec {
  readonly sources: readonly string[];
  readonly contents: readonly SourceContent[];
  readonly dest: string;
  readonly chown: string;
  readonly chmod: string;
  readonly link: boolean;
  readonly excludes: readonly string[];
}

export interface HealthConfig {
  /** ["NONE"], ["CMD", ...argv] or ["CMD-SHELL", command]. */
  readonly test: readonly string[];
  /** Nanoseconds; 0 = the default. */
  readonly interval: number;
  readonly timeout: number;
  readonly startPeriod: number;
  readonly startInterval: number;
  readonly retries: number;
}

export type NetworkMode = "default" | "none" | "host";

export type Instruction =
  | (Located & { readonly kind: "ENV"; readonly env: readonly KeyValue[] })
  | (Located & { readonly kind: "LABEL"; readonly labels: readonly KeyValue[] })
  | (Located & { readonly kind: "MAINTAINER"; readonly maintainer: string })
  | (Located & CopySpec & { readonly kind: "ADD"; readonly keepGitDir?: boolean; readonly checksum: string; readonly unpack?: boolean })
  | (Located & CopySpec & { readonly kind: "COPY"; readonly from: string; readonly parents: boolean })
  | (Located & { readonly kind: "ONBUILD"; readonly expression: string; readonly trigger: string })
  | (Located & { readonly kind: "WORKDIR"; readonly path: string })
  | RunInstruction
  | (Located & CommandLine & { readonly kind: "CMD" })
  | (Located & CommandLine & { readonly kind: "ENTRYPOINT" })
  | (Located & { readonly kind: "HEALTHCHECK"; readonly health: HealthConfig })
  | (Located & { readonly kind: "EXPOSE"; readonly ports: readonly string[] })
  | (Located & { readonly kind: "USER"; readonly user: string })
  | (Located & { readonly kind: "VOLUME"; readonly volumes: readonly string[] })
  | (Located & { readonly kind: "STOPSIGNAL"; readonly signal: string })
  | ArgInstruction
  | (Located & { readonly kind: "SHELL"; readonly shell: readonly string[] });

export type RunInstruction = Located &
  CommandLine & {
    readonly kind: "RUN";
    /** The --mount values as written; expandInstruction() parses them with the stage's variables. */
    readonly mountSpecs: readonly string[];
    /** The mounts, when no --mount value uses a variable (else only after expansion). */
    readonly mounts?: readonly RunMount[];
    readonly network: NetworkMode;
    readonly security: "sandbox" | "insecure";
    readonly devices: readonly string[];
    /** The flags given, for steps that must refuse what berth cannot do. */
    readonly flagsUsed: readonly string[];
  };

export type ArgInstruction = Located & { readonly kind: "ARG"; readonly args: readonly ArgDefinition[] };

export interface FromInstruction extends Located {
  readonly kind: "FROM";
  /** The image, stage name or `scratch` as written (may hold global ARGs). */
  readonly baseName: string;
  /** The `AS` name, lowercased; "" when unnamed. */
  readonly name: string;
  /** --platform as written; "" when not given. */
  readonly platform: string;
}

export type InstructionKind = Instruction["kind"] | "FROM";

/** Every instruction name, for "did you mean" and for ONBUILD's checks. */
export const INSTRUCTIONS = [
  "ADD",
  "ARG",
  "CMD",
  "COPY",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "FROM",
  "HEALTHCHECK",
  "LABEL",
  "MAINTAINER",
  "ONBUILD",
  "RUN",
  "SHELL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
] as const;

/** An instruction's own error, before "dockerfile parse error on line N: " is put in front. */
export class InstructionError extends Error {}

type FlagKind = "bool" | "string" | "strings";

/** BuildKit's BFlags: `--name=value` words checked against what one instruction accepts. */
class Flags {
  private readonly kinds = new Map<string, FlagKind>();
  private readonly values = new Map<string, string>();
  private readonly lists = new Map<string, string[]>();
  readonly used = new Set<string>();

  constructor(private readonly args: readonly string[]) {}

  bool(name: string): this {
    this.kinds.set(name, "bool");
    this.values.set(name, "false");
    return this;
  }
  string(name: string, def = ""): this {
    this.kinds.set(name, "string");
    this.values.set(name, def);
    return this;
  }
  strings(name: string): this {
    this.kinds.set(name, "strings");
    this.lists.set(name, []);
    return this;
  }

  parse(): this {
    for (const a of this.args) {
      if (a === "--") return this;
      if (!a.startsWith("--")) throw new InstructionError(`arg should start with -- : ${a}`);
      const eq = a.indexOf("=");
      const flagName = eq === -1 ? a : a.slice(0, eq);
      const value = eq === -1 ? "" : a.slice(eq + 1);
      const hasValue = eq !== -1;
      const name = flagName.slice(2);
      const kind = this.kinds.get(name);
      if (!kind) throw new InstructionError(withSuggestion(`unknown flag: ${flagName}`, name, [...this.kinds.keys()], true));
      if (this.used.has(name) && kind !== "strings") throw new InstructionError(`duplicate flag specified: ${flagName}`);
      this.used.add(name);
      if (kind === "bool") {
        if (hasValue && value === "") throw new InstructionError(`missing a value on flag: ${flagName}`);
        const v = value.toLowerCase();
        if (v === "true" || v === "") this.values.set(name, "true");
        else if (v === "false") this.values.set(name, "false");
        else throw new InstructionError(`expecting boolean value for flag ${flagName}, not: ${value}`);
      } else {
        if (!hasValue) throw new InstructionError(`missing a value on flag: ${flagName}`);
        if (kind === "string") this.values.set(name, value);
        else this.lists.get(name)!.push(value);
      }
    }
    return this;
  }

  get(name: string): string {
    return this.values.get(name) ?? "";
  }
  isTrue(name: string): boolean {
    return this.values.get(name) === "true";
  }
  list(name: string): string[] {
    return this.lists.get(name) ?? [];
  }
}

const errAtLeastOne = (cmd: string): InstructionError => new InstructionError(`${cmd} requires at least one argument`);
const errExactlyOne = (cmd: string): InstructionError => new InstructionError(`${cmd} requires exactly one argument`);
const errNoDest = (cmd: string): InstructionError =>
  new InstructionError(`${cmd} requires at least two arguments, but only one was provided. Destination could not be determined`);

/** Turns a node into a typed instruction; a FROM gives a FromInstruction. Throws InstructionError. */
export function parseInstruction(node: DockerfileNode): Instruction | FromInstruction {
  const loc: Located = { original: node.original, startLine: node.startLine, endLine: node.endLine };
  const args = node.args;
  const flags = new Flags(node.flags);
  switch (node.instruction.toLowerCase()) {
    case "env":
      flags.parse();
      return { kind: "ENV", env: keyValues(args, "ENV"), ...loc };
    case "maintainer":
      if (args.length !== 1) throw errExactlyOne("MAINTAINER");
      flags.parse();
      return { kind: "MAINTAINER", maintainer: args[0]!, ...loc };
    case "label":
      flags.parse();
      return { kind: "LABEL", labels: keyValues(args, "LABEL"), ...loc };
    case "add": {
      if (args.length < 2) throw errNoDest("ADD");
      flags.string("chown").string("chmod").bool("link").bool("keep-git-dir").string("checksum").bool("unpack").strings("exclude").parse();
      return {
        kind: "ADD",
        ...sourcesAndDest(node, "ADD"),
        chown: flags.get("chown"),
        chmod: flags.get("chmod"),
        link: flags.isTrue("link"),
        excludes: flags.list("exclude"),
        checksum: flags.get("checksum"),
        ...(flags.used.has("keep-git-dir") ? { keepGitDir: flags.isTrue("keep-git-dir") } : {}),
        ...(flags.used.has("unpack") ? { unpack: flags.isTrue("unpack") } : {}),
        ...loc,
      };
    }
    case "copy": {
      if (args.length < 2) throw errNoDest("COPY");
      flags.string("chown").string("from").string("chmod").bool("link").strings("exclude").bool("parents").parse();
      return {
        kind: "COPY",
        ...sourcesAndDest(node, "COPY"),
        from: flags.get("from"),
        chown: flags.get("chown"),
        chmod: flags.get("chmod"),
        link: flags.isTrue("link"),
        parents: flags.isTrue("parents"),
        excludes: flags.list("exclude"),
        ...loc,
      };
    }
    case "from":
      return parseFrom(node, flags, loc);
    case "onbuild":
      return parseOnBuild(node, flags, loc);
    case "workdir":
      if (args.length !== 1) throw errExactlyOne("WORKDIR");
      flags.parse();
      return { kind: "WORKDIR", path: args[0]!, ...loc };
    case "run":
      return parseRun(node, flags, loc);
    case "cmd":
      flags.parse();
      return { kind: "CMD", ...commandLine(node, false), ...loc };
    case "entrypoint":
      flags.parse();
      return { kind: "ENTRYPOINT", ...commandLine(node, true), ...loc };
    case "healthcheck":
      return parseHealthcheck(node, flags, loc);
    case "expose":
      if (args.length === 0) throw errAtLeastOne("EXPOSE");
      flags.parse();
      // Sorted as strings, as BuildKit sorts them (and as the history shows them).
      return { kind: "EXPOSE", ports: [...args].sort(goStringCompare), ...loc };
    case "user":
      if (args.length !== 1) throw errExactlyOne("USER");
      flags.parse();
      return { kind: "USER", user: args[0]!, ...loc };
    case "volume": {
      if (args.length === 0) throw errAtLeastOne("VOLUME");
      flags.parse();
      const volumes = args.map((v) => v.trim());
      if (volumes.some((v) => v === "")) throw new InstructionError("VOLUME specified can not be an empty string");
      return { kind: "VOLUME", volumes, ...loc };
    }
    case "stopsignal":
      if (args.length !== 1) throw errExactlyOne("STOPSIGNAL");
      // BuildKit never checks flags here and drops them; berth refuses them rather than ignore them.
      flags.parse();
      return { kind: "STOPSIGNAL", signal: args[0]!, ...loc };
    case "arg":
      return parseArg(node, flags, loc);
    case "shell": {
      flags.parse();
      const shell = jsonArgs(node);
      if (shell.length === 0) throw errAtLeastOne("SHELL");
      if (!node.json) throw new InstructionError(`SHELL requires the arguments to be in JSON form`);
      return { kind: "SHELL", shell, ...loc };
    }
  }
  throw new InstructionError(withSuggestion(`unknown instruction: ${node.instruction}`, node.instruction, INSTRUCTIONS, false));
}

/** Go compares strings by bytes; for the ASCII of ports this is code-unit order. */
function goStringCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function keyValues(args: readonly string[], cmd: string): KeyValue[] {
  if (args.length === 0) throw errAtLeastOne(cmd);
  if (args.length % 3 !== 0) throw new InstructionError(`Bad input to ${cmd}, too many arguments`);
  const out: KeyValue[] = [];
  for (let j = 0; j < args.length; j += 3) {
    if (args[j]!.length === 0) throw new InstructionError(`${cmd} names can not be blank`);
    out.push({ key: args[j]!, value: args[j + 1]!, noDelim: args[j + 2] === "" });
  }
  return out;
}

function safeHeredoc(word: string): Heredoc | undefined {
  try {
    return parseHeredoc(word);
  } catch {
    return undefined;
  }
}

function sourcesAndDest(node: DockerfileNode, cmd: string): CopySpec {
  const srcs = node.args.slice(0, -1);
  const dest = node.args[node.args.length - 1]!;
  if (safeHeredoc(dest)) throw new InstructionError(`${cmd} cannot accept a heredoc as a destination`);
  const bodies = new Map(node.heredocs.map((h) => [h.name, h]));
  const sources: string[] = [];
  const contents: SourceContent[] = [];
  for (const src of srcs) {
    const doc = safeHeredoc(src);
    if (!doc) {
      sources.push(src);
      continue;
    }
    let data = bodies.get(doc.name)?.content ?? "";
    if (doc.chomp) data = chompHeredocContent(data);
    contents.push({ path: doc.name, data, expand: doc.expand });
  }
  return { sources, contents, dest, chown: "", chmod: "", link: false, excludes: [] };
}

/** Exec form as given; a shell form's words joined into one string. */
function jsonArgs(node: DockerfileNode): string[] {
  if (node.args.length === 0) return [];
  return node.json ? [...node.args] : [node.args.join(" ")];
}

function commandLine(node: DockerfileNode, emptyAsNil: boolean): CommandLine {
  const files = node.heredocs.map((h) => ({ name: h.name, data: h.content, chomp: h.chomp }));
  const cmdLine = jsonArgs(node);
  return { cmdLine: emptyAsNil && cmdLine.length === 0 ? [] : cmdLine, prependShell: !node.json, files };
}

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

function parseFrom(node: DockerfileNode, flags: Flags, loc: Located): FromInstruction {
  const args = node.args;
  let name = "";
  if (args.length === 3 && args[1]!.toLowerCase() === "as") {
    name = args[2]!.toLowerCase();
    if (!STAGE_NAME.test(name)) {
      throw new InstructionError(`invalid name for build stage: ${goQuote(args[2]!)}, name can't start with a number or contain symbols`);
    }
  } else if (args.length !== 1) throw new InstructionError("FROM requires either one or three arguments");
  flags.string("platform").parse();
  return { kind: "FROM", baseName: args[0]!, name, platform: flags.get("platform"), ...loc };
}

function parseOnBuild(node: DockerfileNode, flags: Flags, loc: Located): Instruction {
  if (node.args.length === 0) throw errAtLeastOne("ONBUILD");
  flags.parse();
  const trigger = node.args[0]!.trim().toUpperCase();
  if (trigger === "ONBUILD") throw new InstructionError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (trigger === "MAINTAINER" || trigger === "FROM") throw new InstructionError(`${trigger} isn't allowed as an ONBUILD trigger`);
  // The trigger is kept as text: a child build parses and runs it in its own context.
  let expression = node.original.replace(/^\s*ONBUILD\s*/i, "");
  for (const doc of node.heredocs) expression += `\n${doc.content}${doc.name}`;
  return { kind: "ONBUILD", expression, trigger, ...loc };
}

function parseRun(node: DockerfileNode, flags: Flags, loc: Located): RunInstruction {
  flags.strings("mount").string("network", "default").string("security", "sandbox").strings("device").parse();
  const network = flags.get("network");
  const security = flags.get("security");
  const mountSpecs = flags.list("mount");
  // Read once without values, as BuildKit does, so a variable in from= is refused at once.
  for (const spec of mountSpecs) parseRunMount(spec);
  const mounts = mountSpecs.some((s) => s.includes("$")) ? undefined : mountSpecs.map((s) => parseRunMount(s, (w) => w));
  if (network !== "default" && network !== "none" && network !== "host")
    throw new InstructionError(`invalid network mode ${goQuote(network)}`);
  if (security !== "sandbox" && security !== "insecure") throw new InstructionError(`security ${goQuote(security)} is not valid`);
  return {
    kind: "RUN",
    ...commandLine(node, false),
    mountSpecs,
    ...(mounts ? { mounts } : {}),
    network,
    security,
    devices: flags.list("device"),
    flagsUsed: [...flags.used],
    ...loc,
  };
}

function parseHealthcheck(node: DockerfileNode, flags: Flags, loc: Located): Instruction {
  if (node.args.length === 0) throw errAtLeastOne("HEALTHCHECK");
  let typ = node.args[0]!.toUpperCase();
  const rest = node.args.slice(1);
  if (typ === "NONE") {
    if (rest.length !== 0) throw new InstructionError("HEALTHCHECK NONE takes no arguments");
    return {
      kind: "HEALTHCHECK",
      health: { test: ["NONE"], interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0 },
      ...loc,
    };
  }
  flags.string("interval").string("timeout").string("start-period").string("start-interval").string("retries").parse();
  if (typ !== "CMD") throw new InstructionError(`Unknown type ${goQuote(typ)} in HEALTHCHECK (try CMD)`);
  const cmd = rest.length === 0 ? [] : node.json ? rest : [rest.join(" ")];
  if (cmd.length === 0) throw new InstructionError("Missing command after HEALTHCHECK CMD");
  if (!node.json) typ = "CMD-SHELL";
  const interval = (name: string): number => {
    const s = flags.get(name);
    if (s === "") return 0;
    let d: number;
    try {
      d = goParseDuration(s);
    } catch (err) {
      throw new InstructionError((err as Error).message);
    }
    if (d === 0) return 0;
    if (d < 1000000) throw new InstructionError(`Interval ${goQuote(name)} cannot be less than 1ms`);
    return d;
  };
  const health = {
    test: [typ, ...cmd],
    interval: interval("interval"),
    timeout: interval("timeout"),
    startPeriod: interval("start-period"),
    startInterval: interval("start-interval"),
    retries: 0,
  };
  const r = flags.get("retries");
  if (r !== "") {
    let retries: number;
    try {
      retries = goParseInt(r, 32);
    } catch (err) {
      throw new InstructionError((err as Error).message);
    }
    if (retries < 0) throw new InstructionError(`--retries cannot be negative (${retries})`);
    health.retries = retries;
  }
  return { kind: "HEALTHCHECK", health, ...loc };
}

function parseArg(node: DockerfileNode, flags: Flags, loc: Located): ArgInstruction {
  if (node.args.length < 1) throw errAtLeastOne("ARG");
  // BuildKit never checks flags on ARG and drops them; berth refuses them rather than ignore them.
  flags.parse();
  const args = node.args.map((arg): ArgDefinition => {
    const eq = arg.indexOf("=");
    if (eq === -1) return { key: arg };
    if (eq === 0) throw new InstructionError("ARG names can not be blank");
    return { key: arg.slice(0, eq), value: arg.slice(eq + 1) };
  });
  return { kind: "ARG", args, ...loc };
}
