// Dockerfile instructions as `import -c` and `commit -c` accept them, applied to a container config.
// Words of ENV, LABEL, EXPOSE, VOLUME, USER, WORKDIR and STOPSIGNAL are expanded against the
// environment the config has when the instruction comes (the inherited one, then earlier changes),
// as Docker's builder does; CMD, ENTRYPOINT, HEALTHCHECK and ONBUILD keep their text.
import { posix } from "node:path";
import { InvalidArgumentError } from "../errors.js";
import type { ContainerConfig, HealthConfig } from "./config.js";
import { parseGoDuration } from "./go-duration.js";
import { processWord } from "./shell-words.js";

/** Docker's list (builder/dockerfile validCommitCommands). */
const CHANGE_COMMANDS = new Set([
  "cmd",
  "entrypoint",
  "healthcheck",
  "env",
  "expose",
  "label",
  "onbuild",
  "stopsignal",
  "user",
  "volume",
  "workdir",
]);

/** Returns a new config with every change applied in order; the input is not modified. */
export function applyChanges(base: ContainerConfig, changes: readonly string[]): ContainerConfig {
  const config: ContainerConfig = structuredClone(base);
  for (const change of changes) {
    const lines = splitInstructions(change);
    if (lines.length === 0) throw new InvalidArgumentError("file with no instructions");
    for (const line of lines) applyInstruction(config, line);
  }
  return config;
}

/** A change may hold several instructions, one a line, with `\` continuations as in a Dockerfile. */
function splitInstructions(text: string): string[] {
  return text
    .replace(/\\\r?\n/g, "")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
}

function applyInstruction(config: ContainerConfig, line: string): void {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(line);
  const keyword = (match?.[1] ?? "").toLowerCase();
  const rest = (match?.[2] ?? "").trim();
  if (!CHANGE_COMMANDS.has(keyword)) throw new InvalidArgumentError(`${keyword} is not a valid change command`);
  switch (keyword) {
    case "cmd":
      config.Cmd = parseCommand(rest);
      return;
    case "entrypoint":
      config.Entrypoint = parseCommand(rest);
      return;
    case "env":
      config.Env = mergeEnv(config.Env ?? [], expandPairs(parseKeyValues(rest, "ENV"), config.Env ?? []));
      return;
    case "label":
      config.Labels = { ...(config.Labels ?? {}), ...Object.fromEntries(expandPairs(parseKeyValues(rest, "LABEL"), config.Env ?? [])) };
      return;
    case "expose":
      config.ExposedPorts = { ...(config.ExposedPorts ?? {}) };
      for (const port of splitOnSpace(rest)
        .map((w) => processWord(w, config.Env ?? []))
        .flatMap(expandPorts))
        config.ExposedPorts[port] = {};
      return;
    case "volume":
      config.Volumes = { ...(config.Volumes ?? {}) };
      for (const raw of tryJsonArray(rest) ?? splitOnSpace(rest)) {
        const volume = processWord(raw, config.Env ?? []);
        if (!volume) throw new InvalidArgumentError("VOLUME specified can not be an empty string");
        config.Volumes[volume] = {};
      }
      return;
    case "workdir": {
      if (!rest) throw new InvalidArgumentError("WORKDIR requires exactly one argument");
      const dir = processWord(rest, config.Env ?? []);
      if (!dir) throw new InvalidArgumentError("cannot normalize nothing");
      config.WorkingDir = posix.isAbsolute(dir) ? posix.normalize(dir) : posix.join(config.WorkingDir || "/", dir);
      return;
    }
    case "user":
      if (!rest) throw new InvalidArgumentError("USER requires exactly one argument");
      config.User = processWord(rest, config.Env ?? []);
      return;
    case "stopsignal":
      if (!rest) throw new InvalidArgumentError("STOPSIGNAL requires exactly one argument");
      config.StopSignal = processWord(rest, config.Env ?? []);
      return;
    case "onbuild": {
      const trigger = /^(\S+)/.exec(rest)?.[1]?.toUpperCase() ?? "";
      if (!trigger) throw new InvalidArgumentError("ONBUILD requires at least one argument");
      if (trigger === "ONBUILD") throw new InvalidArgumentError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      if (trigger === "FROM" || trigger === "MAINTAINER") throw new InvalidArgumentError(`${trigger} isn't allowed as an ONBUILD trigger`);
      config.OnBuild = [...(config.OnBuild ?? []), rest];
      return;
    }
    case "healthcheck":
      config.Healthcheck = parseHealthcheck(rest);
      return;
  }
}

/** JSON (exec) form when the text is a JSON array of strings, else shell form through /bin/sh -c. */
function parseCommand(text: string): string[] {
  const json = tryJsonArray(text);
  if (json) return json;
  return ["/bin/sh", "-c", text];
}

function tryJsonArray(text: string): string[] | undefined {
  if (!text.startsWith("[")) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as string[];
  } catch {
    /* not JSON: Docker falls back to the shell form */
  }
  return undefined;
}

/**
 * `K=V K2="v 2"` pairs, or the legacy `K value with spaces` form, still quoted: Docker's parser
 * splits first and expands each key and value afterwards (so `B=$A` in the same ENV sees the
 * environment from before it).
 */
function parseKeyValues(text: string, instruction: string): [string, string][] {
  const words = splitWords(text);
  if (words.length === 0) throw new InvalidArgumentError(`${instruction} requires at least one argument`);
  if (!words[0]!.includes("=")) {
    const legacy = /^(\S+)\s+([\s\S]+)$/.exec(text);
    if (!legacy) throw new InvalidArgumentError(`${instruction} must have two arguments`);
    return [[legacy[1]!, legacy[2]!.trim()]];
  }
  return words.map((word) => {
    const eq = word.indexOf("=");
    if (eq === -1)
      throw new InvalidArgumentError(`Syntax error - can't find = in ${JSON.stringify(word)}. Must be of the form: name=value`);
    if (eq === 0) throw new InvalidArgumentError(`${instruction} names can not be blank`);
    return [word.slice(0, eq), word.slice(eq + 1)];
  });
}

function expandPairs(pairs: readonly [string, string][], env: readonly string[]): [string, string][] {
  return pairs.map(([key, value]) => [processWord(key, env), processWord(value, env)]);
}

/**
 * Splits on white space outside quotes, keeping quotes and escapes in the words for processWord
 * (the Dockerfile parser's parseWords): `a="x y" b` is two words, `a="x y"` and `b`.
 */
function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let blankOk = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === "\\" && quote === '"') {
        // Inside "…" the escape keeps the next character in the word; inside '…' nothing is escaped.
        if (i + 1 < text.length) word += ch + text[++i];
        continue;
      }
      word += ch;
      if (ch === quote) quote = undefined;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inWord && (blankOk || word)) words.push(word);
      word = "";
      inWord = false;
      blankOk = false;
      continue;
    }
    inWord = true;
    if (ch === '"' || ch === "'") {
      quote = ch;
      blankOk = true;
      word += ch;
    } else if (ch === "\\") {
      // An escape at the very end of the line is dropped; otherwise it stays with its character.
      if (i + 1 < text.length) word += ch + text[++i];
    } else {
      word += ch;
    }
  }
  if (inWord && (blankOk || word)) words.push(word);
  return words;
}

/** EXPOSE and VOLUME words: Docker splits them on white space alone, before any quote removal. */
function splitOnSpace(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

function mergeEnv(env: readonly string[], pairs: readonly [string, string][]): string[] {
  const result = [...env];
  for (const [key, value] of pairs) {
    const at = result.findIndex((e) => e.split("=", 1)[0] === key);
    if (at >= 0) result[at] = `${key}=${value}`;
    else result.push(`${key}=${value}`);
  }
  return result;
}

/** `80`, `80/udp`, `8000-8002/tcp` as Docker's nat.ParsePortSpecs expands them. */
function expandPorts(spec: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  if (!m) throw new InvalidArgumentError(`invalid containerPort: ${spec}`);
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  const proto = (m[3] ?? "tcp").toLowerCase();
  if (start < 1 || end > 65535 || end < start) throw new InvalidArgumentError(`invalid range specified for container port: ${spec}`);
  const ports: string[] = [];
  for (let p = start; p <= end; p++) ports.push(`${p}/${proto}`);
  return ports;
}

function parseHealthcheck(text: string): HealthConfig {
  if (/^none$/i.test(text)) return { Test: ["NONE"] };
  const health: HealthConfig = {};
  let rest = text;
  for (;;) {
    const flag = /^--(interval|timeout|start-period|retries)=(\S+)\s*/.exec(rest);
    if (!flag) break;
    const [, name, value] = flag;
    if (name === "retries") health.Retries = Number(value);
    else if (name === "interval") health.Interval = parseGoDuration(value!);
    else if (name === "timeout") health.Timeout = parseGoDuration(value!);
    else health.StartPeriod = parseGoDuration(value!);
    rest = rest.slice(flag[0].length);
  }
  const cmd = /^CMD\s+([\s\S]+)$/i.exec(rest);
  if (!cmd) throw new InvalidArgumentError("Unknown type for HEALTHCHECK: " + (rest.split(/\s/)[0] ?? ""));
  const json = tryJsonArray(cmd[1]!.trim());
  health.Test = json ? ["CMD", ...json] : ["CMD-SHELL", cmd[1]!.trim()];
  return health;
}
