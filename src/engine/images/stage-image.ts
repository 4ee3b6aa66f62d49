// Turns a config and its layer blobs into the config and manifest blobs of a new image, staged in
// a work dir. import, commit, load and squash all end here before Store.commitImage.
import type { FileContentStore, StagedBlob } from "../../store/content-store.js";
import type { WorkDir } from "../../store/work-dir.js";
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
