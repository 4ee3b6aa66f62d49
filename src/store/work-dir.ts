// Private scratch directories under <root>/tmp, named after the process that owns them so that a
// later process can tell a live one from the leftovers of one killed halfway through.
import * as fs from "node:fs";
import { randomBytes } from "node:crypto";
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
