// --ulimit into the spec's rlimits, with Docker's names and words, clamped to the engine's own
// hard limits read from /proc/self/limits.
import { InvalidArgumentError } from "../../errors.js";
import type { BuildOciSpecOptions } from "./spec-input.js";

const ULIMIT_NAMES = new Set([
  "as",
  "core",
  "cpu",
  "data",
  "fsize",
  "locks",
  "memlock",
  "msgqueue",
  "nice",
  "nofile",
  "nproc",
  "rss",
  "rtprio",
  "rttime",
  "sigpending",
  "stack",
]);

/**
 * --ulimit → RLIMIT_*, clamped to the engine's own hard limit: without CAP_SYS_RESOURCE runc's
 * setrlimit fails above it ("error setting rlimit type 7: operation not permitted" from Docker
 * here), and these hosts never grant 1048576 (DESIGN.md). Unlimited stays -1 only if the host's
 * hard limit is unlimited too.
 */
export function toRlimit(
  u: { name: string; soft: number; hard: number },
  hostRlimits: BuildOciSpecOptions["hostRlimits"],
): { type: string; hard: number; soft: number } {
  if (!ULIMIT_NAMES.has(u.name)) throw new InvalidArgumentError(`invalid ulimit type: ${u.name}`);
  const soft = u.soft < 0 ? Infinity : u.soft;
  const requestedHard = u.hard < 0 ? Infinity : u.hard;
  if (soft > requestedHard) {
    throw new InvalidArgumentError(`ulimit soft limit must be less than or equal to hard limit: ${u.soft} > ${u.hard}`);
  }
  const hard = Math.min(requestedHard, hostRlimits?.[u.name] ?? Infinity);
  const finite = (n: number) => (n === Infinity ? -1 : n);
  return { type: `RLIMIT_${u.name.toUpperCase()}`, hard: finite(hard), soft: finite(Math.min(soft, hard)) };
}

/** Names /proc/self/limits uses, by Docker's ulimit names. */
const PROC_LIMIT_NAMES: Readonly<Record<string, string>> = {
  "Max cpu time": "cpu",
  "Max file size": "fsize",
  "Max data size": "data",
  "Max stack size": "stack",
  "Max core file size": "core",
  "Max resident set": "rss",
  "Max processes": "nproc",
  "Max open files": "nofile",
  "Max locked memory": "memlock",
  "Max address space": "as",
  "Max file locks": "locks",
  "Max pending signals": "sigpending",
  "Max msgqueue size": "msgqueue",
  "Max nice priority": "nice",
  "Max realtime priority": "rtprio",
  "Max realtime timeout": "rttime",
};

/** Hard limits from the text of /proc/self/limits, for BuildOciSpecOptions.hostRlimits. */
export function parseProcLimits(text: string): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const match = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    const name = match?.[1] === undefined ? undefined : PROC_LIMIT_NAMES[match[1]];
    const hard = match?.[3];
    if (name === undefined || hard === undefined) continue;
    limits[name] = hard === "unlimited" ? Infinity : Number(hard);
  }
  return limits;
}
