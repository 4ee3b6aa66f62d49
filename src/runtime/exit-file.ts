// conmon's record of how a container ended. conmon 2.1.6 (src/conmon.c, end of main) writes the exit
// status as decimal text to `<--exit-dir>/<cid>` and `<--persist-dir>/exit` with
// g_file_set_contents, i.e. a temp file renamed into place: a reader never sees a half-written file,
// and the file's mtime is the moment conmon saw the process die. A process killed by signal N is
// reported as 128+N (ctr_exit.c get_exit_status); -1 means conmon could not tell.
// On an OOM kill it also creates `<--persist-dir>/oom` (cgroup.c write_oom_files).
import * as fs from "node:fs";
import { join } from "node:path";
import { CancelledError } from "../errors.js";

export interface ExitInfo {
  code: number;
  exitedAt: Date;
}

export function readExit(exitDir: string, id: string): ExitInfo | undefined {
  const path = join(exitDir, id);
  let text: string;
  let stat: fs.Stats;
  try {
    text = fs.readFileSync(path, "utf8");
    stat = fs.statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  // Anything but a whole number is not conmon's (a file being replaced by hand, say): no exit yet.
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) return undefined;
  return { code: Number(trimmed), exitedAt: stat.mtime };
}

/** Whether conmon saw the container's memory cgroup report an OOM kill. */
export function oomKilled(persistDir: string): boolean {
  return fs.existsSync(join(persistDir, "oom"));
}

/**
 * Resolves once the exit file exists. Watches the directory (conmon's rename shows up as an event
 * naming the file) and polls as well, because inotify misses events on some filesystems and the
 * directory may not exist yet when we start.
 */
export function waitExit(exitDir: string, id: string, opts: { signal?: AbortSignal; pollMs?: number } = {}): Promise<ExitInfo> {
  const now = readExit(exitDir, id);
  if (now) return Promise.resolve(now);
  const { signal } = opts;
  if (signal?.aborted) return Promise.reject(new CancelledError("wait cancelled", { cause: signal.reason }));

  return new Promise((resolve, reject) => {
    let watcher: fs.FSWatcher | undefined;
    const check = (): void => {
      let info: ExitInfo | undefined;
      try {
        info = readExit(exitDir, id);
      } catch (err) {
        finish();
        reject(err);
        return;
      }
      if (info) {
        finish();
        resolve(info);
      }
    };
    const onAbort = (): void => {
      finish();
      reject(new CancelledError("wait cancelled", { cause: signal?.reason }));
    };
    const timer = setInterval(check, opts.pollMs ?? 250);
    const finish = (): void => {
      clearInterval(timer);
      watcher?.close();
      signal?.removeEventListener("abort", onAbort);
    };
    try {
      watcher = fs.watch(exitDir, (_event, name) => {
        if (name === null || String(name) === id) check();
      });
      watcher.on("error", () => undefined); // the poll carries on
    } catch {
      watcher = undefined;
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    // The file may have appeared between the first read and the watch.
    check();
  });
}
