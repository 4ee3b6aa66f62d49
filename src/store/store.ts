// The store: one root directory holding blobs, unpacked layers and the metadata database, shared
// safely by any number of berth processes. Every change that makes objects visible happens in one
// SQLite write transaction; everything written before it lives in a private work dir.
import * as fs from "node:fs";
import { openDb, type Db } from "./db.js";
import { FileContentStore, type StagedBlob } from "./content-store.js";
import { LayerStore, chainIds, type LayerRecord, type StagedLayer } from "./layer-store.js";
import { ImageStore, type NewImage } from "./image-store.js";
import { ContainerStore } from "./container-store.js";
import { VolumeStore } from "./volume-store.js";
import { BlobMetadata } from "./blob-metadata.js";
import { EventLog } from "./event-log.js";
import { createWorkDir, isAbandoned, type WorkDir } from "./work-dir.js";
import type { Digest } from "../image/digest.js";

export interface StoreOptions {
  root: string;
  /** Names a fault-injection point at which the process kills itself (tests of crash safety). */
  crashAt?: string | undefined;
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
  readonly blobMetadata: BlobMetadata;
  readonly events: EventLog;
  /** Per-container directories: writable layer, init layer, hosts files, logs. */
  readonly containersDir: string;
  private readonly tmpRoot: string;

  constructor(readonly root: string, private readonly opts: StoreOptions) {
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    this.tmpRoot = `${root}/tmp`;
    fs.mkdirSync(this.tmpRoot, { recursive: true, mode: 0o700 });
    this.db = openDb(`${root}/berth.db`);
    this.content = new FileContentStore(`${root}/blobs`);
    this.layers = new LayerStore(root, this.db);
    this.images = new ImageStore(this.db);
    this.containers = new ContainerStore(this.db);
    this.volumes = new VolumeStore(root, this.db);
    this.blobMetadata = new BlobMetadata(this.db);
    this.events = new EventLog(this.db);
    this.containersDir = `${root}/containers`;
    fs.mkdirSync(this.containersDir, { recursive: true, mode: 0o700 });
  }

  static open(opts: StoreOptions): Store {
    return new Store(opts.root, opts);
  }

  close(): void {
    this.db.close();
  }

  workDir(): WorkDir {
    return createWorkDir(this.tmpRoot);
  }

  /** Kills this process at a named point when asked to: the crash-safety tests walk every point. */
  crashPoint(name: string): void {
    if (this.opts.crashAt === name) process.kill(process.pid, "SIGKILL");
    if (this.opts.crashAt === `throw:${name}`) throw new Error(`injected failure at ${name}`);
  }

  /**
   * Runs `fn` in one write transaction (SQLite's write lock is the store-wide mutex). Paths that
   * `fn` moves into `trash` are deleted only after the commit, so a crash leaves nothing half gone.
   */
  write<T>(fn: (trash: (name: string) => string) => T): T {
    const work = this.workDir();
    try {
      return this.db.transaction(() => fn((name) => `${work.path}/${name}`)).immediate();
    } finally {
      work.remove();
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
        if (!top) throw new Error(`layer ${expected[i]} vanished from the store`);
        parent = top.chainId;
      });
      this.crashPoint("after-layer-rename");
      for (const digest of staged.sharedBlobs ?? []) {
        if (!this.content.has(digest)) throw new Error(`blob ${digest} vanished from the store`);
      }
      const created = this.images.insert(
        { ...staged.image, topLayer: top?.chainId ?? null, stored: now },
        [...staged.blobs.map((b) => b.digest), ...(staged.sharedBlobs ?? [])],
      );
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
   * keep their unfinished work in work dirs whose owners are alive.
   */
  sweep(): SweepReport {
    const report: SweepReport = { workDirs: [], layerDirs: [], blobs: [], containerDirs: [] };
    const abandoned = fs.readdirSync(this.tmpRoot).filter(isAbandoned);
    this.write((trash) => {
      for (const name of this.layers.strayDirs()) {
        fs.renameSync(`${this.layers.dir}/${name}`, trash(`layer-${name}`));
        report.layerDirs.push(name);
      }
      for (const id of this.strayContainerDirs()) {
        fs.renameSync(`${this.containersDir}/${id}`, trash(`container-${id}`));
        report.containerDirs.push(id);
      }
      const used = this.usedBlobs(true);
      for (const digest of this.content.list()) {
        if (used.has(digest)) continue;
        this.content.evict(digest, trash(`blob-${digest.slice(7)}`));
        report.blobs.push(digest);
      }
    });
    for (const name of abandoned) {
      fs.rmSync(`${this.tmpRoot}/${name}`, { recursive: true, force: true });
      report.workDirs.push(name);
    }
    return report;
  }

  /** What sweep() would remove, without removing it. */
  garbage(): SweepReport {
    const used = this.usedBlobs(false);
    return {
      workDirs: fs.readdirSync(this.tmpRoot).filter(isAbandoned),
      layerDirs: this.layers.strayDirs(),
      blobs: this.content.list().filter((d) => !used.has(d)),
      containerDirs: this.strayContainerDirs(),
    };
  }

  /** Blobs an image uses, and downloads an interrupted pull leased for its retry. */
  private usedBlobs(expireLeases: boolean): Set<string> {
    const used = this.images.referencedBlobs();
    for (const digest of this.blobMetadata.leased(new Date(), expireLeases)) used.add(digest);
    return used;
  }

  /** Container dirs no row names: a create killed between its rename and its commit. */
  private strayContainerDirs(): string[] {
    return fs.readdirSync(this.containersDir).filter((id) => !this.containers.get(id));
  }
}

export interface SweepReport {
  workDirs: string[];
  layerDirs: string[];
  blobs: Digest[];
  containerDirs: string[];
}
