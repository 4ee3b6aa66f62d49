// Private scratch directories under <root>/tmp, named after the process that owns them so that a
// later process can tell a live one from the leftovers of one killed halfway through.
import * as fs from "node:fs";
import { randomBytes } from "node:crypto";

export interface WorkDir {
  readonly path: string;
  /** The directory's name under the store's tmp dir: the owner's pid and start time, and a random word. */
  readonly name: string;
  /** A fresh path inside the work dir (not created). */
  child(prefix: string): string;
  remove(): void;
}

/**
 * A live process's start time (which tells it from a later one with the same pid), or undefined
 * when there is none. A zombie is no longer live: it has ended and waits only for its parent (or an
 * init that reaps slowly) to collect its exit status.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields 3 (state) and 22 (starttime), counted after the ")" that closes the command name, which may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z" || fields[0] === "X") return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

/** `discard` deletes the work dir by name; it must not throw (a cleanup that fails is reported, not raised). */
export function createWorkDir(tmpRoot: string, discard: (name: string) => void): WorkDir {
  const name = `${process.pid}.${processStartTime(process.pid) ?? "0"}.${randomBytes(4).toString("hex")}`;
  const path = `${tmpRoot}/${name}`;
  fs.mkdirSync(path, { recursive: true, mode: 0o700 });
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
