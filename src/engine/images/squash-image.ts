// `image squash`: an image flattened into one layer that keeps its config and its history (as
// empty-layer entries plus one for the squash), unlike export | import, which loses both.
import * as fs from "node:fs";
import type { Engine } from "../engine.js";
import { readImage } from "./read-image.js";
import { publishSingleLayerImage } from "./stage-image.js";
import { parseTagName } from "./image-names.js";
import { snapshotLayer } from "../../store/snapshot-layer.js";
import { mountAll, overlayMount, unmount } from "../../sys/mount.js";
import { formatTimestamp, type ImageConfig } from "../../image/config.js";
import type { Digest } from "../../image/digest.js";

export async function squashImage(
  engine: Engine,
  ref: string,
  opts: { name?: string | undefined; message?: string | undefined } = {},
): Promise<{ id: Digest }> {
  const name = opts.name ? parseTagName(opts.name) : undefined;
  const { store } = engine;
  const image = readImage(store, store.images.resolve(ref));
  const work = store.workDir();
  const view = `${work.path}/view`;
  fs.mkdirSync(view);
  const dirs = store.layers.visible([...image.layers].reverse()).map((l) => store.layers.diffPath(l));
  // One layer is its own flat view; several are stacked read-only (overlay needs two lower dirs for that).
  const mounted = dirs.length > 1;
  try {
    if (mounted) mountAll([overlayMount({ lower: dirs })], view);
    const root = mounted ? view : (dirs[0] ?? view);
    let ingested;
    try {
      ingested = await snapshotLayer(root, { work });
    } finally {
      if (mounted) unmount(view);
    }
    const now = engine.clock.now();
    const created = formatTimestamp(now);
    const config: ImageConfig = {
      ...image.config,
      created,
      history: [
        ...(image.config.history ?? []).map((h) => ({ ...h, empty_layer: true })),
        { created, created_by: `berth image squash ${ref}`, comment: opts.message ?? `squashed ${image.layers.length} layers into one` },
      ],
      rootfs: { type: "layers", diff_ids: [ingested.layer.diffId] },
    };
    delete config.parent;
    return { id: publishSingleLayerImage(store, work, { config, layer: ingested, name, created }) };
  } finally {
    work.remove();
  }
}
