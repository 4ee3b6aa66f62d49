// `rmi` and `image prune` with Docker's rules (daemon/images/image_delete.go): a name given
// untags first; an ID given deletes when nothing else holds the image; layers nobody uses go too.
import { recordEvent } from "../events.js";
import type { Engine } from "../engine.js";
import type { Digest } from "../../image/digest.js";
import { shortId } from "../../image/digest.js";
import { ConflictError } from "../../errors.js";
import { familiarString, formatReference, parseReference, withDefaultTag } from "../../image/reference.js";
import type { Store } from "../../store/store.js";
import type { LayerRecord } from "../../store/layer-store.js";
import type { Trash } from "../../store/trash.js";
import { readImage } from "./read-image.js";
import { matchesAllLabels } from "../label-filter.js";

export type DeleteRecord = { untagged: string } | { deleted: string };

/** Who else holds an image: containers, once the container store exists. */
export interface ImageUsers {
  containersUsing(imageId: Digest): { id: string; running: boolean }[];
}

/** The containers of the store, with the state they last recorded. */
export function storeUsers(store: Store): ImageUsers {
  return {
    containersUsing: (imageId) => store.containers.usingImage(imageId).map((c) => ({ id: c.spec.id, running: c.state.Running })),
  };
}

export class ImageDeleteConflict extends ConflictError {
  constructor(id: Digest, hard: boolean, reason: string) {
    super(`conflict: unable to delete ${shortId(id)} (${hard ? "cannot be forced" : "must be forced"}) - ${reason}`);
  }
}

interface Deletion {
  records: DeleteRecord[];
  freed: number;
  /** For the event log: what happened to which image. */
  events: { action: "untag" | "delete"; id: Digest; name?: string }[];
}

function noteUntag(out: Deletion, id: Digest, familiar: string): void {
  out.records.push({ untagged: familiar });
  out.events.push({ action: "untag", id, name: familiar });
}

function emitEvents(engine: Engine, out: Deletion): void {
  for (const e of out.events) recordEvent(engine, "image", e.action, e.id, e.name ? { name: e.name } : {});
}

export function removeImage(
  engine: Engine,
  ref: string,
  opts: { force?: boolean; prune?: boolean; users?: ImageUsers } = {},
): DeleteRecord[] {
  const { store } = engine;
  const result = store.write((trash) => {
    const deletion: Deletion = { records: [], freed: 0, events: [] };
    deleteOne(
      store,
      ref,
      { force: opts.force ?? false, prune: opts.prune ?? true, users: opts.users ?? storeUsers(store) },
      deletion,
      trash,
    );
    return deletion;
  });
  emitEvents(engine, result);
  return result.records;
}

function isIdPrefix(id: Digest, ref: string): boolean {
  return id.startsWith(ref) || id.startsWith(`sha256:${ref}`);
}

function deleteOne(
  store: Store,
  ref: string,
  opts: { force: boolean; prune: boolean; users: ImageUsers },
  out: Deletion,
  trash: Trash,
): void {
  const image = store.images.resolve(ref);
  const id = image.id;
  const using = opts.users.containersUsing(id);
  let quiet = false;
  if (!isIdPrefix(id, ref)) {
    const tags = store.images.names(id);
    if (using.length > 0 && tags.length === 1 && !opts.force) {
      throw new ConflictError(
        `conflict: unable to remove repository reference "${ref}" (must force) - container ${shortId(using[0]!.id)} is using its referenced image ${shortId(id)}`,
      );
    }
    const parsed = withDefaultTag(parseReference(ref));
    const name = formatReference(parsed);
    store.images.untag(name);
    noteUntag(out, id, familiarString(parseReference(name)));
    // With its last tag in a repository gone, the repository's digest references go too (Docker's rule).
    if (!parsed.digest) {
      const repo = `${parsed.domain}/${parsed.path}`;
      const remaining = store.images.names(id);
      if (!remaining.some((n) => !n.includes("@") && n.slice(0, n.lastIndexOf(":")) === repo)) {
        for (const digestName of remaining.filter((n) => n.startsWith(`${repo}@`))) {
          store.images.untag(digestName);
          noteUntag(out, id, familiarString(parseReference(digestName)));
        }
      }
    }
    if (store.images.names(id).length > 0) return;
    quiet = true;
  } else {
    const tags = store.images.names(id);
    if (isSingleReference(tags)) {
      checkConflicts(store, id, opts.users, { hard: true, soft: !opts.force, activeReference: false });
      for (const tag of tags) {
        store.images.untag(tag);
        noteUntag(out, id, familiarString(parseReference(tag)));
      }
    }
  }
  deleteImage(store, id, { force: opts.force, prune: opts.prune, quiet, users: opts.users }, out, trash);
}

/** At most one tag, and every name in the same repository (Docker's isSingleReference). */
function isSingleReference(names: readonly string[]): boolean {
  const tags = names.filter((n) => !n.includes("@"));
  if (tags.length > 1) return false;
  const repos = new Set(names.map((n) => n.replace(/[:@][^/]*$/, "")));
  return repos.size <= 1;
}

function checkConflicts(
  store: Store,
  id: Digest,
  users: ImageUsers,
  check: { hard: boolean; soft: boolean; activeReference: boolean },
): void {
  const conflict = findConflict(store, id, users, check);
  if (conflict) throw conflict.error;
}

function findConflict(
  store: Store,
  id: Digest,
  users: ImageUsers,
  check: { hard: boolean; soft: boolean; activeReference: boolean },
): { error: ImageDeleteConflict; used: boolean } | undefined {
  const using = users.containersUsing(id);
  if (check.hard) {
    if (store.images.children(id).length > 0)
      return { error: new ImageDeleteConflict(id, true, "image has dependent child images"), used: false };
    const running = using.find((c) => c.running);
    if (running)
      return { error: new ImageDeleteConflict(id, true, `image is being used by running container ${shortId(running.id)}`), used: true };
  }
  if (check.soft) {
    if (check.activeReference && store.images.names(id).length > 0) {
      return { error: new ImageDeleteConflict(id, false, "image is referenced in multiple repositories"), used: false };
    }
    const stopped = using.find((c) => !c.running);
    if (stopped)
      return { error: new ImageDeleteConflict(id, false, `image is being used by stopped container ${shortId(stopped.id)}`), used: true };
  }
  return undefined;
}

function deleteImage(
  store: Store,
  id: Digest,
  opts: { force: boolean; prune: boolean; quiet: boolean; users: ImageUsers },
  out: Deletion,
  trash: Trash,
): void {
  const conflict = findConflict(store, id, opts.users, { hard: true, soft: !opts.force, activeReference: !opts.force });
  if (conflict) {
    // dockerd's imageIsDangling: no name and no child image.
    const dangling = store.images.names(id).length === 0 && store.images.children(id).length === 0;
    if (opts.quiet && (!dangling || conflict.used)) return;
    throw conflict.error;
  }
  const image = store.images.get(id)!;
  for (const name of store.images.names(id)) {
    store.images.untag(name);
    noteUntag(out, id, familiarString(parseReference(name)));
  }
  const unusedBlobs = store.images.delete(id);
  out.records.push({ deleted: id });
  out.events.push({ action: "delete", id });
  const layers: LayerRecord[] = image.topLayer ? store.layers.unreferenced(image.topLayer) : [];
  store.layers.evict(layers, trash);
  for (const layer of layers) {
    out.records.push({ deleted: layer.chainId });
    out.freed += layer.size;
  }
  for (const blob of unusedBlobs) store.content.evict(blob, trash);
  if (opts.prune && image.parent && store.images.get(image.parent)) {
    deleteImage(store, image.parent, { force: false, prune: true, quiet: true, users: opts.users }, out, trash);
  }
}

export interface PruneResult {
  records: DeleteRecord[];
  spaceReclaimed: number;
}

/** `image prune`: dangling images, or with `all` every image no container uses. */
export function pruneImages(
  engine: Engine,
  opts: { all?: boolean; until?: Date; labels?: readonly string[]; users?: ImageUsers } = {},
): PruneResult {
  const { store } = engine;
  const users = opts.users ?? storeUsers(store);
  const pruned = store.write((trash) => {
    const out: Deletion = { records: [], freed: 0, events: [] };
    const candidates = store.images.list().filter((image) => {
      if (!opts.all && store.images.children(image.id).length > 0) return false; // only heads
      if (image.names.length === 0 && store.images.children(image.id).length > 0) return false;
      if (opts.until && new Date(image.created) > opts.until) return false;
      return true;
    });
    for (const candidate of candidates) {
      if (!store.images.get(candidate.id)) continue; // gone as the parent of an earlier one
      if (opts.labels?.length && !matchLabels(store, candidate.id, opts.labels)) continue;
      const names = store.images.names(candidate.id);
      try {
        if (names.length > 0) {
          if (!opts.all && names.some((n) => !n.includes("@"))) continue;
          for (const name of names) deleteOne(store, name, { force: false, prune: true, users }, out, trash);
        } else {
          deleteOne(store, candidate.id.slice(7), { force: false, prune: true, users }, out, trash);
        }
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    return out;
  });
  emitEvents(engine, pruned);
  return { records: pruned.records, spaceReclaimed: pruned.freed };
}

function matchLabels(store: Store, id: Digest, filters: readonly string[]): boolean {
  return matchesAllLabels(readImage(store, store.images.get(id)!).config.config?.Labels ?? {}, filters);
}

/**
 * Deletes an image the build cache alone held, and its untagged parents, when nothing else holds
 * them (a name, a container, a child image): `builder prune`'s part of image removal. Returns the
 * bytes of the layers that went.
 */
export function deleteCachedImage(engine: Engine, id: Digest, trash: Trash): number {
  const { store } = engine;
  if (!store.images.get(id)) return 0;
  const users = storeUsers(store);
  // Held by a name, a container or a child: the cache gives up its record, the image stays.
  if (findConflict(store, id, users, { hard: true, soft: true, activeReference: true })) return 0;
  const deletion: Deletion = { records: [], freed: 0, events: [] };
  deleteImage(store, id, { force: false, prune: true, quiet: true, users }, deletion, trash);
  emitEvents(engine, deletion);
  return deletion.freed;
}
