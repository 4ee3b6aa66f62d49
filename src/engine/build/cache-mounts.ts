// The directories of `RUN --mount=type=cache`: kept between builds under
// ${root}/build/cache-mounts, found again by their id, shared, locked or private as BuildKit's
// cache mounts are (solver/llbsolver/mounts: a free instance is reused, a busy one waited for
// with sharing=locked, another made otherwise).
//
//   cache-mounts/.lock               held while an instance is chosen, made, or removed
//   cache-mounts/<key>-<n>/meta.json  id, from, source, times, usage count (written by rename)
//   cache-mounts/<key>-<n>/use.lock   flock: shared by sharing=shared users, exclusive otherwise
//   cache-mounts/<key>-<n>/data/      what the container sees
//
// An instance without meta.json was being made when its maker died: the next choice removes it.
// Locks are flock(2), so a killed build never leaves a cache marked busy.
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { CancelledError } from "../../errors.js";
import { lockExclusive, tryLock, type FileLock } from "../../sys/file-lock.js";
import { removeTree } from "../../sys/remove-tree.js";
import { treeSize } from "../tree-size.js";
import type { CacheSharing } from "../../build/dockerfile/run-mount.js";

/** One cache directory, as `builder prune` and `system df` show it. */
export interface CacheMountInfo {
  /** The mount's id (the target path when the Dockerfile gave none). */
  readonly id: string;
  /** The instance's name ("<key>-<n>"): several exist when private or concurrent users needed them. */
  readonly instance: string;
  /** The directory the containers see. */
  readonly path: string;
  readonly size: number;
  readonly createdAt: string;
  readonly lastUsedAt: string;
  readonly usageCount: number;
  /** A build uses it now (any sharing mode): prune leaves it. */
  readonly inUse: boolean;
}

export interface AcquireCacheOptions {
  readonly id: string;
  readonly sharing: CacheSharing;
  /** from= and source=: a cache seeded from elsewhere is another cache than an empty one with the same id. */
  readonly from: string;
  readonly source: string;
  /** For a new directory (BuildKit's defaults: 0755, root). */
  readonly mode?: number | undefined;
  readonly uid?: number | undefined;
  readonly gid?: number | undefined;
  /** Fills a new instance's data directory (from= seeding), before anyone else can see it. */
  readonly seed?: ((dataDir: string) => Promise<void>) | undefined;
  readonly now: () => Date;
  readonly signal?: AbortSignal | undefined;
  /** How often a sharing=locked user looks again for a free instance. */
  readonly pollMs?: number;
}

export interface AcquiredCacheMount {
  readonly id: string;
  readonly instance: string;
  /** The data directory to bind-mount. */
  readonly path: string;
  release(): void;
}

interface CacheMeta {
  readonly version: 1;
  readonly id: string;
  readonly from: string;
  readonly source: string;
  readonly createdAt: string;
  readonly lastUsedAt: string;
  readonly usageCount: number;
}

export function cacheMountsDir(root: string): string {
  return `${root}/build/cache-mounts`;
}

/**
 * Takes a cache directory for one RUN: an existing instance that the sharing mode allows, else a
 * new one; sharing=locked waits instead for an instance to be free. Release after the run.
 */
export async function acquireCacheMount(root: string, opts: AcquireCacheOptions): Promise<AcquiredCacheMount> {
  const dir = cacheMountsDir(root);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = cacheKeyOf(opts);
  for (;;) {
    if (opts.signal?.aborted) throw new CancelledError("the build was cancelled while waiting for a cache mount");
    const choosing = await lockExclusive(`${dir}/.lock`);
    let got: AcquiredCacheMount | undefined;
    try {
      const instances = instancesOf(dir, key);
      for (const instance of instances) {
        const lock = tryLock(`${dir}/${instance}/use.lock`, { shared: opts.sharing === "shared" });
        if (lock) {
          got = use(dir, instance, lock, opts);
          break;
        }
      }
      if (!got && (opts.sharing !== "locked" || instances.length === 0)) got = await create(dir, key, instances, opts);
    } finally {
      choosing.release();
    }
    if (got) return got;
    await sleep(opts.pollMs ?? 50);
  }
}

/** Every cache directory, in name order. */
export function listCacheMounts(root: string): CacheMountInfo[] {
  const dir = cacheMountsDir(root);
  let names: string[];
  try {
    names = fs
      .readdirSync(dir)
      .filter((n) => !n.startsWith("."))
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const out: CacheMountInfo[] = [];
  for (const instance of names) {
    const meta = readMeta(`${dir}/${instance}`);
    if (!meta) continue; // being made, or left half made
    out.push(infoOf(dir, instance, meta, inUse(`${dir}/${instance}`)));
  }
  return out;
}

/**
 * Removes the cache directories named by `selector` (a cache id: all its instances; or one
 * instance's name) that no build uses now. Returns what it removed, as it was.
 */
export async function removeCacheMount(root: string, selector: string): Promise<CacheMountInfo[]> {
  const dir = cacheMountsDir(root);
  if (!fs.existsSync(dir)) return [];
  const choosing = await lockExclusive(`${dir}/.lock`);
  const removed: CacheMountInfo[] = [];
  try {
    for (const instance of fs.readdirSync(dir).sort()) {
      if (instance.startsWith(".")) continue;
      const meta = readMeta(`${dir}/${instance}`);
      if (!meta || (meta.id !== selector && instance !== selector)) continue;
      const lock = tryLock(`${dir}/${instance}/use.lock`, { shared: false });
      if (!lock) continue; // in use, or held by sharing=locked
      try {
        removed.push(infoOf(dir, instance, meta, false));
        const trash = `${dir}/.trash-${randomBytes(8).toString("hex")}`;
        fs.renameSync(`${dir}/${instance}`, trash);
        removeTree(trash);
      } finally {
        lock.release();
      }
    }
  } finally {
    choosing.release();
  }
  return removed;
}

function cacheKeyOf(opts: AcquireCacheOptions): string {
  return createHash("sha256")
    .update(JSON.stringify([opts.id, opts.from, opts.source]))
    .digest("hex")
    .slice(0, 32);
}

/** This key's complete instances in number order; half-made ones (no meta.json) are removed. */
function instancesOf(dir: string, key: string): string[] {
  const found: { name: string; n: number }[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = /^([0-9a-f]{32})-(\d+)$/.exec(name);
    if (!m || m[1] !== key) continue;
    if (!readMeta(`${dir}/${name}`)) {
      removeTree(`${dir}/${name}`); // we hold .lock: nobody is making it any more
      continue;
    }
    found.push({ name, n: Number(m[2]) });
  }
  return found.sort((a, b) => a.n - b.n).map((f) => f.name);
}

function use(dir: string, instance: string, lock: FileLock, opts: AcquireCacheOptions): AcquiredCacheMount {
  const at = `${dir}/${instance}`;
  const meta = readMeta(at)!;
  writeMeta(at, { ...meta, lastUsedAt: opts.now().toISOString(), usageCount: meta.usageCount + 1 });
  return { id: opts.id, instance, path: `${at}/data`, release: () => lock.release() };
}

async function create(dir: string, key: string, existing: readonly string[], opts: AcquireCacheOptions): Promise<AcquiredCacheMount> {
  const taken = new Set(existing);
  let n = 0;
  while (taken.has(`${key}-${n}`) || fs.existsSync(`${dir}/${key}-${n}`)) n++;
  const instance = `${key}-${n}`;
  const at = `${dir}/${instance}`;
  fs.mkdirSync(at, { mode: 0o700 });
  const lock = tryLock(`${at}/use.lock`, { shared: opts.sharing === "shared" })!;
  try {
    const data = `${at}/data`;
    fs.mkdirSync(data);
    if (opts.seed) await opts.seed(data);
    // The Dockerfile's mode/uid/gid are for a new directory; a seeded one keeps its source's unless given.
    if (!opts.seed || opts.mode !== undefined) fs.chmodSync(data, opts.mode ?? 0o755);
    if (!opts.seed || opts.uid !== undefined || opts.gid !== undefined) {
      const st = fs.statSync(data);
      fs.chownSync(data, opts.uid ?? (opts.seed ? st.uid : 0), opts.gid ?? (opts.seed ? st.gid : 0));
    }
    const now = opts.now().toISOString();
    writeMeta(at, { version: 1, id: opts.id, from: opts.from, source: opts.source, createdAt: now, lastUsedAt: now, usageCount: 1 });
  } catch (err) {
    lock.release();
    removeTree(at);
    throw err;
  }
  return { id: opts.id, instance, path: `${at}/data`, release: () => lock.release() };
}

function readMeta(at: string): CacheMeta | undefined {
  try {
    const meta = JSON.parse(fs.readFileSync(`${at}/meta.json`, "utf8")) as Partial<CacheMeta>;
    if (meta.version !== 1 || typeof meta.id !== "string") return undefined;
    return meta as CacheMeta;
  } catch {
    return undefined;
  }
}

/** Temp file, fsync, rename: a reader sees the old record or the new one, never half of one. */
function writeMeta(at: string, meta: CacheMeta): void {
  const tmp = `${at}/.meta.json.${randomBytes(6).toString("hex")}`;
  const fd = fs.openSync(tmp, "w", 0o600);
  try {
    fs.writeFileSync(fd, `${JSON.stringify(meta)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, `${at}/meta.json`);
}

function inUse(at: string): boolean {
  const lock = tryLock(`${at}/use.lock`, { shared: false });
  if (!lock) return true;
  lock.release();
  return false;
}

function infoOf(dir: string, instance: string, meta: CacheMeta, busy: boolean): CacheMountInfo {
  const path = `${dir}/${instance}/data`;
  return {
    id: meta.id,
    instance,
    path,
    size: treeSize(path),
    createdAt: meta.createdAt,
    lastUsedAt: meta.lastUsedAt,
    usageCount: meta.usageCount,
    inUse: busy,
  };
}
