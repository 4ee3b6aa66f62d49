// The directories of containers' snapshots: <containers>/<id>/ holds the writable layer (diff, and
// overlay's work dir), Docker's init layer (the mount points the runtime needs, so that diff and
// commit never see them), the mount point (merged) and userdata, the engine's own files for the
// container (hosts files, logs). The layer store decides when they exist; this module only makes,
// names and removes them.
import * as fs from "node:fs";
import { mountsBelow, unmount } from "../sys/mount.js";
import { removeTree } from "../sys/remove-tree.js";
import { ConflictError, SystemError } from "../errors.js";
import type { Trash } from "./trash.js";

export interface SnapshotDirs {
  /** The writable layer: the container's own changes. */
  readonly upper: string;
  /** overlayfs's work dir, on the upper dir's filesystem. */
  readonly work: string;
  /** The init layer, the writable layer's first lower. */
  readonly init: string;
  /** What the overlay stacks below the writable layer, top first: the init layer, then the image's layers. */
  readonly lower: readonly string[];
}

/** Container IDs as the engine makes them: 64 hex digits, safe as a directory name. */
const CONTAINER_ID = /^[0-9a-f]{64}$/;

/** Empty files and directories the runtime mounts over; Docker's initlayer.Setup makes the same. */
const INIT_DIRS = ["dev/pts", "dev/shm", "proc", "sys", "etc"];
const INIT_FILES = ["etc/hosts", "etc/hostname", "etc/resolv.conf", "dev/console"];

export class ContainerSnapshots {
  constructor(
    readonly dir: string,
    private readonly faults: { crashPoint: (name: string) => void },
  ) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  paths(id: string): Omit<SnapshotDirs, "lower"> {
    const dir = this.path(id);
    return { upper: `${dir}/diff`, work: `${dir}/work`, init: `${dir}/init` };
  }

  list(): string[] {
    return fs.readdirSync(this.dir);
  }

  /** Made in place: the caller holds the store's write lock, so no sweep can see it half made. */
  create(id: string): void {
    if (!CONTAINER_ID.test(id)) throw new SystemError(`invalid container ID ${JSON.stringify(id)} for a snapshot`);
    const dir = this.path(id);
    try {
      fs.mkdirSync(dir, { mode: 0o710 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new ConflictError(`a snapshot of container ${id} exists already`);
      throw err;
    }
    try {
      for (const sub of ["diff", "work", "init", "merged", "userdata"]) fs.mkdirSync(`${dir}/${sub}`, { mode: 0o755 });
      // mkdir's mode is cut by the umask; the container dir's must be exact.
      fs.chmodSync(dir, 0o710);
      for (const d of INIT_DIRS) fs.mkdirSync(`${dir}/init/${d}`, { recursive: true, mode: 0o755 });
      for (const f of INIT_FILES) fs.writeFileSync(`${dir}/init/${f}`, "", { mode: 0o644 });
      this.faults.crashPoint("after-snapshot-prepare");
    } catch (err) {
      // A snapshot is whole or absent; what the failed attempt made goes with it.
      removeTree(dir);
      throw err;
    }
  }

  /** Detaches what is mounted inside, then moves the directory into `trash`; gone already is fine. */
  remove(id: string, trash: Trash): void {
    this.detach(id);
    trash.move(this.path(id));
  }

  /** Detaches what is mounted inside, then deletes the directory at once; gone already is fine. */
  discard(id: string): void {
    this.detach(id);
    removeTree(this.path(id));
  }

  private detach(id: string): void {
    for (const mount of mountsBelow(fs.readFileSync("/proc/self/mountinfo", "utf8"), this.path(id))) unmount(mount);
  }

  /** Any entry of the directory may be a leftover to remove, so only what could leave it is refused. */
  private path(id: string): string {
    if (id === "" || id === "." || id === ".." || id.includes("/")) throw new SystemError(`invalid snapshot name ${JSON.stringify(id)}`);
    return `${this.dir}/${id}`;
  }
}
