// Private scratch directories under <root>/tmp, named after the process that owns them so that a
// later process can tell a live one from the leftovers of one killed halfway through.
import * as fs from "node:fs";
import { processStartTime } from "../sys/process-start-time.js";

export interface WorkDir {
  readonly path: string;
  /** The directory's name under the store's tmp dir: the owner's pid and start time, and a random word. */
  readonly name: string;
  /** A fresh path inside the work dir (not created). */
  child(prefix: string): string;
  remove(): void;
}

/** `discard` deletes the work dir by name; it must not throw (a cleanup that fails is reported, not raised). */
export function createWorkDir(tmpRoot: string, discard: (name: string) => void): WorkDir {
  const work = plannedWorkDir(tmpRoot, discard);
  fs.mkdirSync(work.path, { recursive: true, mode: 0o700 });
  return work;
}

/**
 * A work dir named but not made: for a user that may never need it and makes it (mkdir -p) when it
 * does, as a write transaction's trash does on its first move. Removing it when it was never made
 * is a no-op.
 */
export function plannedWorkDir(tmpRoot: string, discard: (name: string) => void): WorkDir {
  // The pid and start time tell the owner; the random word only keeps two dirs of one process
  // apart (and processes in different pid namespaces): uniqueness, not secrecy, so Math.random.
  const word = Math.floor(Math.random() * 2 ** 32)
    .toString(16)
    .padStart(8, "0");
  const name = `${process.pid}.${processStartTime(process.pid) ?? "0"}.${word}`;
  const path = `${tmpRoot}/${name}`;
  let n = 0;
  return {
    path,
    name,
    child: (prefix) => `${path}/${prefix}-${n++}`,
    remove: () => discard(name),
  };
}

/** True when the process that made this work dir is gone (or the name is not one of ours). */
export function isAbandoned(name: string): boolean {
  const [pid, start] = name.split(".");
  if (!pid || !/^\d+$/.test(pid)) return true;
  return processStartTime(Number(pid)) !== start;
}
