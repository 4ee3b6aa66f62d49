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
import { open, readFile, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";

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

/**
 * The container's log: the rotated files oldest first (`<log>.N` ... `<log>.1`, each plain or
 * gzipped, see rotatedLogFiles), then the live file, following it across rotations with `follow`.
 */
export async function* readLog(logPath: string, opts: ReadLogOptions = {}): AsyncGenerator<LogRecord> {
  const { signal } = opts;
  const running = runningCheck(opts);
  let waker = opts.follow ? new Waker(logPath) : undefined;
  try {
    let fh = await openLog(logPath);
    while (!fh) {
      if (signal?.aborted) return;
      if (!waker) {
        // Between a rotation's rename and conmon's reopen there is no live file for a moment.
        const recs = await rotatedRecords(logPath, opts.tail);
        for (const rec of recs) {
          if (opts.until && rec.time > opts.until) return;
          if (!(opts.since && rec.time < opts.since)) yield rec;
        }
        return;
      }
      const alive = await running();
      fh = await openLog(logPath);
      if (!fh && !alive) return;
      if (!fh) await waker.wait(opts.pollMs ?? 250, signal);
    }
    try {
      const liveTail = opts.tail !== undefined ? await tailOffset(fh, (await fh.stat()).size, opts.tail) : undefined;
      let offset = liveTail?.offset ?? 0;
      // The rotated files, unless the live file alone holds all the lines --tail asks for.
      const needed = opts.tail !== undefined ? opts.tail - liveTail!.lines : undefined;
      if (needed === undefined || needed > 0) {
        for (const rec of await rotatedRecords(logPath, needed)) {
          if (opts.until && rec.time > opts.until) return;
          if (opts.since && rec.time < opts.since) continue;
          yield rec;
          if (signal?.aborted) return;
        }
      }
      let carry: Buffer = Buffer.alloc(0);
      let lastSeen: Date | undefined;
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
            lastSeen = rec.time;
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
          // A rotation (the run's monitor renamed the file, conmon reopened it) or conmon's own
          // --log-size-max truncation puts a fresh file at the path: follow it. What conmon wrote
          // to the old file before it reopened is read first, so nothing is lost or read twice.
          const replaced = await replacedFile(logPath, fh);
          if (replaced) {
            if (await hasMore(fh, offset)) {
              await replaced.close();
              continue;
            }
            // Rotated more than once since the last read (a slow reader, a fast writer): the
            // files between ours and the new live one hold lines not read yet.
            if (lastSeen) {
              for (const rec of await recordsAfter(logPath, lastSeen)) {
                lastSeen = rec.time;
                if (opts.until && rec.time > opts.until) return;
                if (opts.since && rec.time < opts.since) continue;
                yield rec;
              }
            }
            await fh.close();
            fh = replaced;
            offset = 0;
            carry = Buffer.alloc(0);
            waker.close();
            waker = new Waker(logPath);
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

/**
 * A record's time as Docker prints it (`logs -t`, the API's timestamps): RFC3339Nano in UTC with
 * exactly nine digits (jsonmessage.RFC3339NanoFixed). conmon writes local time with an offset.
 */
export function utcTimestamp(stamp: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(stamp);
  if (!m) return stamp;
  const whole = new Date(`${m[1]}${m[3]}`);
  return `${whole.toISOString().slice(0, 19)}.${(m[2] ?? "").padEnd(9, "0").slice(0, 9)}Z`;
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

async function hasMore(fh: FileHandle, offset: number): Promise<boolean> {
  return (await fh.stat()).size > offset;
}

/**
 * The files a rotation keeps beside the live log, oldest first: `<log>.K` or `<log>.K.gz` for K
 * from the highest present down to 1. A `.K` being compressed exists in both forms for a moment
 * (the gzip is renamed into place before the plain file goes): the plain one is read.
 */
export function rotatedLogFiles(logPath: string): string[] {
  const dir = dirname(logPath);
  const prefix = `${basename(logPath)}.`;
  const byIndex = new Map<number, string>();
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  for (const name of names) {
    const m = /^(\d+)(\.gz)?$/.exec(name.startsWith(prefix) ? name.slice(prefix.length) : "");
    if (!m) continue;
    const k = Number(m[1]);
    if (k < 1) continue;
    if (!m[2] || !byIndex.has(k)) byIndex.set(k, join(dir, name));
  }
  return [...byIndex.entries()].sort((a, b) => b[0] - a[0]).map(([, path]) => path);
}

/**
 * The records of the rotated files, oldest first; with `lines`, only those of the last `lines`
 * lines. Rotated files are bounded by max-size, so each is read whole (and gunzipped) at once.
 */
async function rotatedRecords(logPath: string, lines: number | undefined): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  for (const file of rotatedLogFiles(logPath)) records.push(...((await rotatedFileRecords(file)) ?? []));
  if (lines === undefined) return records;
  return records.slice(lastLinesStart(records, lines));
}

/**
 * A rotated file's records (gunzipped when it is compressed), or undefined when it has been rotated
 * away meanwhile (the oldest dropped, or .K renamed to .K+1).
 */
async function rotatedFileRecords(file: string): Promise<LogRecord[] | undefined> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  return parseRecords(file.endsWith(".gz") ? gunzipSync(data) : data);
}

/**
 * The records of the rotated files written after `after`, oldest first. The files are read newest
 * first and only until one ends at or before `after`: usually just `.1`, the file the reader has
 * drained. A rotation never splits one write of conmon's, so lines stamped alike share a file.
 */
async function recordsAfter(logPath: string, after: Date): Promise<LogRecord[]> {
  const newer: LogRecord[][] = [];
  for (const file of rotatedLogFiles(logPath).reverse()) {
    const records = (await rotatedFileRecords(file)) ?? [];
    const last = records.at(-1);
    if (!last) continue;
    if (last.time <= after) break;
    newer.unshift(records.filter((rec) => rec.time > after));
  }
  return newer.flat();
}

/** Every complete record of a buffer. */
export function parseRecords(data: Buffer): LogRecord[] {
  const out: LogRecord[] = [];
  let start = 0;
  let nl: number;
  while ((nl = data.indexOf(NL, start)) >= 0) {
    const rec = parseRecord(data.subarray(start, nl));
    if (rec) out.push(rec);
    start = nl + 1;
  }
  return out;
}

/** The index of the first record of the last `n` lines (a line: P records ended by an F record). */
export function lastLinesStart(records: readonly LogRecord[], n: number): number {
  if (n <= 0) return records.length;
  let groups = 0;
  let open = false;
  for (let i = records.length - 1; i >= 0; i--) {
    if (!records[i]!.partial || !open) {
      groups++;
      open = true;
      if (groups > n) return i + 1;
    }
  }
  return 0;
}

/** The offset of the first record of the last `n` lines, and how many lines (up to n) the file holds. */
async function tailOffset(fh: FileHandle, size: number, n: number): Promise<{ offset: number; lines: number }> {
  if (n <= 0) return { offset: size, lines: 0 };
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
      if (groups > n) return { offset: recEnd, lines: n };
    }
    recEnd = recStart;
  }
  return { offset: 0, lines: groups };
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

/**
 * Wakes a waiter on inotify events for a path (or, with `name`, for that name in the directory
 * `path`), after a poll interval, or on abort: log followers and the log rotator wait with it.
 */
export class Waker {
  private watcher: fs.FSWatcher | undefined;
  private pending = false;
  private wake: (() => void) | undefined;

  constructor(path: string, name?: string) {
    try {
      this.watcher = fs.watch(path, (_event, file) => {
        if (name === undefined || file === null || file === name) this.notify();
      });
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
