// Each build step's result is an image, as the classic builder makes them: the parent's layers
// plus the step's own (RUN, COPY, ADD, WORKDIR), the config as the instruction left it, and one
// history entry. The cache maps step keys to these images; the last one is the build's result.
import type { Engine } from "../engine.js";
import { readImage, type StoredImage } from "../images/read-image.js";
import { stageManifest } from "../images/stage-image.js";
import { DOCKER_VERSION } from "../images/import-image.js";
import { EMPTY_TAR_DIFF_ID } from "../containers/commit-container.js";
import { MAX_IMAGE_LAYERS } from "../containers/create-container.js";
import { snapshotLayer } from "../../store/snapshot-layer.js";
import { canonicalContainerConfig, formatTimestamp, type ContainerConfig, type Descriptor, type ImageConfig } from "../../image/config.js";
import { MediaType } from "../../image/media-types.js";
import { InvalidArgumentError, SystemError } from "../../errors.js";
import type { Digest } from "../../image/digest.js";
import type { StagedLayer } from "../../store/layer-store.js";
import type { Platform } from "../../build/dockerfile/dockerfile.js";

/** What a stage stands on: a stored image, or nothing yet (FROM scratch). */
export type StepBase = { readonly kind: "image"; readonly image: StoredImage } | { readonly kind: "scratch"; readonly platform: Platform };

export interface StepCommit {
  /** The config after the instruction. */
  readonly config: ContainerConfig;
  /** The classic builder's record of what ran (ContainerConfig.Cmd). */
  readonly containerCmd: readonly string[];
  /** The history entry's text; undefined for the bare image a container on scratch needs, which has none. */
  readonly createdBy: string | undefined;
  /** MAINTAINER: the image's author, and every later history entry's. */
  readonly author?: string | undefined;
  /** The step container's writable layer, when the step changed files. */
  readonly upperDir?: string | undefined;
  /** The container that ran the step, recorded as the image's `container`. */
  readonly containerId?: string | undefined;
}

export async function commitStepImage(engine: Engine, base: StepBase, step: StepCommit): Promise<StoredImage> {
  const { store } = engine;
  const work = store.workDir();
  try {
    const ingested = step.upperDir ? await snapshotLayer(step.upperDir, { work }, { whiteouts: "overlay" }) : undefined;
    const layer = ingested && ingested.layer.diffId !== EMPTY_TAR_DIFF_ID ? ingested : undefined;
    const parentConfig = base.kind === "image" ? base.image.config : undefined;
    const diffIds = [...(parentConfig?.rootfs.diff_ids ?? [])];
    if (layer) {
      if (diffIds.length + 1 > MAX_IMAGE_LAYERS) {
        throw new InvalidArgumentError(`max depth exceeded: an image can hold at most ${MAX_IMAGE_LAYERS} layers`);
      }
      diffIds.push(layer.layer.diffId);
    }
    const created = formatTimestamp(engine.clock.now());
    const author = step.author ?? parentConfig?.author;
    const config = canonicalContainerConfig(step.config);
    const imageConfig: ImageConfig = {
      architecture: parentConfig?.architecture ?? (base.kind === "scratch" ? base.platform.architecture : "amd64"),
      ...(author ? { author } : {}),
      config,
      ...(step.containerId ? { container: step.containerId } : {}),
      container_config: canonicalContainerConfig({ ...step.config, Cmd: [...step.containerCmd] }),
      created,
      docker_version: DOCKER_VERSION,
      history: [
        ...(parentConfig?.history ?? []),
        ...(step.createdBy === undefined
          ? []
          : [{ created, ...(author ? { author } : {}), created_by: step.createdBy, ...(layer ? {} : { empty_layer: true }) }]),
      ],
      os: parentConfig?.os ?? (base.kind === "scratch" ? base.platform.os : "linux"),
      ...(parentConfig?.variant ? { variant: parentConfig.variant } : {}),
      ...(base.kind === "image" ? { parent: base.image.record.id } : {}),
      rootfs: { type: "layers", diff_ids: diffIds },
    };
    const blob = layer?.blob;
    if (layer && !blob) throw new SystemError("a step's layer must have its blob kept");
    const parentLayers = base.kind === "image" ? base.image.manifest.layers : [];
    const descriptors: Descriptor[] = [
      ...parentLayers,
      ...(blob ? [{ mediaType: MediaType.ociLayer, digest: blob.digest, size: blob.size }] : []),
    ];
    const staged = stageManifest(imageConfig, descriptors, { content: store.content, work });
    const layers = new Map<Digest, StagedLayer>(layer ? [[layer.layer.diffId, layer.layer]] : []);
    store.commitImage(
      {
        blobs: [...(blob ? [blob] : []), staged.config, staged.manifest],
        sharedBlobs: parentLayers.map((l) => l.digest),
        layers,
        diffIds,
        image: {
          id: staged.config.digest,
          manifestDigest: staged.manifest.digest,
          manifestMediaType: MediaType.ociManifest,
          parent: base.kind === "image" ? base.image.record.id : null,
          created,
        },
        names: [],
      },
      created,
    );
    const record = store.images.get(staged.config.digest);
    if (!record) throw new SystemError(`the step's image ${staged.config.digest} vanished as it was made`);
    return readImage(store, record);
  } finally {
    work.remove();
  }
}
