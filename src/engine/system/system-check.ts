// `system check`: proves the store consistent, or lists what is not and, asked to, repairs it.
// Checks what a crash, a kill -9 or a damaged disk can leave (podman's storage/check.go, c2.2).
import * as fs from "node:fs";
import type { Engine } from "../engine.js";
import { chainIds } from "../../store/layer-store.js";
import type { Digest } from "../../image/digest.js";
import type { Manifest, ImageConfig } from "../../image/config.js";
import { refreshContainer } from "../containers/container-state.js";
import { mountsBelow, unmount } from "../../sys/mount.js";
import { networkLeftovers, releaseNetworkLeftovers } from "../network/network-repair.js";

export interface Problem {
  object: string;
  message: string;
}

export interface CheckReport {
  /** Damage: images that cannot be used as they are. */
  problems: Problem[];
  /** What interrupted processes leave and the next mutating command sweeps: not damage. */
  leftovers: Problem[];
  repaired: Problem[];
}

export async function checkStore(engine: Engine, opts: { repair?: boolean; quick?: boolean } = {}): Promise<CheckReport> {
  const { store } = engine;
  const problems: Problem[] = [];
  const damagedImages = new Set<Digest>();
  const note = (object: string, message: string, image?: Digest) => {
    problems.push({ object, message });
    if (image) damagedImages.add(image);
  };

  for (const row of store.db.pragma("integrity_check") as { integrity_check: string }[]) {
    if (row.integrity_check !== "ok") note("database", row.integrity_check);
  }
  for (const row of store.db.pragma("foreign_key_check") as { table: string; rowid: number }[]) {
    note("database", `row ${row.rowid} of ${row.table} points at a missing row`);
  }

  const verified = new Map<Digest, boolean>();
  const blobOk = async (digest: Digest): Promise<string | undefined> => {
    if (!store.content.has(digest)) return "is missing";
    if (opts.quick) return undefined;
    if (!verified.has(digest)) verified.set(digest, await store.content.verify(digest));
    return verified.get(digest) ? undefined : "does not match its digest";
  };

  for (const image of store.images.list()) {
    const label = `image ${image.id.slice(7, 19)}`;
    const manifestProblem = await blobOk(image.manifestDigest);
    if (manifestProblem) {
      note(label, `manifest ${image.manifestDigest} ${manifestProblem}`, image.id);
      continue;
    }
    const manifest = JSON.parse(fs.readFileSync(store.content.path(image.manifestDigest), "utf8")) as Manifest;
    if (manifest.config.digest !== image.id) note(label, `manifest names config ${manifest.config.digest}, not the image ID`, image.id);
    const configProblem = await blobOk(manifest.config.digest);
    if (configProblem) {
      note(label, `config ${manifest.config.digest} ${configProblem}`, image.id);
      continue;
    }
    const config = JSON.parse(fs.readFileSync(store.content.path(manifest.config.digest), "utf8")) as ImageConfig;
    for (const layer of manifest.layers) {
      const problem = await blobOk(layer.digest);
      if (problem) note(label, `layer blob ${layer.digest} ${problem}`, image.id);
    }
    const chains = chainIds(config.rootfs.diff_ids);
    if ((chains[chains.length - 1] ?? null) !== image.topLayer) note(label, "its top layer does not match its config's diff IDs", image.id);
    for (const chain of chains) {
      const layer = store.layers.get(chain);
      if (!layer) note(label, `layer ${chain} is missing`, image.id);
      else if (!fs.existsSync(store.layers.diffPath(layer))) note(label, `the directory of layer ${chain} is missing`, image.id);
    }
  }

  checkContainers(engine, note);

  const used = usedLayers(engine);
  for (const layer of store.layers.list()) {
    if (!used.has(layer.chainId)) note(`layer ${layer.chainId.slice(7, 19)}`, "is used by no image");
  }

  const leftovers: Problem[] = [];
  const garbage = store.garbage();
  for (const name of garbage.workDirs) leftovers.push({ object: `work dir ${name}`, message: "was left by a process that is gone" });
  for (const { name, reason } of store.stuckWorkDirs())
    leftovers.push({ object: `work dir ${name}`, message: `could not be removed: ${reason}` });
  for (const name of garbage.layerDirs) leftovers.push({ object: `layer dir ${name}`, message: "is not in the database" });
  for (const digest of garbage.blobs) leftovers.push({ object: `blob ${digest}`, message: "is used by no image" });
  for (const id of garbage.containerDirs) leftovers.push({ object: `container dir ${id.slice(0, 12)}`, message: "is not in the database" });
  for (const mount of strayMounts(engine)) leftovers.push({ object: `mount ${mount}`, message: "belongs to no running container" });
  leftovers.push(...(await networkLeftovers(engine)));

  if (!opts.repair || problems.length + leftovers.length === 0) return { problems, leftovers, repaired: [] };
  for (const mount of strayMounts(engine)) unmount(mount);
  await releaseNetworkLeftovers(engine);
  repair(engine, damagedImages);
  const after = await checkStore(engine, { quick: opts.quick ?? false });
  const remaining = new Set([...after.problems, ...after.leftovers].map((p) => `${p.object}\0${p.message}`));
  const repaired = [...problems, ...leftovers].filter((p) => !remaining.has(`${p.object}\0${p.message}`));
  return { problems: after.problems, leftovers: after.leftovers, repaired };
}

/** Damaged images go (their names with them); then the sweep removes whatever nothing references. */
function repair(engine: Engine, damaged: ReadonlySet<Digest>): void {
  const { store } = engine;
  store.write((trash) => {
    for (const id of damaged) {
      if (store.containers.usingImage(id).length === 0) store.images.delete(id);
    }
    const used = usedLayers(engine);
    // Children before parents: a layer's parent row is referenced by it.
    const orphans = store.layers.list().filter((l) => !used.has(l.chainId));
    const depth = (l: { parent: Digest | null }): number => (l.parent ? 1 + depth(store.layers.get(l.parent) ?? { parent: null }) : 0);
    orphans.sort((a, b) => depth(b) - depth(a));
    store.layers.evict(orphans, trash);
  });
  store.sweep({ retryStuck: true });
}

/** Layers some image or container stands on. */
function usedLayers(engine: Engine): Set<string> {
  const { store } = engine;
  const used = new Set<string>();
  const tops = [...store.images.list().map((i) => i.topLayer), ...store.containers.topLayers()];
  for (const top of tops) if (top) for (const l of store.layers.chain(top as Digest)) used.add(l.chainId);
  return used;
}

/** Every container's layers and directory must be there; a recorded state must match conmon's. */
function checkContainers(engine: Engine, note: (object: string, message: string) => void): void {
  const { store } = engine;
  for (const stored of store.containers.list()) {
    const label = `container ${stored.spec.id.slice(0, 12)} (${stored.spec.name})`;
    const record = refreshContainer(engine, stored);
    if (stored.state.Running && !record.state.Running) {
      // Not damage: conmon's news folded in now, as any command would.
      continue;
    }
    if (stored.spec.topLayer && store.layers.chain(stored.spec.topLayer as Digest).length === 0)
      note(label, `its image layer ${stored.spec.topLayer} is missing`);
    const snapshot = store.layers.dirs(stored.spec.id);
    for (const dir of [snapshot.upper, snapshot.work, snapshot.init]) {
      if (!fs.existsSync(dir)) note(label, `${dir} is missing`);
    }
  }
}

/** Overlay mounts of containers that are not running: a stop or rm that was killed halfway. */
function strayMounts(engine: Engine): string[] {
  const mounts = mountsBelow(fs.readFileSync("/proc/self/mountinfo", "utf8"), engine.store.containersDir);
  return mounts.filter((m) => {
    const id = m.slice(engine.store.containersDir.length + 1).split("/")[0] ?? "";
    const record = engine.store.containers.get(id);
    return !record || !refreshContainer(engine, record).state.Running;
  });
}
