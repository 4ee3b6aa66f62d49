// Unpacked layers, ready to be lower dirs of an overlay mount: <root>/layers/<dir>/diff, one per
// chain ID. Directory names are short random words so that an overlay mount option naming a few
// hundred of them still fits the kernel's one-page limit.
//
// And containers' snapshots, as containerd's snapshotter has them: prepare() makes a container's
// init and writable layers over an image's top layer and says what to mount; the engine mounts
// that and knows nothing of the directories (see container-snapshots.ts).
import * as fs from "node:fs";
import { randomBytes } from "node:crypto";
import type { Db } from "./db.js";
import { sha256Digest, type Digest } from "../image/digest.js";
import { lgetxattr } from "../sys/linux.js";
import { overlayMount, type Mount } from "../sys/mount.js";
import { ContainerSnapshots, type SnapshotDirs } from "./container-snapshots.js";
import type { Trash } from "./trash.js";
import { ConflictError, NotFoundError, SystemError } from "../errors.js";

export interface LayerRecord {
  readonly chainId: Digest;
  readonly diffId: Digest;
  readonly parent: Digest | null;
  readonly dir: string;
  readonly size: number;
  readonly created: string;
}

export interface StagedLayer {
  readonly diffId: Digest;
  readonly size: number;
  /** The unpacked tree, in a work dir until adopt(). */
  readonly path: string;
}

interface LayerRow {
  chain_id: string;
  diff_id: string;
  parent: string | null;
  dir: string;
  size: number;
  created: string;
}

/** Docker's chain ID: a layer's identity together with everything beneath it. */
export function chainId(parent: Digest | null, diffId: Digest): Digest {
  return parent === null ? diffId : sha256Digest(`${parent} ${diffId}`);
}

export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const result: Digest[] = [];
  let parent: Digest | null = null;
  for (const diffId of diffIds) {
    parent = chainId(parent, diffId);
    result.push(parent);
  }
  return result;
}

export interface LayerStoreOptions {
  /** The store's fault injection (Store.crashPoint): tests kill the process at named steps. */
  crashPoint?: (name: string) => void;
}

export class LayerStore {
  readonly dir: string;
  private readonly snapshots: ContainerSnapshots;

  constructor(
    root: string,
    private readonly db: Db,
    opts: LayerStoreOptions = {},
  ) {
    this.dir = `${root}/layers`;
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.snapshots = new ContainerSnapshots(`${root}/containers`, { crashPoint: opts.crashPoint ?? (() => undefined) });
  }

  /** Where containers' directories live: each holds its snapshot, its mount point and the engine's userdata. */
  get containersDir(): string {
    return this.snapshots.dir;
  }

  /**
   * Makes the init layer and the empty writable layer of container `containerId` over `parent`
   * (null: no image layers), and returns the mounts that make its root filesystem. Call inside
   * the write transaction that records the container: the snapshot's row is the container's, so
   * a process killed before the commit leaves a directory no row names, which the sweep removes.
   * A snapshot that is there already is refused (ConflictError), as containerd refuses a key.
   */
  prepare(containerId: string, parent: Digest | null): Mount[] {
    if (!this.db.inTransaction) throw new SystemError("a snapshot is prepared inside the store's write transaction");
    if (parent !== null && !this.get(parent)) throw new NotFoundError(`layer ${parent} is not in the store`);
    this.snapshots.create(containerId);
    return [overlayMount(this.snapshotDirs(containerId, parent))];
  }

  /** The mounts prepare() returned, again. NotFoundError when the container has no snapshot. */
  mounts(containerId: string): Mount[] {
    return [overlayMount(this.dirs(containerId))];
  }

  /** The snapshot's directories (whether or not damage took them): what diff and inspect read. */
  dirs(containerId: string): SnapshotDirs {
    const row = this.db.prepare("SELECT top_layer FROM containers WHERE id = ?").get(containerId) as
      { top_layer: string | null } | undefined;
    if (!row) throw new NotFoundError(`no snapshot for container ${containerId}`);
    return this.snapshotDirs(containerId, row.top_layer as Digest | null);
  }

  /** The writable layer: a container's own changes, what commit packs and diff walks. */
  upperDir(containerId: string): string {
    return this.snapshots.paths(containerId).upper;
  }

  /**
   * Removes a container's snapshot: detaches whatever is still mounted in the container's
   * directory and moves the directory into `trash`. Idempotent. Call inside the write transaction
   * that deletes the container's row (or, for a leftover, none exists).
   */
  remove(containerId: string, trash: Trash): void {
    this.snapshots.remove(containerId, trash);
  }

  /**
   * Undoes a prepare() whose transaction is about to roll back: the snapshot was never visible, so
   * it goes at once (a trash would put it back). What cannot go is a leftover for the sweep.
   */
  discard(containerId: string): void {
    this.snapshots.discard(containerId);
  }

  /** Containers' directories with no row: a create killed between its prepare and its commit. */
  straySnapshots(): string[] {
    const known = this.db.prepare("SELECT 1 FROM containers WHERE id = ?");
    return this.snapshots.list().filter((id) => known.get(id) === undefined);
  }

  private snapshotDirs(containerId: string, parent: Digest | null): SnapshotDirs {
    const own = this.snapshots.paths(containerId);
    const layers = parent ? this.stack(parent).map((l) => this.diffPath(l)) : [];
    return { ...own, lower: [own.init, ...layers] };
  }

  get(chain: Digest): LayerRecord | undefined {
    const row = this.db.prepare("SELECT * FROM layers WHERE chain_id = ?").get(chain) as LayerRow | undefined;
    return row && toRecord(row);
  }

  list(): LayerRecord[] {
    return (this.db.prepare("SELECT * FROM layers").all() as LayerRow[]).map(toRecord);
  }

  /** The layer and its ancestors, top first. */
  chain(top: Digest): LayerRecord[] {
    const result: LayerRecord[] = [];
    for (let at: Digest | null = top; at !== null;) {
      const layer = this.get(at);
      if (!layer) break;
      result.push(layer);
      at = layer.parent;
    }
    return result;
  }

  /**
   * The layers an overlay mount of `top` stacks, top first: the chain down to the first layer
   * whose root is opaque (it came with /.wh..wh..opq). overlayfs honours the opaque mark on any
   * directory but the root of a lower layer, so the layers such a root hides are left out.
   */
  stack(top: Digest): LayerRecord[] {
    return this.visible(this.chain(top));
  }

  /** `layers` (top first) cut below the first whose root is opaque. */
  visible(layers: readonly LayerRecord[]): LayerRecord[] {
    const cut = layers.findIndex((layer) => isOpaqueRoot(this.diffPath(layer)));
    return cut < 0 ? [...layers] : layers.slice(0, cut + 1);
  }

  diffPath(layer: LayerRecord): string {
    return `${this.dir}/${layer.dir}/diff`;
  }

  /** A fresh layer directory in a work dir: unpack into `<path>`. */
  prepareStaging(workPath: string): string {
    fs.mkdirSync(`${workPath}/diff`, { recursive: true, mode: 0o755 });
    return `${workPath}/diff`;
  }

  /**
   * Makes a staged layer part of the store under its chain ID, unless one is there already (then the
   * staged copy stays behind for the work dir's removal). Call inside a write transaction.
   */
  adopt(parent: Digest | null, staged: StagedLayer, now: string): LayerRecord {
    const id = chainId(parent, staged.diffId);
    const existing = this.get(id);
    if (existing) return existing;
    const dir = randomBytes(8).toString("base64url").replace(/[-_]/g, "x").slice(0, 10).toLowerCase();
    fs.mkdirSync(`${this.dir}/${dir}`, { mode: 0o700 });
    fs.renameSync(staged.path, `${this.dir}/${dir}/diff`);
    this.db
      .prepare("INSERT INTO layers (chain_id, diff_id, parent, dir, size, created) VALUES (?, ?, ?, ?, ?, ?)")
      .run(id, staged.diffId, parent, dir, staged.size, now);
    return { chainId: id, diffId: staged.diffId, parent, dir, size: staged.size, created: now };
  }

  /** Layers from `top` down that nothing uses any more: no image, no container, no child layer. */
  unreferenced(top: Digest): LayerRecord[] {
    const gone: LayerRecord[] = [];
    for (const layer of this.chain(top)) {
      const n = this.users(layer.chainId);
      // Children already found to be unused are still rows; they count as gone.
      const childrenGoing = gone.filter((g) => g.parent === layer.chainId).length;
      if (n - childrenGoing > 0) break;
      gone.push(layer);
    }
    return gone;
  }

  /**
   * Deletes the rows and moves the dirs into `trash`. Call inside a write transaction, children
   * first. A layer that an image, a container or a layer left standing uses is refused (ConflictError).
   */
  evict(layers: readonly LayerRecord[], trash: Trash): void {
    const del = this.db.prepare("DELETE FROM layers WHERE chain_id = ?");
    for (const layer of layers) {
      if (this.users(layer.chainId) > 0) throw new ConflictError(`layer ${layer.chainId} is in use`);
      del.run(layer.chainId);
      trash.move(`${this.dir}/${layer.dir}`);
    }
  }

  /** How many images, containers and child layers stand on the layer. */
  private users(chain: Digest): number {
    const { n } = this.db
      .prepare(
        `SELECT (SELECT COUNT(*) FROM images WHERE top_layer = @id)
              + (SELECT COUNT(*) FROM containers WHERE top_layer = @id)
              + (SELECT COUNT(*) FROM layers WHERE parent = @id) AS n`,
      )
      .get({ id: chain }) as { n: number };
    return n;
  }

  /** Directories in layers/ with no row: leftovers of a process killed between rename and commit. */
  strayDirs(): string[] {
    const known = new Set((this.db.prepare("SELECT dir FROM layers").all() as { dir: string }[]).map((r) => r.dir));
    return fs.readdirSync(this.dir).filter((name) => !known.has(name));
  }
}

function isOpaqueRoot(dir: string): boolean {
  try {
    return lgetxattr(dir, "trusted.overlay.opaque")?.toString() === "y";
  } catch {
    return false; // a missing layer directory is system check's to report, not the mount's
  }
}

function toRecord(row: LayerRow): LayerRecord {
  return {
    chainId: row.chain_id as Digest,
    diffId: row.diff_id as Digest,
    parent: row.parent as Digest | null,
    dir: row.dir,
    size: row.size,
    created: row.created,
  };
}
