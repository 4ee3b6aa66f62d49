// Which arguments of which instruction are expanded, and how, when a stage reaches them (BuildKit's
// dispatch: SupportsSingleWordExpansion and friends). RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK,
// ONBUILD and MAINTAINER are never expanded here: a shell (or nobody) sees their text as written.
import { ShellLex, type EnvLookup } from "./shell-lex.js";
import type { ArgInstruction, Instruction } from "./instructions.js";
import { parseRunMount } from "./run-mount.js";

export interface Expanded<T> {
  readonly instruction: T;
  /** Names the expansion found: part of a step's cache key. */
  readonly used: ReadonlySet<string>;
}

/**
 * Expands an instruction's arguments with a stage's variables (its image's Env, ENV and ARGs so far).
 * Every argument is expanded against the same variables, so `ENV a=1 b=$a` sees the old `a`, as in
 * BuildKit. Throws ShellLexError (or a mount's error) with BuildKit's words.
 */
export function expandInstruction<T extends Instruction>(instr: T, env: EnvLookup, escapeToken: string): Expanded<T> {
  const used = new Set<string>();
  const lex = new ShellLex(escapeToken);
  const word = (w: string): string => {
    const r = lex.processWord(w, env);
    for (const n of r.matched) used.add(n);
    return r.result;
  };
  // Heredoc bodies keep their quotes: only variables change, with backslash as the escape.
  const raw = new ShellLex("\\", { skipProcessQuotes: true });
  const body = (w: string): string => {
    const r = raw.processWord(w, env);
    for (const n of r.matched) used.add(n);
    return r.result;
  };
  const i = instr as Instruction;
  let out: Instruction;
  switch (i.kind) {
    case "ENV":
      out = { ...i, env: i.env.map((kv) => ({ key: word(kv.key), value: word(kv.value), noDelim: kv.noDelim })) };
      break;
    case "LABEL":
      out = { ...i, labels: i.labels.map((kv) => ({ key: word(kv.key), value: word(kv.value), noDelim: kv.noDelim })) };
      break;
    case "ADD":
      out = {
        ...i,
        chown: word(i.chown),
        chmod: word(i.chmod),
        checksum: word(i.checksum),
        sources: i.sources.map(word),
        dest: word(i.dest),
        contents: i.contents.map((c) => (c.expand ? { ...c, data: body(c.data) } : c)),
      };
      break;
    case "COPY":
      out = {
        ...i,
        chown: word(i.chown),
        chmod: word(i.chmod),
        sources: i.sources.map(word),
        dest: word(i.dest),
        contents: i.contents.map((c) => (c.expand ? { ...c, data: body(c.data) } : c)),
      };
      break;
    case "WORKDIR":
      out = { ...i, path: word(i.path) };
      break;
    case "USER":
      out = { ...i, user: word(i.user) };
      break;
    case "VOLUME":
      out = { ...i, volumes: i.volumes.map(word) };
      break;
    case "STOPSIGNAL":
      out = { ...i, signal: word(i.signal) };
      break;
    case "EXPOSE":
      // EXPOSE splits after expansion: `EXPOSE $PORTS` with PORTS="80 443" exposes two ports.
      out = {
        ...i,
        ports: i.ports.flatMap((p) => {
          const r = lex.processWord(p, env);
          for (const n of r.matched) used.add(n);
          return r.words;
        }),
      };
      break;
    case "RUN":
      out = { ...i, mounts: i.mountSpecs.map((s) => parseRunMount(s, word)) };
      break;
    default:
      out = i;
  }
  return { instruction: out as T, used };
}

export interface ArgValue {
  readonly key: string;
  /** undefined: declared without a value anywhere, so the name stays unset. */
  readonly value?: string;
}

export interface ArgContext {
  /** --build-arg values; an undefined value counts as not given. */
  readonly buildArgs: ReadonlyMap<string, string | undefined>;
  /** The global scope: predefined platform ARGs and the ARGs before the first FROM. */
  readonly globalArgs: EnvLookup;
  /** The stage's variables before this ARG. */
  readonly env: EnvLookup;
  readonly escapeToken: string;
}

/**
 * The values an ARG gives inside a stage, in BuildKit's order of precedence: a --build-arg, else
 * the default (expanded with the stage's variables), else the global ARG of that name.
 */
export function resolveArgs(instr: ArgInstruction, ctx: ArgContext): ArgValue[] {
  const lex = new ShellLex(ctx.escapeToken);
  const out: ArgValue[] = [];
  // Later ARGs of one instruction see the earlier ones, as each is added to the stage in turn.
  const local = new Map<string, string>();
  const env: EnvLookup = { get: (n) => local.get(n) ?? ctx.env.get(n) };
  for (const arg of instr.args) {
    const given = ctx.buildArgs.get(arg.key);
    let value: string | undefined;
    if (given !== undefined) value = given;
    else if (arg.value !== undefined) value = lex.processWord(arg.value, env).result;
    else value = ctx.globalArgs.get(arg.key);
    if (value !== undefined) local.set(arg.key, value);
    out.push(value === undefined ? { key: arg.key } : { key: arg.key, value });
  }
  return out;
}

/**
 * The proxy variables every RUN gets from --build-arg without declaring them. They stay out of the
 * image's history and the cache key unless an ARG declares them. As in BuildKit, a build arg of any
 * case (Http_Proxy) sets both the upper- and the lower-case variable, and an empty one sets none.
 */
export const PROXY_ARGS = ["HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY"] as const;

export function proxyEnv(buildArgs: ReadonlyMap<string, string | undefined>): [string, string][] {
  const values = new Map<string, string>();
  for (const [key, value] of buildArgs) {
    const name = PROXY_ARGS.find((p) => p === key.toUpperCase());
    if (name && value !== undefined) values.set(name, value);
  }
  const out: [string, string][] = [];
  for (const name of PROXY_ARGS) {
    const v = values.get(name);
    if (v) out.push([name, v], [name.toLowerCase(), v]);
  }
  return out;
}
