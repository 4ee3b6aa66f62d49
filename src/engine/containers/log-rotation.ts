// Enforcing a log driver's max-size/max-file/compress (log-config.ts) on the file conmon writes.
//
// - One file (max-file 1, json-file's default; k8s-file): conmon's own --log-size-max. conmon
//   replaces the file with an empty one before a write would take it past max-size, as Docker's
//   max-file=1 truncates. No process of berth's is involved.
// - Several files (max-file N > 1): the run's monitor (run-monitor.ts) rotates. When the live file
//   reaches max-size it shifts `<log>.K[.gz]` to `<log>.K+1[.gz]` (dropping what would become
//   `.N`), renames the live file to `<log>.1`, and has conmon reopen its log (runtime.reopenLog):
//   what conmon writes until it has reopened still lands in `.1`, so nothing is lost. With
//   compress, `.1` is then gzipped to `.1.gz` (a temporary name, a rename, then `.1` goes).
// - conmon also gets --log-size-max = max-size x max-file as a backstop, so that a dead monitor
//   cannot let the live file grow without bound. conmon counts the bytes it wrote since it last
//   truncated, not since our reopen, so the backstop also fires while the monitor lives (every
//   max-size x max-file bytes of output): the monitor keeps the live file open, and when the path
//   names a file it did not make, it writes what it held out as `<log>.1`, a rotation like its own.
//
// Bounds: every file holds at most max-size x max-file bytes (the backstop); with the monitor alive
// a file grows past max-size only by what conmon writes in the few milliseconds the monitor takes
// to see the size (an inotify event on the directory, or its one-second poll) and to rotate.
// At most max-file files exist: the live one and `.1` ... `.N-1`.
import * as fs from "node:fs";
import { open, readFile, rename, rm, writeFile, type FileHandle } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import { logLimits, type LogConfig, type LogLimits } from "./log-config.js";
import { Waker } from "../../runtime/container-log.js";

/** conmon's --log-size-max for a container's runs; undefined lets the file grow. */
export function conmonLogSizeMax(config: LogConfig | undefined): number | undefined {
  const limits = logLimits(config);
  if (!limits?.maxSize) return undefined;
  return limits.maxFile > 1 ? limits.maxSize * limits.maxFile : limits.maxSize;
}

/** Whether the run's monitor rotates the log (several files). */
export function monitorRotates(config: LogConfig | undefined): boolean {
  const limits = logLimits(config);
  return limits?.maxSize !== undefined && limits.maxFile > 1;
}

export interface RotationOptions {
  logPath: string;
  limits: LogLimits & { maxSize: number };
  /** Has conmon reopen its log at the path. */
  reopen: () => Promise<void>;
  /** The run's end. */
  ended: AbortSignal;
  /** The poll beside inotify; default 1000 ms. */
  pollMs?: number;
}

/** Rotates the log of one run until it ends. */
export async function rotateLog(o: RotationOptions): Promise<void> {
  const waker = new Waker(dirname(o.logPath), basename(o.logPath));
  let held: FileHandle | undefined;
  try {
    while (!o.ended.aborted) {
      held ??= await openIfExists(o.logPath);
      if (held) held = await rotateIfDue(o, held);
      await waker.wait(o.pollMs ?? 1000, o.ended);
    }
  } finally {
    waker.close();
    await held?.close();
  }
}

/** One look at the log: rotates when it is full, or keeps what conmon's backstop replaced. Returns the file now live. */
async function rotateIfDue(o: RotationOptions, held: FileHandle): Promise<FileHandle | undefined> {
  const { logPath, limits } = o;
  const atPath = statIfExists(logPath);
  const ours = await held.stat();
  if (atPath && (atPath.ino !== ours.ino || atPath.dev !== ours.dev)) {
    // conmon's backstop truncated: the file it left is open here only, so it is written out.
    await shiftRotated(logPath, limits.maxFile);
    await writeFile(`${logPath}.1.tmp`, await readFile(held));
    await rename(`${logPath}.1.tmp`, `${logPath}.1`);
    await held.close();
    if (limits.compress) await compressFirst(logPath);
    return openIfExists(logPath);
  }
  if (!atPath || atPath.size < limits.maxSize) return held;
  await shiftRotated(logPath, limits.maxFile);
  await rename(logPath, `${logPath}.1`);
  try {
    await o.reopen();
  } catch {
    // conmon is gone (the run ended): it writes no more, and `.1` is complete.
    await held.close();
    if (limits.compress) await compressFirst(logPath);
    return undefined;
  }
  // conmon renames its fresh file over the path as the last step of the reopen: from then on `.1`
  // is complete.
  for (const deadline = Date.now() + 5000; !statIfExists(logPath) && Date.now() < deadline && !o.ended.aborted;) {
    await sleep(5);
  }
  await held.close();
  if (limits.compress) await compressFirst(logPath);
  return openIfExists(logPath);
}

/** `<log>.K[.gz]` -> `<log>.K+1[.gz]` for K from maxFile-2 down to 1; what would become `.maxFile-1`'s successor goes. */
export async function shiftRotated(logPath: string, maxFile: number): Promise<void> {
  const last = maxFile - 1;
  for (const suffix of ["", ".gz"]) await rm(`${logPath}.${last}${suffix}`, { force: true });
  for (let k = last - 1; k >= 1; k--) {
    for (const suffix of ["", ".gz"]) {
      try {
        await rename(`${logPath}.${k}${suffix}`, `${logPath}.${k + 1}${suffix}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
  }
}

/** `<log>.1` -> `<log>.1.gz`: the gzip under a temporary name, renamed, then the plain file removed. */
export async function compressFirst(logPath: string): Promise<void> {
  const plain = `${logPath}.1`;
  let data: Buffer;
  try {
    data = await readFile(plain);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  await writeFile(`${plain}.gz.tmp`, gzipSync(data));
  await rename(`${plain}.gz.tmp`, `${plain}.gz`);
  await rm(plain, { force: true });
}

async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

function statIfExists(path: string): fs.Stats | undefined {
  try {
    return fs.statSync(path);
  } catch {
    return undefined;
  }
}
