// `push`: an image's layers, config and manifest to a registry. Layers the registry has already
// are skipped (HEAD), layers it holds in another repository are mounted, the rest are uploaded:
// compressed blobs as they are, uncompressed layers gzip-compressed on the way. The manifest is
// the stored one, byte for byte, whenever the layers went up unchanged, so digests survive a
// pull → push round trip.
import { recordEvent } from "../events.js";
import { gzipParallel } from "../../archive/compression.js";
import type { Engine } from "../engine.js";
import { readImage, type StoredImage } from "./read-image.js";
import { MediaType, layerCompression } from "../../image/media-types.js";
import { shortId, type Digest } from "../../image/digest.js";
import {
  familiarName,
  formatReference,
  parseDaemonReference,
  parseReference,
  withDefaultTag,
  type Reference,
} from "../../image/reference.js";
import type { Descriptor, Manifest } from "../../image/config.js";
import { blobExists, mountBlob, putManifest, uploadBlob, uploadStream, RegistryResponseError } from "../../registry/distribution.js";
import type { RegistrySession } from "../../registry/registry-session.js";
import type { Credentials } from "../../registry/credentials.js";
import type { BlobInfo } from "../../store/blob-metadata.js";
import { InvalidArgumentError, NotFoundError, UnavailableError, UnauthorizedError } from "../../errors.js";
import { noProgress, throttledBytes, type ProgressSink } from "../progress.js";
import { limitConcurrency } from "../concurrency.js";

export interface PushOptions {
  allTags?: boolean;
  /** Credentials sent with the request (the API's X-Registry-Auth), null for none; else the stored ones. */
  credentials?: Credentials | null | undefined;
  signal?: AbortSignal | undefined;
  progress?: ProgressSink;
}

export interface PushedTag {
  tag: string;
  digest: Digest;
  size: number;
}

/** Docker's max-concurrent-uploads default. */
const UPLOADS_AT_ONCE = 5;

export async function pushImage(engine: Engine, text: string, opts: PushOptions = {}): Promise<PushedTag[]> {
  const parsed = parseDaemonReference(text);
  if (parsed.digest) throw new InvalidArgumentError("cannot push a digest reference");
  const progress = opts.progress ?? noProgress;
  const { store } = engine;
  let names: Reference[];
  if (opts.allTags) {
    if (parsed.tag) throw new InvalidArgumentError("tag can't be used with --all-tags/-a");
    const prefix = `${parsed.domain}/${parsed.path}:`;
    names = store.images
      .list()
      .flatMap((r) => r.names)
      .filter((n) => n.startsWith(prefix))
      .sort()
      .map((n) => parseReference(n));
    if (!names.length) throw new NotFoundError(`An image does not exist locally with the tag: ${familiarName(parsed)}`);
  } else {
    const ref = withDefaultTag(parsed);
    if (!store.images.imageIdForName(formatReference(ref))) {
      throw new NotFoundError(
        `An image does not exist locally with the tag: ${parsed.tag ? `${familiarName(ref)}:${ref.tag}` : familiarName(ref)}`,
      );
    }
    names = [ref];
  }
  progress({ status: `The push refers to repository [${familiarName(parsed)}]` });
  const session = await engine.registry.session(parsed.domain, opts.credentials);
  const pushed: PushedTag[] = [];
  for (const ref of names) {
    const id = store.images.imageIdForName(formatReference(ref));
    if (!id) throw new NotFoundError(`An image does not exist locally with the tag: ${familiarName(ref)}:${ref.tag}`);
    const image = readImage(store, store.images.get(id)!);
    const result = await pushOne(engine, session, ref, image, progress, opts.signal);
    progress({ status: `${ref.tag}: digest: ${result.digest} size: ${result.size}` });
    recordEvent(engine, "image", "push", `${familiarName(ref)}:${ref.tag}`, { name: familiarName(ref) });
    pushed.push(result);
  }
  return pushed;
}

async function pushOne(
  engine: Engine,
  session: RegistrySession,
  ref: Reference,
  image: StoredImage,
  progress: ProgressSink,
  signal?: AbortSignal,
): Promise<PushedTag> {
  const { store } = engine;
  const repository = ref.path;
  const registry = engine.registry.registryKey(ref.domain);
  const diffIds = image.config.rootfs.diff_ids;
  const docker = image.record.manifestMediaType === MediaType.dockerManifest;
  const limit = limitConcurrency(UPLOADS_AT_ONCE);
  const uploaded: BlobInfo[] = [];
  const controller = new AbortController();
  const abort = () => controller.abort();
  signal?.addEventListener("abort", abort);
  for (const diffId of diffIds) progress({ id: shortId(diffId), status: "Preparing" });
  try {
    const tasks = image.manifest.layers.map((stored, i) =>
      limit(
        () =>
          pushLayer(engine, session, { repository, registry, diffId: diffIds[i]!, stored, docker }, uploaded, progress, controller.signal),
        () => progress({ id: shortId(diffIds[i]!), status: "Waiting" }),
      ),
    );
    for (const t of tasks) t.catch(abort);
    const layers = await Promise.all(tasks);

    const configDesc = image.manifest.config;
    if (!(await blobExists(session, repository, configDesc.digest, controller.signal))) {
      let mounted = false;
      for (const from of store.blobMetadata.sources(configDesc.digest, registry).filter((r) => r !== repository)) {
        if ((mounted = await mountBlob(session, repository, configDesc.digest, from, controller.signal))) break;
      }
      if (!mounted) {
        await uploadBlob(
          session,
          repository,
          { digest: configDesc.digest, size: image.rawConfig.length, open: () => store.content.read(configDesc.digest) },
          undefined,
          controller.signal,
        );
      }
    }
    const unchanged = layers.every(
      (l, i) => l.digest === image.manifest.layers[i]!.digest && l.mediaType === image.manifest.layers[i]!.mediaType,
    );
    const [body, mediaType] = unchanged
      ? [image.rawManifest, image.record.manifestMediaType]
      : buildManifest(image.manifest, layers, docker);
    const digest = await putManifest(session, repository, ref.tag!, body, mediaType, controller.signal);
    store.write(() => {
      for (const info of uploaded) store.blobMetadata.record(info);
      for (const blob of [...layers, configDesc]) store.blobMetadata.addSource(blob.digest, registry, repository);
      store.images.tag(`${ref.domain}/${repository}@${digest}`, image.record.id, null);
    });
    return { tag: ref.tag!, digest, size: body.length };
  } catch (err) {
    throw pushError(err);
  } finally {
    signal?.removeEventListener("abort", abort);
  }
}

interface LayerTarget {
  repository: string;
  registry: string;
  diffId: Digest;
  stored: Descriptor;
  docker: boolean;
}

async function pushLayer(
  engine: Engine,
  session: RegistrySession,
  t: LayerTarget,
  uploaded: BlobInfo[],
  progress: ProgressSink,
  signal: AbortSignal,
): Promise<Descriptor> {
  const { store } = engine;
  const id = shortId(t.diffId);
  const storedCompressed = layerCompression(t.stored.mediaType) !== "none" && store.content.has(t.stored.digest);
  // Compressed forms this layer is known by: its own blob, and what earlier pushes and pulls made of it.
  const candidates: BlobInfo[] = [];
  if (storedCompressed) candidates.push({ digest: t.stored.digest, diffId: t.diffId, mediaType: t.stored.mediaType, size: t.stored.size });
  for (const info of store.blobMetadata.forDiffId(t.diffId)) {
    if (layerCompression(info.mediaType) !== "none" && !candidates.some((c) => c.digest === info.digest)) candidates.push(info);
  }
  for (const c of candidates) {
    if (await blobExists(session, t.repository, c.digest, signal)) {
      progress({ id, status: "Layer already exists" });
      return descriptorFor(c, t.docker);
    }
  }
  for (const c of candidates) {
    for (const from of store.blobMetadata.sources(c.digest, t.registry).filter((r) => r !== t.repository)) {
      if (await mountBlob(session, t.repository, c.digest, from, signal)) {
        progress({ id, status: `Mounted from ${from}` });
        return descriptorFor(c, t.docker);
      }
    }
  }
  const onBytes = throttledBytes(progress, id, "Pushing", storedCompressed ? t.stored.size : undefined);
  let info: BlobInfo;
  if (storedCompressed) {
    await uploadBlob(
      session,
      t.repository,
      { digest: t.stored.digest, size: t.stored.size, open: () => store.content.read(t.stored.digest) },
      onBytes,
      signal,
    );
    info = { digest: t.stored.digest, diffId: t.diffId, mediaType: t.stored.mediaType, size: t.stored.size };
  } else {
    if (!store.content.has(t.stored.digest))
      throw new NotFoundError(`layer ${t.diffId} has no stored blob to push; run berth system check`);
    const sent = await uploadStream(session, t.repository, gzipParallel(store.content.read(t.stored.digest)), {
      onProgress: onBytes,
      signal,
    });
    info = { digest: sent.digest, diffId: t.diffId, mediaType: MediaType.ociLayerGzip, size: sent.size };
  }
  uploaded.push(info);
  progress({ id, status: "Pushed" });
  return descriptorFor(info, t.docker);
}

function descriptorFor(info: BlobInfo, docker: boolean): Descriptor {
  const compression = layerCompression(info.mediaType);
  const mediaType =
    compression === "gzip"
      ? docker
        ? MediaType.dockerLayerGzip
        : MediaType.ociLayerGzip
      : compression === "zstd"
        ? MediaType.ociLayerZstd
        : info.mediaType;
  return { mediaType, digest: info.digest, size: info.size };
}

/** A manifest in the stored one's family (Docker schema 2 stays Docker unless a layer is zstd). */
function buildManifest(stored: Manifest, layers: readonly Descriptor[], docker: boolean): [Buffer, string] {
  const asDocker = docker && layers.every((l) => l.mediaType !== MediaType.ociLayerZstd);
  const mediaType = asDocker ? MediaType.dockerManifest : MediaType.ociManifest;
  const config = { ...stored.config, mediaType: asDocker ? MediaType.dockerConfig : MediaType.ociConfig };
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType,
    config,
    layers: layers.map((l) => descriptorFor({ ...l, diffId: l.digest }, asDocker)),
  };
  return [Buffer.from(JSON.stringify(manifest)), mediaType];
}

function pushError(err: unknown): unknown {
  if (err instanceof RegistryResponseError) {
    if (err.status === 401) return new UnauthorizedError(err.message);
    return new UnavailableError(err.message);
  }
  return err;
}
