// The JavaScript entry of this checkout's CLI, for the processes berth leaves running beside a
// container (conmon's exit command, the health monitor): they run on this process's Node, not
// through bin/berth's shell launcher. This module runs from dist/src/engine/containers/ (tsc's
// output, as the tests load it), from dist/cli/ (the CLI's bundle) or from src/ under a loader:
// the entry is bin/berth.js of the first directory above that has one.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findEntry(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const entry = join(dir, "bin", "berth.js");
    if (existsSync(entry)) return entry;
    if (dirname(dir) === dir) throw new Error(`no bin/berth.js above ${from}`);
  }
}

export const BERTH_ENTRY = findEntry(dirname(fileURLToPath(import.meta.url)));
