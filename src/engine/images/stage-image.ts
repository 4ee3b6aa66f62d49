// Turns a config and its layer blobs into the config and manifest blobs of a new image, staged in
// a work dir. import, commit, load and squash all end here before Store.commitImage; import and
// squash, whose image is one new layer, publish through publishSingleLayerImage.
import type { FileContentStore, StagedBlob } from "../../store/content-store.js";
import type { WorkDir } from "../../store/work-dir.js";
import type { Store } from "../../store/store.js";
import type { IngestedLayer } from "../../store/ingest-layer.js";
import type { Digest } from "../../image/digest.js";
import { SystemError } from "../../errors.js";
import type { Descriptor, ImageConfig, Manifest } from "../../image/config.js";
import { MediaType } from "../../image/media-types.js";

export interface StagedManifest {
  config: StagedBlob;
  manifest: StagedBlob;
  rawConfig: Buffer;
}

export function stageManifest(
  config: ImageConfig | Buffer,
  layers: readonly Descriptor[],
  deps: { content: FileContentStore; work: WorkDir },
): StagedManifest {
  // A config that came from elsewhere keeps its exact bytes: they are the image ID.
  const rawConfig = Buffer.isBuffer(config) ? config : Buffer.from(JSON.stringify(config));
  const configBlob = deps.content.stageBuffer(rawConfig, deps.work.child("config"));
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: configBlob.digest, size: configBlob.size },
    layers: [...layers],
  };
  const manifestBlob = deps.content.stageBuffer(Buffer.from(JSON.stringify(manifest)), deps.work.child("manifest"));
  return { config: configBlob, manifest: manifestBlob, rawConfig };
}

/**
 * Publishes an image of one freshly ingested layer (import, squash): its manifest staged, then
 * blobs, layer and names in one store transaction. Returns the image ID.
 */
export function publishSingleLayerImage(
  store: Store,
  work: WorkDir,
  image: { config: ImageConfig; layer: IngestedLayer; name: string | undefined; created: string },
): Digest {
  const { layer, blob } = image.layer;
  if (!blob) throw new SystemError("a published layer must have its blob kept");
  const staged = stageManifest(image.config, [{ mediaType: MediaType.ociLayer, digest: blob.digest, size: blob.size }], {
    content: store.content,
    work,
  });
  store.commitImage(
    {
      blobs: [blob, staged.config, staged.manifest],
      layers: new Map([[layer.diffId, layer]]),
      diffIds: [layer.diffId],
      image: {
        id: staged.config.digest,
        manifestDigest: staged.manifest.digest,
        manifestMediaType: MediaType.ociManifest,
        parent: null,
        created: image.created,
      },
      names: image.name ? [image.name] : [],
    },
    image.created,
  );
  return staged.config.digest;
}
