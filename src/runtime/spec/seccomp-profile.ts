// Docker-format seccomp profiles (moby v20.10.24 profiles/seccomp/seccomp.go): read from a file
// and validated from untyped JSON into typed rules, with Docker's words for a bad profile.
import * as fs from "node:fs";
import { InvalidArgumentError, UnavailableError } from "../../errors.js";
import type { OciSeccompArg } from "./runtime-spec.js";

/** A profile file's JSON, not yet validated; a missing default profile says how to install it. */
export function readSeccompProfile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new UnavailableError(
        `default seccomp profile ${file} not found: install it with \`apt-get install -y golang-github-containers-common\`, ` +
          "or run with --security-opt seccomp=unconfined",
      );
    }
    throw new UnavailableError(`reading seccomp profile ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`Decoding seccomp profile failed: ${(err as Error).message}`, { cause: err });
  }
}

/** The shape of a Docker seccomp profile (profiles/seccomp/seccomp.go), after validation. */
export interface DockerSeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures: string[] }[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls: DockerSyscallRule[];
}
export interface DockerSyscallRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args: OciSeccompArg[];
  includes: SeccompFilter;
  excludes: SeccompFilter;
}
export interface SeccompFilter {
  caps: string[];
  arches: string[];
  minKernel?: [number, number];
}

/** "<kernel>.<major>[anything]" → [kernel, major]; only these two count, as in moby. */
export function parseKernelVersion(text: string, what: string): [number, number] {
  const match = /^(\d+)\.(\d+)/.exec(text);
  if (!match) throw new InvalidArgumentError(`invalid ${what}: ${JSON.stringify(text)}, expected "<kernel>.<major>"`);
  return [Number(match[1]), Number(match[2])];
}

// Validation of the untyped profile JSON. Unknown fields (comment, containers-common's "errno"
// names) are ignored, as Go's json.Unmarshal ignores them.

export function parseDockerProfile(raw: unknown): DockerSeccompProfile {
  const obj = asObject(raw, "profile");
  const p: DockerSeccompProfile = {
    defaultAction: optionalString(obj.defaultAction, "defaultAction") ?? "",
    syscalls: optionalArray(obj.syscalls, "syscalls").map((s, i) => parseSyscallRule(s, `syscalls[${i}]`)),
  };
  const defaultErrnoRet = optionalNumber(obj.defaultErrnoRet, "defaultErrnoRet");
  if (defaultErrnoRet !== undefined) p.defaultErrnoRet = defaultErrnoRet;
  if (obj.architectures != null) p.architectures = stringArray(obj.architectures, "architectures");
  if (obj.archMap != null) {
    p.archMap = optionalArray(obj.archMap, "archMap").map((a, i) => {
      const entry = asObject(a, `archMap[${i}]`);
      return {
        architecture: optionalString(entry.architecture, `archMap[${i}].architecture`) ?? "",
        subArchitectures: entry.subArchitectures == null ? [] : stringArray(entry.subArchitectures, `archMap[${i}].subArchitectures`),
      };
    });
  }
  if (obj.flags != null) p.flags = stringArray(obj.flags, "flags");
  const listenerPath = optionalString(obj.listenerPath, "listenerPath");
  if (listenerPath) p.listenerPath = listenerPath;
  const listenerMetadata = optionalString(obj.listenerMetadata, "listenerMetadata");
  if (listenerMetadata) p.listenerMetadata = listenerMetadata;
  return p;
}

function parseSyscallRule(raw: unknown, where: string): DockerSyscallRule {
  const obj = asObject(raw, where);
  const name = optionalString(obj.name, `${where}.name`) ?? "";
  const names = obj.names == null ? [] : stringArray(obj.names, `${where}.names`);
  if (name !== "" && names.length > 0) {
    throw new InvalidArgumentError("'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'");
  }
  const rule: DockerSyscallRule = {
    names: name !== "" ? [name] : names,
    action: optionalString(obj.action, `${where}.action`) ?? "",
    args: optionalArray(obj.args, `${where}.args`).map((a, i) => parseArg(a, `${where}.args[${i}]`)),
    includes: parseFilter(obj.includes, `${where}.includes`),
    excludes: parseFilter(obj.excludes, `${where}.excludes`),
  };
  const errnoRet = optionalNumber(obj.errnoRet, `${where}.errnoRet`);
  if (errnoRet !== undefined) rule.errnoRet = errnoRet;
  return rule;
}

function parseArg(raw: unknown, where: string): OciSeccompArg {
  const obj = asObject(raw, where);
  const arg: OciSeccompArg = {
    index: optionalNumber(obj.index, `${where}.index`) ?? 0,
    value: optionalNumber(obj.value, `${where}.value`) ?? 0,
    op: optionalString(obj.op, `${where}.op`) ?? "",
  };
  const valueTwo = optionalNumber(obj.valueTwo, `${where}.valueTwo`);
  if (valueTwo) arg.valueTwo = valueTwo; // runtime-spec omits a zero valueTwo
  return arg;
}

function parseFilter(raw: unknown, where: string): SeccompFilter {
  if (raw == null) return { caps: [], arches: [] };
  const obj = asObject(raw, where);
  const filter: SeccompFilter = {
    caps: obj.caps == null ? [] : stringArray(obj.caps, `${where}.caps`),
    arches: obj.arches == null ? [] : stringArray(obj.arches, `${where}.arches`),
  };
  const minKernel = optionalString(obj.minKernel, `${where}.minKernel`);
  if (minKernel) filter.minKernel = parseKernelVersion(minKernel, "kernel version");
  return filter;
}

function profileError(where: string, expected: string): InvalidArgumentError {
  return new InvalidArgumentError(`Decoding seccomp profile failed: ${where}: expected ${expected}`);
}

function asObject(raw: unknown, where: string): Record<string, unknown> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw profileError(where, "an object");
  return raw as Record<string, unknown>;
}

function optionalString(raw: unknown, where: string): string | undefined {
  if (raw == null) return undefined;
  if (typeof raw !== "string") throw profileError(where, "a string");
  return raw;
}

function optionalNumber(raw: unknown, where: string): number | undefined {
  if (raw == null) return undefined;
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 0) throw profileError(where, "an unsigned integer");
  return raw;
}

function optionalArray(raw: unknown, where: string): unknown[] {
  if (raw == null) return [];
  if (!Array.isArray(raw)) throw profileError(where, "an array");
  return raw;
}

function stringArray(raw: unknown, where: string): string[] {
  const arr = optionalArray(raw, where);
  if (!arr.every((s) => typeof s === "string")) throw profileError(where, "an array of strings");
  return arr as string[];
}
