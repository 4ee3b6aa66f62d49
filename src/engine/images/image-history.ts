// `history`: one row per history entry, newest first, with image IDs along the Parent chain and
// <missing> beyond it (daemon/images/image_history.go).
import type { Engine } from "../engine.js";
import { readImage } from "./read-image.js";
import { chainIds } from "../../store/layer-store.js";
import { familiarString, parseReference } from "../../image/reference.js";
import type { Digest } from "../../image/digest.js";
import { SystemError } from "../../errors.js";

export interface HistoryRow {
  id: string;
  created: Date | null;
  createdBy: string;
  tags: string[];
  size: number;
  comment: string;
}

export function imageHistory(engine: Engine, ref: string): HistoryRow[] {
  const { store } = engine;
  const record = store.images.resolve(ref);
  const image = readImage(store, record);
  const diffIds = image.config.rootfs.diff_ids;
  const chains = chainIds(diffIds);
  const rows: HistoryRow[] = [];
  let layerIndex = 0;
  for (const entry of image.config.history ?? []) {
    let size = 0;
    if (!entry.empty_layer) {
      if (layerIndex >= diffIds.length) throw new SystemError("too many non-empty layers in History section");
      size = store.layers.get(chains[layerIndex]!)?.size ?? 0;
      layerIndex++;
    }
    rows.unshift({
      id: "<missing>",
      created: entry.created ? new Date(entry.created) : null,
      createdBy: entry.created_by ?? "",
      tags: [],
      size,
      comment: entry.comment ?? "",
    });
  }
  let id: Digest | null = record.id;
  for (const row of rows) {
    if (id === null) break;
    const at = store.images.get(id);
    if (!at) break;
    row.id = id;
    row.tags = at.names.filter((n) => !n.includes("@")).map((n) => familiarString(parseReference(n)));
    id = at.parent;
  }
  return rows;
}
