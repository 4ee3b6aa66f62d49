// A store whose file system is full or mounted read-only: which of the two it is (asked of the
// file system itself, never guessed from SQLite's words), and the error a write gets then.
import * as fs from "node:fs";
import { SystemError, noRoomHint } from "../errors.js";

export type StoreCondition = "full" | "read-only";

/**
 * SQLite needs room in steps of tens of KiB (its shared-memory index grows by 32 KiB, its log by
 * pages); a write it could not make while less than this was free is the file system's doing.
 */
const LOW_SPACE_BYTES = 1 << 20;

/** A write to the store that its file system refuses; reads still work. */
export class StoreUnwritableError extends SystemError {
  constructor(
    readonly root: string,
    readonly condition: StoreCondition,
    options?: { cause?: unknown },
  ) {
    super(
      condition === "full"
        ? `cannot write to the store at ${root}: no space left on device; ${noRoomHint("its")}`
        : `cannot write to the store at ${root}: read-only file system; berth can read it, but changing it needs the file system mounted read-write`,
      options,
    );
  }
}

/** Whether `path`'s file system refuses writes: mounted read-only, or out of blocks or inodes. */
export function fileSystemCondition(path: string): StoreCondition | undefined {
  try {
    fs.accessSync(path, fs.constants.W_OK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EROFS") return "read-only";
  }
  let stats: fs.StatsFs;
  try {
    stats = fs.statfsSync(path);
  } catch {
    return undefined;
  }
  // root may use the blocks ext4 reserves for it; others only what is available to them.
  const blocks = process.getuid?.() === 0 ? stats.bfree : stats.bavail;
  if (blocks * stats.bsize < LOW_SPACE_BYTES || stats.ffree === 0) return "full";
  return undefined;
}

/** SQLite's result codes for a file it could not open, write or lock (extended codes included). */
const RESOURCE_CODES = /^SQLITE_(FULL|IOERR|CANTOPEN|READONLY)/;

/**
 * SQLite reports a full or read-only file system as "disk I/O error", "database or disk is full",
 * "unable to open database file" or "attempt to write a readonly database". Those become a
 * StoreUnwritableError when the file system confirms it (or `known` says so already: a store
 * opened read-only because of it); any other failure passes unchanged.
 */
export function storeFault(err: unknown, root: string, known?: StoreCondition): unknown {
  if (err instanceof StoreUnwritableError) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== "string" || !RESOURCE_CODES.test(code)) return err;
  const condition = known ?? (code === "SQLITE_FULL" ? "full" : fileSystemCondition(root));
  return condition ? new StoreUnwritableError(root, condition, { cause: err }) : err;
}
