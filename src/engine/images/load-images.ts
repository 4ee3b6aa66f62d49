// `load`: images from a `docker save` archive (manifest.json) or an OCI image layout tar
// (index.json). Every member is hashed as it arrives; every layer is checked against the config's
// diff IDs before anything becomes visible.
import { recordEvent } from "../events.js";
import * as fs from "node:fs";
import type { Readable } from "node:stream";
import type { Engine } from "../engine.js";
import { stageArchive, type StagedArchive, type ArchiveFile } from "../../archive/stage-archive.js";
import { InvalidLayerError } from "../../archive/extract.js";
import { detectCompression } from "../../archive/compression.js";
import { ingestLayer } from "../../store/ingest-layer.js";
import { chainIds, type StagedLayer } from "../../store/layer-store.js";
import type { StagedBlob } from "../../store/content-store.js";
import type { WorkDir } from "../../store/work-dir.js";
import { stageManifest } from "./stage-image.js";
import { parseTagName } from "./image-names.js";
import { formatTimestamp, hostPlatform, type Descriptor, type ImageConfig, type Index, type Manifest } from "../../image/config.js";
import { MediaType } from "../../image/media-types.js";
import { DigestMismatchError, isDigest, digestHex, type Digest } from "../../image/digest.js";
import { familiarString, parseReference } from "../../image/reference.js";

/** One image found in the archive, before its layers are unpacked. */
interface ArchiveImage {
  config: ArchiveFile;
  layers: ArchiveFile[];
  /** The archive's own manifest, kept byte for byte (OCI layout), or none (docker-archive). */
  manifest?: ArchiveFile;
  names: string[];
}

export interface LoadOptions {
  signal?: AbortSignal;
  /** Told of each layer as it is unpacked (the CLI shows it on a terminal unless -q). */
  onLayer?: (diffId: Digest, size: number) => void;
}

export async function loadImages(engine: Engine, source: Readable, opts: LoadOptions = {}): Promise<string[]> {
  const { store } = engine;
  const work = store.workDir();
  try {
    fs.mkdirSync(`${work.path}/archive`);
    const archive = await stageArchive(source, `${work.path}/archive`, opts);
    const images = archive.has("manifest.json") ? dockerArchiveImages(archive) : ociLayoutImages(archive);
    const lines: string[] = [];
    for (const image of images) lines.push(...(await loadOne(engine, image, work, opts)));
    return lines;
  } finally {
    work.remove();
  }
}

async function loadOne(engine: Engine, image: ArchiveImage, work: WorkDir, opts: LoadOptions): Promise<string[]> {
  const { store } = engine;
  // An earlier image of the same archive may have moved a shared member into the store already.
  const pathOf = (file: ArchiveFile) => (store.content.has(file.digest) ? store.content.path(file.digest) : file.path);
  const rawConfig = fs.readFileSync(pathOf(image.config));
  const config = parseJson<ImageConfig>(rawConfig, "image config");
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== image.layers.length) {
    throw new InvalidLayerError(`invalid archive: the config lists ${diffIds.length} layers but the manifest ${image.layers.length}`);
  }
  const chains = chainIds(diffIds);
  const staged = new Map<Digest, StagedLayer>();
  const blobs: StagedBlob[] = [];
  const descriptors: Descriptor[] = [];
  for (const [i, file] of image.layers.entries()) {
    const diffId = diffIds[i]!;
    if (!store.layers.get(chains[i]!) && !staged.has(diffId)) {
      const ingested = await ingestLayer(
        fs.createReadStream(pathOf(file)),
        { content: store.content, work },
        {
          keep: "none",
          expected: { diffId },
          ...(opts.signal ? { signal: opts.signal } : {}),
        },
      );
      staged.set(diffId, ingested.layer);
      opts.onLayer?.(diffId, file.size);
    }
    blobs.push({ digest: file.digest, size: file.size, path: file.path });
    const mediaType = detectCompression(file.head) === "gzip" ? MediaType.ociLayerGzip : MediaType.ociLayer;
    descriptors.push({ mediaType, digest: file.digest, size: file.size });
  }
  store.crashPoint("after-ingest");
  const configBlob: StagedBlob = { digest: image.config.digest, size: image.config.size, path: image.config.path };
  let manifestBlob: StagedBlob;
  let manifestMediaType: string = MediaType.ociManifest;
  if (image.manifest) {
    manifestBlob = { digest: image.manifest.digest, size: image.manifest.size, path: image.manifest.path };
    manifestMediaType = parseJson<Manifest>(fs.readFileSync(pathOf(image.manifest)), "manifest").mediaType ?? MediaType.ociManifest;
  } else {
    const made = stageManifest(rawConfig, descriptors, { content: store.content, work });
    manifestBlob = made.manifest;
    blobs.push(made.config);
  }
  const id = image.config.digest;
  const names = image.names.map(parseTagName);
  const before = new Map(names.map((n) => [n, store.images.imageIdForName(n)]));
  store.commitImage(
    {
      blobs: [...blobs, ...(image.manifest ? [configBlob] : []), manifestBlob],
      layers: staged,
      diffIds,
      image: {
        id,
        manifestDigest: manifestBlob.digest,
        manifestMediaType,
        parent: null,
        created: config.created ?? formatTimestamp(new Date(0)),
      },
      names,
      recordTagTime: false,
    },
    formatTimestamp(engine.clock.now()),
  );
  const lines: string[] = [];
  for (const name of names) {
    const old = before.get(name);
    const familiar = familiarString(parseReference(name));
    if (old && old !== id) lines.push(`The image ${familiar} already exists, renaming the old one with ID ${old} to empty string`);
    lines.push(`Loaded image: ${familiar}`);
    recordEvent(engine, "image", "load", id, { name: familiar });
  }
  if (names.length === 0) {
    lines.push(`Loaded image ID: ${id}`);
    recordEvent(engine, "image", "load", id, {});
  }
  return lines;
}

function dockerArchiveImages(archive: StagedArchive): ArchiveImage[] {
  const items = parseJson<{ Config?: string; RepoTags?: string[] | null; Layers?: string[] }[]>(
    archive.read("manifest.json")!,
    "manifest.json",
  );
  if (!Array.isArray(items)) throw new InvalidLayerError("invalid archive: manifest.json is not a list");
  return items.map((item) => {
    const config = item.Config ? archive.get(item.Config) : undefined;
    if (!config) throw new InvalidLayerError(`invalid archive: config ${JSON.stringify(item.Config)} not found in the archive`);
    const layers = (item.Layers ?? []).map((path) => {
      const file = archive.get(path);
      if (!file) throw new InvalidLayerError(`invalid archive: layer ${JSON.stringify(path)} not found in the archive`);
      return file;
    });
    return { config, layers, names: item.RepoTags ?? [] };
  });
}

function ociLayoutImages(archive: StagedArchive): ArchiveImage[] {
  const rawIndex = archive.read("index.json");
  if (!rawIndex) {
    throw new InvalidLayerError("invalid archive: neither manifest.json nor index.json found (not a docker save or OCI layout archive)");
  }
  const index = parseJson<Index>(rawIndex, "index.json");
  const images: ArchiveImage[] = [];
  for (const desc of index.manifests ?? []) {
    const manifestDesc = pickManifest(archive, desc);
    const manifestFile = blobFile(archive, manifestDesc);
    const manifest = parseJson<Manifest>(fs.readFileSync(manifestFile.path), "manifest");
    const names: string[] = [];
    const name = desc.annotations?.["io.containerd.image.name"] ?? desc.annotations?.["org.opencontainers.image.ref.name"];
    if (name && /[/:]/.test(name)) names.push(name);
    images.push({
      config: blobFile(archive, manifest.config),
      layers: manifest.layers.map((l) => blobFile(archive, l)),
      manifest: manifestFile,
      names,
    });
  }
  return images;
}

/** An index inside the layout: take the manifest for this machine's platform. */
function pickManifest(archive: StagedArchive, desc: Descriptor): Descriptor {
  if (desc.mediaType !== MediaType.ociIndex && desc.mediaType !== MediaType.dockerManifestList) return desc;
  const index = parseJson<Index>(fs.readFileSync(blobFile(archive, desc).path), "index");
  const host = hostPlatform();
  const match = index.manifests.find((m) => m.platform?.os === host.os && m.platform?.architecture === host.architecture);
  if (!match) throw new InvalidLayerError(`invalid archive: no manifest for ${host.os}/${host.architecture} in the index`);
  return pickManifest(archive, match);
}

function blobFile(archive: StagedArchive, desc: Descriptor): ArchiveFile {
  if (!isDigest(desc.digest)) throw new InvalidLayerError(`invalid archive: bad digest ${JSON.stringify(desc.digest)}`);
  const file = archive.get(`blobs/sha256/${digestHex(desc.digest)}`);
  if (!file) throw new InvalidLayerError(`invalid archive: blob ${desc.digest} not found in the archive`);
  if (file.digest !== desc.digest) throw new DigestMismatchError(desc.digest, file.digest, "archive blob");
  if (desc.size !== undefined && file.size !== desc.size) {
    throw new InvalidLayerError(`invalid archive: blob ${desc.digest} has ${file.size} bytes, expected ${desc.size}`);
  }
  return file;
}

function parseJson<T>(data: Buffer, what: string): T {
  try {
    return JSON.parse(data.toString("utf8")) as T;
  } catch (err) {
    throw new InvalidLayerError(`invalid archive: ${what} is not valid JSON: ${(err as Error).message}`);
  }
}
