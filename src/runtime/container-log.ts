// Reading conmon's k8s-file log (conmon 2.1.6 src/ctr_logging.c, write_k8s_log):
//   <timestamp> <stream> <tag> <content>\n
// - timestamp: local time with nanoseconds and offset, "2024-03-25T13:20:42.999999999+01:00";
// - stream: "stdout" or "stderr" (a terminal's output is all stdout);
// - tag: "F" when content ends a line (the line's own "\n" is the record's), "P" for a partial line
//   (the container wrote no newline yet, or the line was longer than one 8 KiB read), after which
//   conmon adds a "\n" of its own to end the record.
// So a record's content is always the bytes between the tag's space and the final "\n", and a
// reader rebuilds the output by appending "\n" after each F record's content.
import * as fs from "node:fs";
import { open, type FileHandle } from "node:fs/promises";

export interface LogRecord {
  time: Date;
  /** The timestamp as written, with its nanoseconds (Date keeps milliseconds). */
  timestamp: string;
  stream: "stdout" | "stderr";
  /** True for a P record: no newline follows `line` in the container's output. */
  partial: boolean;
  /** The content without the record's final newline. */
  line: Buffer;
}

export interface ReadLogOptions {
  /** Keep reading as the container writes, until it has exited (see isRunning/exitFile) or signal. */
  follow?: boolean;
  /** Skip records before this time (inclusive bound, as Docker's --since). */
  since?: Date;
  /** Stop at the first record after this time. */
  until?: Date;
  /** Start at the Nth-last line, a line being P records ended by an F record. */
  tail?: number;
  /** Aborting ends the iteration quietly. */
  signal?: AbortSignal;
  /** With follow: whether the container may still write. */
  isRunning?: () => boolean | Promise<boolean>;
  /** With follow and no isRunning: the container is running until this file (conmon's exit file) exists. */
  exitFile?: string;
  /** How often follow looks for new data when no change event arrives; default 250 ms. */
  pollMs?: number;
}

const CHUNK = 64 * 1024;
const NL = 0x0a;

export async function* readLog(logPath: string, opts: ReadLogOptions = {}): AsyncGenerator<LogRecord> {
  const { signal } = opts;
  const running = runningCheck(opts);
  const waker = opts.follow ? new Waker(logPath) : undefined;
  try {
    let fh = await openLog(logPath);
    while (!fh) {
      if (!waker || signal?.aborted) return;
      const alive = await running();
      fh = await openLog(logPath);
      if (!fh && !alive) return;
      if (!fh) await waker.wait(opts.pollMs ?? 250, signal);
    }
    try {
      let offset = opts.tail !== undefined ? await tailOffset(fh, (await fh.stat()).size, opts.tail) : 0;
      let carry: Buffer = Buffer.alloc(0);
      const buf = Buffer.alloc(CHUNK);
      for (;;) {
        if (signal?.aborted) return;
        // Ask before reading: whatever the container wrote before it exited is then in the file.
        const alive = waker ? await running() : false;
        let readAny = false;
        for (;;) {
          const { bytesRead } = await fh.read(buf, 0, CHUNK, offset);
          if (bytesRead === 0) break;
          readAny = true;
          offset += bytesRead;
          // A fresh copy: yielded lines point into it, and `buf` is read into again.
          const data = Buffer.concat([carry, buf.subarray(0, bytesRead)]);
          let start = 0;
          let nl: number;
          while ((nl = data.indexOf(NL, start)) >= 0) {
            const rec = parseRecord(data.subarray(start, nl));
            start = nl + 1;
            if (!rec) continue;
            if (opts.until && rec.time > opts.until) return;
            if (opts.since && rec.time < opts.since) continue;
            yield rec;
            if (signal?.aborted) return;
          }
          carry = data.subarray(start);
        }
        if (!waker) {
          const rec = carry.length > 0 ? parseRecord(carry) : undefined;
          if (rec && !(opts.until && rec.time > opts.until) && !(opts.since && rec.time < opts.since)) yield rec;
          return;
        }
        if (!readAny && !alive) return;
        if (!readAny) {
          // conmon's --log-size-max rotation renames a fresh file over the path: follow it.
          const replaced = await replacedFile(logPath, fh);
          if (replaced) {
            await fh.close();
            fh = replaced;
            offset = 0;
            carry = Buffer.alloc(0);
            continue;
          }
          await waker.wait(opts.pollMs ?? 250, signal);
        }
      }
    } finally {
      await fh.close();
    }
  } finally {
    waker?.close();
  }
}

/** Parses one record without its final newline; undefined for a line that is not one. */
export function parseRecord(line: Buffer): LogRecord | undefined {
  const s1 = line.indexOf(0x20);
  if (s1 < 0) return undefined;
  const s2 = line.indexOf(0x20, s1 + 1);
  if (s2 < 0) return undefined;
  const stream = line.toString("latin1", s1 + 1, s2);
  if (stream !== "stdout" && stream !== "stderr") return undefined;
  const tag = line[s2 + 1];
  if (tag !== 0x46 /* F */ && tag !== 0x50 /* P */) return undefined;
  if (line.length > s2 + 2 && line[s2 + 2] !== 0x20) return undefined;
  const timestamp = line.toString("latin1", 0, s1);
  const time = new Date(timestamp);
  if (Number.isNaN(time.getTime())) return undefined;
  return { time, timestamp, stream, partial: tag === 0x50, line: line.subarray(Math.min(s2 + 3, line.length)) };
}

/** The offset of the first record of the last `n` lines. */
async function tailOffset(fh: FileHandle, size: number, n: number): Promise<number> {
  if (n <= 0) return size;
  let bufStart = size;
  let buf: Buffer = Buffer.alloc(0);
  let recEnd = size;
  let groups = 0;
  let open = false;
  while (recEnd > 0) {
    // Find the start of the record that ends at recEnd (its own newline is at recEnd - 1).
    const searchTo = recEnd - 2 - bufStart;
    const i = searchTo >= 0 ? buf.lastIndexOf(NL, searchTo) : -1;
    if (i < 0 && bufStart > 0) {
      const readStart = Math.max(0, bufStart - CHUNK);
      const chunk = Buffer.alloc(bufStart - readStart);
      await fh.read(chunk, 0, chunk.length, readStart);
      buf = Buffer.concat([chunk, buf.subarray(0, recEnd - bufStart)]);
      bufStart = readStart;
      continue;
    }
    const recStart = i < 0 ? 0 : bufStart + i + 1;
    const rec = buf.subarray(recStart - bufStart, recEnd - bufStart);
    const partial = isPartialRecord(rec);
    if (partial === false || !open) {
      // An F record closes a line (reading backwards, it is where the line begins for us); P
      // records at the very end are a line still being written.
      groups++;
      open = true;
      if (groups > n) return recEnd;
    }
    recEnd = recStart;
  }
  return 0;
}

function isPartialRecord(rec: Buffer): boolean | undefined {
  const s1 = rec.indexOf(0x20);
  const s2 = s1 < 0 ? -1 : rec.indexOf(0x20, s1 + 1);
  if (s2 < 0) return undefined;
  return rec[s2 + 1] === 0x50;
}

async function openLog(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

async function replacedFile(path: string, fh: FileHandle): Promise<FileHandle | undefined> {
  try {
    const [now, ours] = [fs.statSync(path), await fh.stat()];
    if (now.ino === ours.ino && now.dev === ours.dev) return undefined;
    return await openLog(path);
  } catch {
    return undefined;
  }
}

function runningCheck(opts: ReadLogOptions): () => Promise<boolean> {
  const { isRunning, exitFile } = opts;
  if (isRunning) return async () => isRunning();
  if (exitFile !== undefined) return async () => !fs.existsSync(exitFile);
  return async () => true;
}

/** Wakes a follower on change events for the file, or after a poll interval, or on abort. */
class Waker {
  private watcher: fs.FSWatcher | undefined;
  private pending = false;
  private wake: (() => void) | undefined;

  constructor(path: string) {
    try {
      this.watcher = fs.watch(path, () => this.notify());
      this.watcher.on("error", () => undefined);
    } catch {
      // Not there yet, or no inotify: polling alone will do.
    }
  }

  wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
      this.wake = done;
    });
  }

  close(): void {
    this.watcher?.close();
  }

  private notify(): void {
    if (this.wake) this.wake();
    else this.pending = true;
  }
}
