// Which process a pid names: pids are reused, so a pid recorded earlier is checked with the start time
// recorded beside it.
import * as fs from "node:fs";

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
