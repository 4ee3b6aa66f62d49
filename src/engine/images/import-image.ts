// `berth import`: a tar (plain or compressed) becomes a one-layer image, with -c changes applied.
import { recordEvent } from "../events.js";
import type { Readable } from "node:stream";
import type { Engine } from "../engine.js";
import { ingestLayer } from "../../store/ingest-layer.js";
import { publishSingleLayerImage } from "./stage-image.js";
import { applyChanges } from "../../image/changes.js";
import { canonicalContainerConfig, formatTimestamp, hostPlatform, parsePlatform, type ImageConfig } from "../../image/config.js";
import { parseTagName } from "./image-names.js";
import type { Digest } from "../../image/digest.js";

export interface ImportRequest {
  source: Readable;
  /** What the tar came from, for the history comment ("-" for a stream, as Docker's CLI sends it). */
  sourceName: string;
  name?: string | undefined;
  changes?: readonly string[];
  message?: string | undefined;
  /** os[/arch[/variant]] to record instead of this machine's. */
  platform?: string | undefined;
  signal?: AbortSignal;
}

export async function importImage(engine: Engine, req: ImportRequest): Promise<{ id: Digest }> {
  // Everything that can be refused is refused before a byte is read.
  const name = req.name ? parseTagName(req.name) : undefined;
  const containerConfig = applyChanges({}, req.changes ?? []);
  const platform = req.platform ? parsePlatform(req.platform) : hostPlatform();
  const { store } = engine;
  const work = store.workDir();
  try {
    const ingested = await ingestLayer(
      req.source,
      { content: store.content, work },
      {
        keep: "uncompressed",
        ...(req.signal ? { signal: req.signal } : {}),
      },
    );
    store.crashPoint("after-ingest");
    const now = engine.clock.now();
    const created = formatTimestamp(now);
    const comment = req.message || `Imported from ${req.sourceName}`;
    const config: ImageConfig = {
      architecture: platform.architecture,
      comment,
      config: canonicalContainerConfig(containerConfig),
      container_config: canonicalContainerConfig(undefined),
      created,
      docker_version: DOCKER_VERSION,
      history: [{ created, comment }],
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      rootfs: { type: "layers", diff_ids: [ingested.layer.diffId] },
    };
    const id = publishSingleLayerImage(store, work, { config, layer: ingested, name, created });
    recordEvent(engine, "image", "import", id, name ? { name } : {});
    return { id };
  } finally {
    work.remove();
  }
}

/** What `docker version` calls the engine version in image configs: berth writes its own. */
export const DOCKER_VERSION = "20.10.24+berth";
