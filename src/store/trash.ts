// What a write transaction removes from the store goes first into the trash of that transaction,
// a directory in its work dir: out of sight at once, deleted once the transaction has committed,
// and put back where it was when the transaction does not commit. Each entry's name is the path it
// came from (relative to the store's root), so the rename that moves it also records where it goes
// back to: a process killed between a move and its COMMIT leaves everything needed to undo it.
//
// Whether a trash's transaction committed is a row of the same transaction (table committed_trash,
// keyed by the work dir's name): the database decides, never a file written after the fact.
import * as fs from "node:fs";
import * as nodePath from "node:path";
import type { Db } from "./db.js";
import { SystemError } from "../errors.js";

/** The trash directory inside a work dir. */
export const TRASH_DIR = "trash";

export interface TrashOptions {
  /** The store's root: every moved path lies below it, and is named relative to it. */
  root: string;
  /** The work dir holding the trash, `<root>/tmp/<name>`. */
  workDir: { path: string; name: string };
  /**
   * Called inside the transaction before each move: records the row that says "committed" (again
   * and again, idempotently, since a savepoint rolled back may have taken the first with it).
   */
  beforeMove: () => void;
  /** Called after each move (fault injection: the crash tests kill the process here). */
  afterMove: () => void;
}

/** The trash a write transaction hands to the stores: move() is the only way things leave the store. */
export class Trash {
  private readonly moved: { from: string; to: string }[] = [];
  private readonly dir: string;

  constructor(private readonly opts: TrashOptions) {
    this.dir = `${opts.workDir.path}/${TRASH_DIR}`;
  }

  /** Whether anything was moved (the transaction removes files, and records its trash). */
  get used(): boolean {
    return this.moved.length > 0;
  }

  /**
   * Moves `path` (a file or directory of the store) into the trash. A path that is gone already
   * is fine (false): the removal is idempotent, as every caller wants.
   */
  move(path: string): boolean {
    const to = `${this.dir}/${entryName(this.opts.root, path)}`;
    this.opts.beforeMove();
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (fs.existsSync(to)) throw new SystemError(`${path} was moved into the trash twice in one transaction`);
    try {
      fs.renameSync(path, to);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw err;
    }
    this.moved.push({ from: path, to });
    this.opts.afterMove();
    return true;
  }

  /** How far the trash has got: undo(mark) puts back only what was moved since (a savepoint's share). */
  mark(): number {
    return this.moved.length;
  }

  /**
   * Puts back, last first, what was moved since `mark` (by default everything): that part of the
   * transaction did not commit. Returns the failures; with any, the trash must stay where it is
   * (its entries still name their places) for the next process to finish the job.
   */
  undo(mark = 0): Error[] {
    const failures: Error[] = [];
    for (const { from, to } of this.moved.splice(mark).reverse()) {
      try {
        fs.renameSync(to, from);
      } catch (err) {
        failures.push(err as Error);
      }
    }
    return failures;
  }
}

/** `path` relative to `root`, as one file name: the rename into the trash records the origin. */
function entryName(root: string, path: string): string {
  // A root given as "/var/lib/berth/" or "./store" names the same store as its resolved form.
  const relative = nodePath.relative(nodePath.resolve(root), nodePath.resolve(path));
  if (relative === "" || relative === ".." || relative.startsWith(`..${nodePath.sep}`) || nodePath.isAbsolute(relative)) {
    throw new SystemError(`${path} is not in the store at ${root}`);
  }
  return encodeURIComponent(relative);
}

/** Where a trash entry came from; a name that does not decode to a plain path below `root` is refused. */
function originOf(root: string, entry: string): string {
  let relative: string;
  try {
    relative = decodeURIComponent(entry);
  } catch {
    throw new SystemError(`trash entry ${JSON.stringify(entry)} names no path`);
  }
  const path = nodePath.join(nodePath.resolve(root), relative);
  if (entryName(root, path) !== entry) throw new SystemError(`trash entry ${JSON.stringify(entry)} names no path of the store`);
  return path;
}

/**
 * Puts back every entry of the trash in `workDirPath` (a work dir whose transaction did not
 * commit, and whose owner is gone). Entries already back, or put back by another process at the
 * same time, are fine. Throws the first failure, after trying every entry.
 */
export function restoreTrash(root: string, workDirPath: string): void {
  const dir = `${workDirPath}/${TRASH_DIR}`;
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  let failure: Error | undefined;
  for (const entry of entries) {
    try {
      fs.renameSync(`${dir}/${entry}`, originOf(root, entry));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") failure ??= err as Error;
    }
  }
  if (failure) throw failure;
}

/** Whether the work dir holds a trash (a transaction of it moved something). */
export function hasTrash(workDirPath: string): boolean {
  return fs.existsSync(`${workDirPath}/${TRASH_DIR}`);
}

/** The rows that say which trashes belong to committed transactions. */
export class CommittedTrash {
  constructor(private readonly db: Db) {}

  /** Inside the transaction that moves things into the trash of `workDir`. */
  record(workDir: string): void {
    this.db.prepare("INSERT OR IGNORE INTO committed_trash (work_dir) VALUES (?)").run(workDir);
  }

  has(workDir: string): boolean {
    return this.db.prepare("SELECT 1 FROM committed_trash WHERE work_dir = ?").get(workDir) !== undefined;
  }

  list(): string[] {
    return (this.db.prepare("SELECT work_dir FROM committed_trash").all() as { work_dir: string }[]).map((r) => r.work_dir);
  }

  /** Inside a write transaction: the trash is deleted, its row says nothing any more. */
  forget(workDir: string): void {
    this.db.prepare("DELETE FROM committed_trash WHERE work_dir = ?").run(workDir);
  }
}
