// Bytes under a directory as Docker counts a layer's size: file and symlink sizes, each inode once.
import * as fs from "node:fs";

export function treeSize(dir: string): number {
  let total = 0;
  const seen = new Set<string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory()) {
        walk(p);
        continue;
      }
      const st = fs.lstatSync(p);
      const key = `${st.dev}:${st.ino}`;
      if (st.nlink > 1 && seen.has(key)) continue;
      seen.add(key);
      total += st.size;
    }
  };
  try {
    walk(dir);
  } catch {
    /* a tree that changes under us counts what was read */
  }
  return total;
}
