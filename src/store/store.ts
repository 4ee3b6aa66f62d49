// The store: one root directory holding blobs, unpacked layers and the metadata database, shared
// safely by any number of berth processes. Every change that makes objects visible happens in one
// SQLite write transaction; everything written before it lives in a private work dir.
import * as fs from "node:fs";
import { openDb, openDbSnapshot, type Db } from "./db.js";
import { StoreUnwritableError, fileSystemCondition, storeFault, type StoreCondition } from "./store-faults.js";
import { FileContentStore, type StagedBlob } from "./content-store.js";
import { LayerStore, chainIds, type LayerRecord, type StagedLayer } from "./layer-store.js";
import { ImageStore, type NewImage } from "./image-store.js";
import { ContainerStore } from "./container-store.js";
import { VolumeStore } from "./volume-store.js";
import { NetworkStore } from "./network-store.js";
import { BuildCacheStore } from "./build-cache-store.js";
import { BlobMetadata } from "./blob-metadata.js";
import { EventLog } from "./event-log.js";
import { createWorkDir, isAbandoned, plannedWorkDir, type WorkDir } from "./work-dir.js";
import { CommittedTrash, Trash, hasTrash, restoreTrash } from "./trash.js";
import { removeTree } from "../sys/remove-tree.js";
import type { Digest } from "../image/digest.js";
import { SystemError } from "../errors.js";

export interface StoreOptions {
  root: string;
  /** Names a fault-injection point at which the process kills itself (tests of crash safety). */
  crashAt?: string | undefined;
  /**
   * Hears, once, of a leftover that could not be removed (it stays for `system check --repair`).
   * Never of anything that makes a command fail.
   */
  warn?: ((message: string) => void) | undefined;
}

/** Everything a new image needs, staged in a work dir, committed by Store.commitImage. */
export interface StagedImage {
  blobs: readonly StagedBlob[];
  /** Blobs already in the store that the image uses too (a base image's layers). */
  sharedBlobs?: readonly Digest[];
  /** Layers not yet in the store, keyed by diff ID; others in `diffIds` must exist already. */
  layers: ReadonlyMap<Digest, StagedLayer>;
  diffIds: readonly Digest[];
  image: Omit<NewImage, "topLayer" | "stored">;
  names: readonly string[];
  /** Docker's load leaves Metadata.LastTagTime unset; import, tag and commit record it. */
  recordTagTime?: boolean;
  /** More rows to write in the same transaction (a pull's repo digests and blob metadata). */
  alsoInTransaction?: () => void;
}

export class Store {
  readonly db: Db;
  readonly content: FileContentStore;
  readonly layers: LayerStore;
  readonly images: ImageStore;
  readonly containers: ContainerStore;
  readonly volumes: VolumeStore;
  readonly networks: NetworkStore;
  readonly buildCache: BuildCacheStore;
  readonly blobMetadata: BlobMetadata;
  readonly events: EventLog;
  /** Per-container directories: writable layer, init layer, hosts files, logs. */
  readonly containersDir: string;
  private readonly tmpRoot: string;
  /**
   * One file per work dir that could not be removed, holding the reason: the sweep leaves those
   * alone (so one hostile tree is reported once, not by every command), `system check` lists them
   * and `system check --repair` tries again.
   */
  private readonly stuckRoot: string;
  /**
   * Why the store was opened read-only, when its file system refuses writes: reads work as
   * always, and each write fails with a StoreUnwritableError that says why and where.
   */
  readonly unwritable: StoreCondition | undefined;
  private readonly committedTrash: CommittedTrash;
  /** The trash of the write transaction this process is in, for a write inside it. */
  private openTrash: Trash | undefined;
  /** Work dirs whose uncommitted trash could not be put back (reported once, kept for a retry). */
  private readonly unrestored = new Set<string>();

  constructor(
    readonly root: string,
    private readonly opts: StoreOptions,
  ) {
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    this.tmpRoot = `${root}/tmp`;
    fs.mkdirSync(this.tmpRoot, { recursive: true, mode: 0o700 });
    this.stuckRoot = `${root}/stuck`;
    ({ db: this.db, unwritable: this.unwritable } = openStoreDb(root));
    this.content = new FileContentStore(`${root}/blobs`);
    this.layers = new LayerStore(root, this.db, { crashPoint: (name) => this.crashPoint(name) });
    this.images = new ImageStore(this.db);
    this.containers = new ContainerStore(this.db);
    this.volumes = new VolumeStore(root, this.db);
    this.networks = new NetworkStore(this.db);
    this.buildCache = new BuildCacheStore(this.db);
    this.blobMetadata = new BlobMetadata(this.db);
    this.events = new EventLog(this.db);
    this.containersDir = this.layers.containersDir;
    this.committedTrash = new CommittedTrash(this.db);
    // Before anything reads the store: what a killed transaction had moved out is back in place.
    if (this.unwritable !== "read-only") this.restoreUncommittedTrash();
  }

  static open(opts: StoreOptions): Store {
    return new Store(opts.root, opts);
  }

  close(): void {
    this.db.close();
  }

  workDir(): WorkDir {
    this.assertWritable();
    return createWorkDir(this.tmpRoot, (name) => this.discardWorkDir(name));
  }

  /**
   * Deletes a work dir (and the trash in it). Never throws: what cannot be removed is recorded as
   * stuck and reported once through `warn`, and the command that made it goes on.
   */
  private discardWorkDir(name: string): void {
    const path = `${this.tmpRoot}/${name}`;
    try {
      removeTree(path);
      fs.rmSync(`${this.stuckRoot}/${name}`, { force: true });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      try {
        fs.mkdirSync(this.stuckRoot, { recursive: true, mode: 0o700 });
        fs.writeFileSync(`${this.stuckRoot}/${name}`, reason + "\n");
      } catch {
        // Unrecorded, it is retried (and reported again) by the next sweep: still no failure.
      }
      this.opts.warn?.(`${reason}; berth system check --repair will try again`);
    }
  }

  /** Work dirs that could not be removed, with the reason recorded when that was tried. */
  stuckWorkDirs(): { name: string; reason: string }[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.stuckRoot);
    } catch {
      return [];
    }
    return names
      .filter((name) => fs.existsSync(`${this.tmpRoot}/${name}`))
      .map((name) => ({ name, reason: readText(`${this.stuckRoot}/${name}`).trim() }));
  }

  /** Fails a write up front on a store opened read-only, before anything is staged for it. */
  private assertWritable(): void {
    if (this.unwritable) throw new StoreUnwritableError(this.root, this.unwritable);
  }

  /** Kills this process at a named point when asked to: the crash-safety tests walk every point. */
  crashPoint(name: string): void {
    if (this.opts.crashAt === name) process.kill(process.pid, "SIGKILL");
    if (this.opts.crashAt === `throw:${name}`) throw new SystemError(`injected failure at ${name}`);
  }

  /**
   * Runs `fn` in one write transaction (SQLite's write lock is the store-wide mutex). What `fn`
   * removes from the store it moves into the transaction's trash: deleted once the transaction has
   * committed, put back when it does not (fn throws, or the COMMIT fails), and put back by the
   * next process when this one dies before its COMMIT (see trash.ts). A write inside a write is
   * part of it, with a savepoint of its own.
   */
  write<T>(fn: (trash: Trash) => T): T {
    if (this.openTrash) return this.writeNested(this.openTrash, fn);
    this.assertWritable();
    // Made by the trash's first move: most transactions move nothing.
    const work = plannedWorkDir(this.tmpRoot, (name) => this.discardWorkDir(name));
    const trash = new Trash({
      root: this.root,
      workDir: work,
      beforeMove: () => this.committedTrash.record(work.name),
      afterMove: () => this.crashPoint("after-trash-move"),
    });
    let result: T;
    try {
      this.openTrash = trash;
      result = this.db
        .transaction(() => {
          // Under the lock: no transaction runs over files a killed one left in its trash.
          this.restoreUncommittedTrash();
          const value = fn(trash);
          if (trash.used) this.crashPoint("before-trash-commit");
          return value;
        })
        .immediate();
    } catch (err) {
      // The work dir, and what it holds, stays when something could not go back: its trash names
      // where each entry belongs, and once this process is gone the next one puts them there.
      if (this.undoMoves(trash)) work.remove();
      throw err;
    } finally {
      this.openTrash = undefined;
    }
    work.remove();
    return result;
  }

  private writeNested<T>(trash: Trash, fn: (trash: Trash) => T): T {
    const mark = trash.mark();
    try {
      return this.db.transaction(() => fn(trash))();
    } catch (err) {
      this.undoMoves(trash, mark);
      throw err;
    }
  }

  /** Puts back what the trash holds (since `mark`); false, after a warning, when something could not. */
  private undoMoves(trash: Trash, mark?: number): boolean {
    const failures = trash.undo(mark);
    for (const failure of failures) this.opts.warn?.(`putting back what a failed change removed: ${failure.message}`);
    return failures.length === 0;
  }

  /**
   * Puts back what processes that died before their COMMIT had moved into their trash. Needs no
   * lock: with its owner gone, a transaction has committed or never will, and the row it would
   * have written says which. Never throws; a trash that cannot be put back is reported once and
   * its work dir kept.
   */
  private restoreUncommittedTrash(): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.tmpRoot);
    } catch {
      return;
    }
    for (const name of names) {
      const path = `${this.tmpRoot}/${name}`;
      if (!isAbandoned(name) || !hasTrash(path)) continue;
      try {
        if (this.committedTrash.has(name)) continue;
        restoreTrash(this.root, path);
        this.unrestored.delete(name);
      } catch (err) {
        if (!this.unrestored.has(name)) {
          const reason = err instanceof Error ? err.message : String(err);
          this.opts.warn?.(`putting back what an interrupted change in ${path} removed: ${reason}`);
        }
        this.unrestored.add(name);
      }
    }
  }

  commitImage(staged: StagedImage, now: string): { created: boolean; movedFrom: Digest[] } {
    this.crashPoint("before-db");
    const result = this.write(() => {
      for (const blob of staged.blobs) this.content.adopt(blob);
      this.crashPoint("after-blob-rename");
      let parent: Digest | null = null;
      let top: LayerRecord | undefined;
      const expected = chainIds(staged.diffIds);
      staged.diffIds.forEach((diffId, i) => {
        const layer = staged.layers.get(diffId);
        top = layer ? this.layers.adopt(parent, layer, now) : this.layers.get(expected[i]!);
        if (!top) throw new SystemError(`layer ${expected[i]} vanished from the store`);
        parent = top.chainId;
      });
      this.crashPoint("after-layer-rename");
      for (const digest of staged.sharedBlobs ?? []) {
        if (!this.content.has(digest)) throw new SystemError(`blob ${digest} vanished from the store`);
      }
      const created = this.images.insert({ ...staged.image, topLayer: top?.chainId ?? null, stored: now }, [
        ...staged.blobs.map((b) => b.digest),
        ...(staged.sharedBlobs ?? []),
      ]);
      const movedFrom: Digest[] = [];
      for (const name of staged.names) {
        const previous = this.images.tag(name, staged.image.id, staged.recordTagTime === false ? null : now);
        if (previous) movedFrom.push(previous);
      }
      staged.alsoInTransaction?.();
      return { created, movedFrom };
    });
    this.crashPoint("after-db");
    return result;
  }

  /**
   * Removes what crashed or killed processes left: work dirs of dead processes, layer dirs and blobs
   * no row names. Safe while other berth processes run: it holds the write lock, and live processes
   * keep their unfinished work in work dirs whose owners are alive. Never throws: the command that
   * sweeps goes on whatever it finds, and what cannot go is reported once (see discardWorkDir).
   * Work dirs already found stuck are left alone unless `retryStuck` (system check --repair).
   */
  sweep(opts: { retryStuck?: boolean } = {}): SweepReport {
    const report: SweepReport = { workDirs: [], layerDirs: [], blobs: [], containerDirs: [] };
    // Nothing can be removed; the command's own write, if it makes one, says why.
    if (this.unwritable) return report;
    const attempt = (what: string, fn: () => void): boolean => {
      try {
        fn();
        return true;
      } catch (err) {
        this.opts.warn?.(`cleaning up ${what}: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      }
    };
    attempt("the store", () => {
      const stuck = new Set(this.stuckWorkDirs().map((s) => s.name));
      this.forgetVanishedStuck();
      const abandoned = fs.readdirSync(this.tmpRoot).filter((name) => isAbandoned(name) && (opts.retryStuck || !stuck.has(name)));
      this.write((trash) => {
        for (const name of this.layers.strayDirs()) {
          if (attempt(`layer dir ${name}`, () => trash.move(`${this.layers.dir}/${name}`))) report.layerDirs.push(name);
        }
        for (const id of this.layers.straySnapshots()) {
          if (attempt(`container dir ${id}`, () => this.layers.remove(id, trash))) report.containerDirs.push(id);
        }
        const used = this.usedBlobs(true);
        for (const digest of this.content.list()) {
          if (used.has(digest)) continue;
          if (attempt(`blob ${digest}`, () => this.content.evict(digest, trash))) report.blobs.push(digest);
        }
        // Rows of committed trashes already deleted say nothing any more.
        for (const name of this.committedTrash.list()) if (!fs.existsSync(`${this.tmpRoot}/${name}`)) this.committedTrash.forget(name);
      });
      // A trash not yet put back keeps its work dir: deleting it would lose what it holds.
      for (const name of abandoned.filter((n) => !this.unrestored.has(n))) {
        this.discardWorkDir(name);
        report.workDirs.push(name);
      }
    });
    return report;
  }

  /** Markers of stuck work dirs that are gone (removed by hand, or by a repair). */
  private forgetVanishedStuck(): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.stuckRoot);
    } catch {
      return;
    }
    for (const name of names) if (!fs.existsSync(`${this.tmpRoot}/${name}`)) fs.rmSync(`${this.stuckRoot}/${name}`, { force: true });
  }

  /** What sweep() would remove, without removing it. */
  garbage(): SweepReport {
    const used = this.usedBlobs(false);
    const stuck = new Set(this.stuckWorkDirs().map((s) => s.name));
    return {
      workDirs: fs.readdirSync(this.tmpRoot).filter((name) => isAbandoned(name) && !stuck.has(name)),
      layerDirs: this.layers.strayDirs(),
      blobs: this.content.list().filter((d) => !used.has(d)),
      containerDirs: this.layers.straySnapshots(),
    };
  }

  /** Blobs an image uses, and downloads an interrupted pull leased for its retry. */
  private usedBlobs(expireLeases: boolean): Set<string> {
    const used = this.images.referencedBlobs();
    for (const digest of this.blobMetadata.leased(new Date(), expireLeases)) used.add(digest);
    return used;
  }
}

/**
 * Opens the database for writing or, when the store's file system refuses writes (full, or
 * mounted read-only), as a read-only snapshot, so that reading commands still work there.
 */
function openStoreDb(root: string): { db: Db; unwritable: StoreCondition | undefined } {
  const path = `${root}/berth.db`;
  // SQLite opens a database on a read-only file system read-only without a word when its log is
  // there: known up front, the store says why a write fails instead of failing at some mkdir.
  let unwritable: StoreCondition | undefined = fileSystemCondition(root) === "read-only" ? "read-only" : undefined;
  if (!unwritable) {
    try {
      return { db: openDb(path, { faults: (err) => storeFault(err, root) }), unwritable: undefined };
    } catch (err) {
      const fault = storeFault(err, root);
      if (!(fault instanceof StoreUnwritableError)) throw fault;
      unwritable = fault.condition;
    }
  }
  const condition = unwritable;
  try {
    return { db: openDbSnapshot(path, { faults: (e) => storeFault(e, root, condition) }), unwritable: condition };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new SystemError(`cannot read the store at ${root} (${new StoreUnwritableError(root, condition).message}): ${reason}`, {
      cause: err,
    });
  }
}

function readText(path: string): string {
  try {
    return fs.readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

export interface SweepReport {
  workDirs: string[];
  layerDirs: string[];
  blobs: Digest[];
  containerDirs: string[];
}
