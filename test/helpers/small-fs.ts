// Small file systems a test makes for itself: a size-limited tmpfs mounted under the test's own
// temp dir (so that TempRoot.cleanup unmounts it, even when the test fails), filled to the last
// byte or remounted read-only. Never the machine's own disk.
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";

function mount(args: readonly string[]): void {
  const r = spawnSync("mount", args);
  if (r.status !== 0) throw new Error(`mount ${args.join(" ")}: ${r.stderr.toString().trim()}`);
}

/** A tmpfs of `bytes` at `dir` (made if missing). */
export function mountSmallFs(dir: string, bytes: number): void {
  fs.mkdirSync(dir, { recursive: true });
  mount(["-t", "tmpfs", "-o", `size=${bytes},mode=0755`, "tmpfs", dir]);
}

export function remountReadOnly(dir: string): void {
  mount(["-o", "remount,ro", dir]);
}

export function remountWritable(dir: string): void {
  mount(["-o", "remount,rw", dir]);
}

/** Bytes that may still be written on `dir`'s file system (root may use them all). */
export function freeBytes(dir: string): number {
  const st = fs.statfsSync(dir);
  return st.bfree * st.bsize;
}

/**
 * Fills `dir`'s file system with one file until only `leave` bytes are free (none: until a write
 * of a single byte fails with ENOSPC). Returns the file's path: removing it frees the space.
 */
export function fillUp(dir: string, leave = 0): string {
  const path = `${dir}/filler`;
  const fd = fs.openSync(path, "a");
  try {
    const chunk = Buffer.alloc(64 * 1024, 0xa5);
    for (let size = chunk.length; size >= 1; size = Math.floor(size / 2)) {
      for (;;) {
        const room = freeBytes(dir) - leave;
        if (room <= 0) return path;
        try {
          fs.writeSync(fd, chunk, 0, Math.min(size, room));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
          break;
        }
      }
    }
    return path;
  } finally {
    fs.closeSync(fd);
  }
}
