// `commit`: a new image from a container: the image it was made from plus one layer holding
// exactly its writable layer's changes (OCI whiteouts for deletions), and a config that carries
// the container's execution context (daemon/commit.go). The container is left as it was.
import { recordContainerEvent } from "../events.js";
import type { Engine } from "../engine.js";
import { resolveContainer } from "./container-state.js";
import { readImage } from "../images/read-image.js";
import { stageManifest } from "../images/stage-image.js";
import { parseTagName } from "../images/image-names.js";
import { DOCKER_VERSION } from "../images/import-image.js";
import { MAX_IMAGE_LAYERS } from "./create-container.js";
import { containerRuntime } from "./container-runtime.js";
import { snapshotLayer } from "../../store/snapshot-layer.js";
import { applyChanges } from "../../image/changes.js";
import { canonicalContainerConfig, formatTimestamp, type Descriptor, type ImageConfig } from "../../image/config.js";
import { MediaType } from "../../image/media-types.js";
import { ConflictError, InvalidArgumentError, NotFoundError } from "../../errors.js";
import { beginFreezerChange, endFreezerChange } from "./container-freezer.js";
import type { Runtime } from "../../runtime/runtime.js";
import type { Digest } from "../../image/digest.js";
import type { StagedLayer } from "../../store/layer-store.js";

/** The diff ID of a tar with no entries: Docker records such a commit as an empty layer. */
export const EMPTY_TAR_DIFF_ID = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

export interface CommitRequest {
  container: string;
  name?: string | undefined;
  author?: string | undefined;
  message?: string | undefined;
  changes?: readonly string[];
  pause?: boolean;
  /** Flatten the image into one layer (keeping its config and history). */
  squash?: boolean;
}

export async function commitContainer(engine: Engine, req: CommitRequest): Promise<{ id: Digest }> {
  const name = req.name ? parseTagName(req.name) : undefined;
  const record = resolveContainer(engine, req.container);
  const { spec } = record;
  const config = applyChanges(spec.config, req.changes ?? []);
  const { store } = engine;
  const base = readImage(store, store.images.get(spec.imageId) ?? missingImage(spec.imageId));
  const work = store.workDir();
  const runtime = containerRuntime(engine, spec);
  try {
    const ingested = await whileFrozen(engine, runtime, spec.id, req.pause ?? true, () =>
      snapshotLayer(store.layers.upperDir(spec.id), { work }, { whiteouts: "overlay" }),
    );
    store.crashPoint("after-ingest");
    const empty = ingested.layer.diffId === EMPTY_TAR_DIFF_ID;
    if (!empty && base.layers.length + 1 > MAX_IMAGE_LAYERS) {
      throw new InvalidArgumentError(
        `max depth exceeded: an image can hold at most ${MAX_IMAGE_LAYERS} layers (the kernel stacks 500, one is the container's init layer)`,
      );
    }
    const now = engine.clock.now();
    const created = formatTimestamp(now);
    const imageConfig: ImageConfig = {
      architecture: base.config.architecture,
      ...(req.author ? { author: req.author } : {}),
      ...(req.message ? { comment: req.message } : {}),
      config: canonicalContainerConfig(config),
      container: spec.id,
      container_config: canonicalContainerConfig(spec.config),
      created,
      docker_version: DOCKER_VERSION,
      history: [
        ...(base.config.history ?? []),
        {
          created,
          ...(req.author ? { author: req.author } : {}),
          created_by: (spec.config.Cmd ?? []).join(" "),
          ...(req.message ? { comment: req.message } : {}),
          ...(empty ? { empty_layer: true } : {}),
        },
      ],
      os: base.config.os,
      parent: spec.imageId,
      rootfs: {
        type: "layers",
        diff_ids: empty ? [...base.config.rootfs.diff_ids] : [...base.config.rootfs.diff_ids, ingested.layer.diffId],
      },
    };
    const { blob } = ingested;
    const layerDescriptors: Descriptor[] = [
      ...base.manifest.layers,
      ...(empty ? [] : [{ mediaType: MediaType.ociLayer, digest: blob.digest, size: blob.size }]),
    ];
    const staged = stageManifest(imageConfig, layerDescriptors, { content: store.content, work });
    const layers = new Map<Digest, StagedLayer>(empty ? [] : [[ingested.layer.diffId, ingested.layer]]);
    store.commitImage(
      {
        blobs: [...(empty ? [] : [blob]), staged.config, staged.manifest],
        sharedBlobs: base.manifest.layers.map((l) => l.digest),
        layers,
        diffIds: imageConfig.rootfs.diff_ids,
        image: {
          id: staged.config.digest,
          manifestDigest: staged.manifest.digest,
          manifestMediaType: MediaType.ociManifest,
          parent: spec.imageId,
          created,
        },
        names: name ? [name] : [],
      },
      created,
    );
    recordContainerEvent(engine, spec, "commit", { comment: req.message ?? "" });
    return { id: staged.config.digest };
  } finally {
    work.remove();
  }
}

/**
 * Runs `copy` with the container paused when it runs and `pause` asks for it (Docker's default):
 * the pause is recorded before the freezer is touched, so that a commit killed meanwhile is
 * undone by whoever reads the container next (container-freezer.ts).
 */
async function whileFrozen<T>(engine: Engine, runtime: Runtime, id: string, pause: boolean, copy: () => Promise<T>): Promise<T> {
  const change = pause ? beginFreezerChange(engine, id, "commit", (state) => state.Running && !state.Paused) : undefined;
  if (!change) return copy();
  engine.store.crashPoint("after-commit-pause-recorded");
  let frozen = false;
  try {
    await runtime.pause(id);
    frozen = true;
    engine.store.crashPoint("after-commit-pause");
    return await copy();
  } finally {
    // A user's unpause or stop meanwhile has thawed it already: nothing left to resume.
    if (frozen) await runtime.resume(id).catch(ignoreNotPaused);
    endFreezerChange(engine, id, change, false);
  }
}

function ignoreNotPaused(err: unknown): void {
  if (!(err instanceof ConflictError || err instanceof NotFoundError)) throw err;
}

function missingImage(id: string): never {
  throw new InvalidArgumentError(`the container's image ${id} is gone; it cannot be committed`);
}
