// Directory chains deeper than PATH_MAX, made without chdir: chunks short enough to name by
// absolute path, each renamed into the bottom of the next (a rename moves a whole subtree).
import * as fs from "node:fs";
import { posix } from "node:path";

const CHUNK = 1000;

/** Makes `parent/d/d/…/d`, `depth` directories deep, with a file `bottom` in the deepest one. */
export function makeDeepTree(parent: string, depth: number): void {
  let carried: string | undefined;
  let left = depth;
  for (let k = 0; left > 0; k++) {
    const n = Math.min(CHUNK, left);
    const holder = `${parent}/.deep-${k}`;
    const deepest = holder + "/d".repeat(n);
    fs.mkdirSync(deepest, { recursive: true });
    if (carried) {
      fs.renameSync(carried, `${deepest}/d`);
      fs.rmdirSync(posix.dirname(carried));
    } else {
      fs.writeFileSync(`${deepest}/bottom`, "the end\n");
    }
    carried = `${holder}/d`;
    left -= n;
  }
  if (!carried) return;
  fs.renameSync(carried, `${parent}/d`);
  fs.rmdirSync(posix.dirname(carried));
}
