// `pull`: an image from a registry into the store. Every byte is verified before it is used: the
// manifest against the digest asked for, the config against the manifest, each layer blob against
// its descriptor and each unpacked layer against the config's diff IDs. Finished downloads are
// leased in the store at once, so an interrupted pull is finished later without fetching them again;
// the image itself appears in one transaction, or not at all.
import { recordEvent } from "../events.js";
import * as fs from "node:fs";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { Engine } from "../engine.js";
import { CONFIG_SIZE_LIMIT, choosePlatform, describeIndexPlatforms, formatPlatform, parseManifestDocument } from "../../image/manifest.js";
import { formatTimestamp, hostPlatform, type Descriptor, type ImageConfig, type Manifest, type Platform } from "../../image/config.js";
import { DigestMismatchError, shortId, type Digest } from "../../image/digest.js";
import {
  familiarName,
  familiarString,
  formatReference,
  parseDaemonReference,
  withDefaultTag,
  type Reference,
} from "../../image/reference.js";
import { fetchBlob, getManifest, RegistryResponseError, type FetchedManifest } from "../../registry/distribution.js";
import type { RegistrySession } from "../../registry/registry-session.js";
import type { Credentials } from "../../registry/credentials.js";
import { ingestLayer } from "../../store/ingest-layer.js";
import { chainIds, type StagedLayer } from "../../store/layer-store.js";
import type { StagedBlob } from "../../store/content-store.js";
import type { WorkDir } from "../../store/work-dir.js";
import { InvalidArgumentError, NotFoundError, UnavailableError } from "../../errors.js";
import { noProgress, throttledBytes, type ProgressSink } from "../progress.js";
import { limitConcurrency } from "../concurrency.js";

export interface PullOptions {
  platform?: Platform | undefined;
  /** Credentials sent with the request (the API's X-Registry-Auth), null for none; else the stored ones. */
  credentials?: Credentials | null | undefined;
  signal?: AbortSignal | undefined;
  progress?: ProgressSink;
}

export interface PullResult {
  /** docker.io/library/busybox:latest — what `docker pull` prints last. */
  reference: string;
  digest: Digest;
  imageId: Digest;
  upToDate: boolean;
}

/** Docker's max-concurrent-downloads default. */
const DOWNLOADS_AT_ONCE = 3;
/** Tries per layer when the network fails (Docker makes 5, 5 s apart; berth waits 1 s, then 2 s). */
const DOWNLOAD_ATTEMPTS = 3;

export async function pullImage(engine: Engine, text: string, opts: PullOptions = {}): Promise<PullResult> {
  const parsed = parseDaemonReference(text);
  const ref = parsed.digest ? parsed : withDefaultTag(parsed);
  const progress = opts.progress ?? noProgress;
  const repository = ref.path;
  const session = await engine.registry.session(ref.domain, opts.credentials);
  // The first line comes once the registry has answered, so that a missing image or a refused
  // login is an error of the request itself, as dockerd reports it.
  const top = await fetchManifest(session, ref, ref.digest ?? ref.tag!, opts.signal);
  progress({ id: ref.digest ?? ref.tag!, status: `Pulling from ${repository}` });
  const want = opts.platform ?? hostPlatform();
  const { manifestBytes, manifest, manifestMediaType, fromIndex } = await resolvePlatformManifest(session, ref, top, want, opts.signal);

  const work = engine.store.workDir();
  try {
    const { config, staged: configBlob } = await fetchConfig(engine, session, repository, manifest.config, work, opts.signal);
    if (opts.platform && (config.os !== want.os || config.architecture !== want.architecture)) {
      throw new NotFoundError(
        `image with reference ${familiarString(ref)} was found but does not match the specified platform: wanted ${formatPlatform(want)}, actual: ${formatPlatform({ os: config.os ?? "", architecture: config.architecture ?? "" })}`,
      );
    }
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== manifest.layers.length) {
      throw new InvalidArgumentError(`invalid image: the config lists ${diffIds.length} layers but the manifest ${manifest.layers.length}`);
    }
    const imageId = manifest.config.digest;
    const tagName = ref.tag ? formatReference(ref) : undefined;
    const digestName = `${ref.domain}/${repository}@${top.digest}`;
    const store = engine.store;
    if (store.images.get(imageId) && manifest.layers.every((l) => store.content.has(l.digest))) {
      const upToDate = tagName ? store.images.imageIdForName(tagName) === imageId : store.images.imageIdForName(digestName) === imageId;
      progress({ status: `Digest: ${top.digest}` });
      store.write(() => {
        if (tagName) store.images.tag(tagName, imageId, upToDate ? null : formatTimestamp(engine.clock.now()));
        store.images.tag(digestName, imageId, null);
      });
      return finish(engine, ref, top.digest, imageId, upToDate, progress);
    }

    const layers = await fetchLayers(engine, session, repository, manifest.layers, diffIds, work, progress, opts.signal);
    store.crashPoint("after-ingest");
    // Config, manifest and index bytes are new blobs unless an earlier pull or push brought them.
    const small = [configBlob, store.content.stageBuffer(manifestBytes.body, work.child("manifest"))];
    if (fromIndex) small.push(store.content.stageBuffer(top.body, work.child("index")));
    const blobs = small.filter((b) => !store.content.has(b.digest));
    const shared = [...manifest.layers.map((l) => l.digest), ...small.filter((b) => store.content.has(b.digest)).map((b) => b.digest)];
    const registry = engine.registry.registryKey(ref.domain);
    store.commitImage(
      {
        blobs,
        sharedBlobs: shared,
        layers: layers.staged,
        diffIds,
        image: {
          id: imageId,
          manifestDigest: manifestBytes.digest,
          manifestMediaType,
          parent: null,
          created: config.created ?? formatTimestamp(new Date(0)),
        },
        names: tagName ? [tagName] : [],
        alsoInTransaction: () => {
          store.images.tag(digestName, imageId, null);
          store.blobMetadata.addSource(manifest.config.digest, registry, repository);
          manifest.layers.forEach((layer, i) => {
            store.blobMetadata.record({ digest: layer.digest, diffId: diffIds[i]!, mediaType: layer.mediaType, size: layer.size });
            store.blobMetadata.addSource(layer.digest, registry, repository);
            store.blobMetadata.release(layer.digest);
          });
        },
      },
      formatTimestamp(engine.clock.now()),
    );
    progress({ status: `Digest: ${top.digest}` });
    return finish(engine, ref, top.digest, imageId, false, progress);
  } finally {
    work.remove();
  }
}

/** The image manifest itself: `top`, or the entry of the index `top` for this platform. */
async function resolvePlatformManifest(
  session: RegistrySession,
  ref: Reference,
  top: FetchedManifest,
  want: Platform,
  signal?: AbortSignal,
): Promise<{ manifestBytes: FetchedManifest; manifest: Manifest; manifestMediaType: string; fromIndex: boolean }> {
  const document = parseManifestDocument(top.body, top.contentType);
  if (document.kind === "manifest")
    return { manifestBytes: top, manifest: document.manifest, manifestMediaType: document.mediaType, fromIndex: false };
  const entry = choosePlatform(document.index, want);
  if (!entry) {
    const available = describeIndexPlatforms(document.index);
    throw new NotFoundError(
      `no matching manifest for ${formatPlatform(want)} in the manifest list entries${available.length ? ` (available: ${available.join(", ")})` : ""}`,
    );
  }
  const manifestBytes = await fetchManifest(session, ref, entry.digest, signal);
  if (manifestBytes.body.length !== entry.size)
    throw new InvalidArgumentError(`manifest ${entry.digest}: size ${manifestBytes.body.length}, the index says ${entry.size}`);
  const inner = parseManifestDocument(manifestBytes.body, manifestBytes.contentType);
  if (inner.kind !== "manifest") throw new InvalidArgumentError(`manifest ${entry.digest}: an index entry names another index`);
  return { manifestBytes, manifest: inner.manifest, manifestMediaType: inner.mediaType, fromIndex: true };
}

function finish(engine: Engine, ref: Reference, digest: Digest, imageId: Digest, upToDate: boolean, progress: ProgressSink): PullResult {
  const shown = familiarString(ref);
  recordEvent(engine, "image", "pull", shown, { name: familiarName(ref) });
  progress({ status: upToDate ? `Status: Image is up to date for ${shown}` : `Status: Downloaded newer image for ${shown}` });
  return { reference: formatReference(ref), digest, imageId, upToDate };
}

/** The manifest, with registry failures in Docker's words. */
async function fetchManifest(session: RegistrySession, ref: Reference, reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
  try {
    return await getManifest(session, ref.path, reference, signal);
  } catch (err) {
    if (!(err instanceof RegistryResponseError)) throw err;
    if (err.status === 401 || err.status === 403 || err.codes.includes("DENIED") || err.codes.includes("UNAUTHORIZED")) {
      throw new NotFoundError(
        `pull access denied for ${familiarName(ref)}, repository does not exist or may require 'docker login': ${err.message}`,
      );
    }
    if (err.status === 404 || err.codes.includes("MANIFEST_UNKNOWN") || err.codes.includes("NAME_UNKNOWN")) {
      const shown = reference.startsWith("sha256:") ? `${familiarName(ref)}@${reference}` : familiarString(ref);
      throw new NotFoundError(`manifest for ${shown} not found: ${err.message}`);
    }
    throw new UnavailableError(`error pulling ${familiarString(ref)}: ${err.message}`);
  }
}

async function fetchConfig(
  engine: Engine,
  session: RegistrySession,
  repository: string,
  desc: Descriptor,
  work: WorkDir,
  signal?: AbortSignal,
): Promise<{ config: ImageConfig; raw: Buffer; staged: StagedBlob }> {
  const { content } = engine.store;
  if (desc.size > CONFIG_SIZE_LIMIT) throw new InvalidArgumentError(`image config is larger than ${CONFIG_SIZE_LIMIT} bytes`);
  let staged: StagedBlob;
  if (content.has(desc.digest)) {
    staged = { digest: desc.digest, size: content.size(desc.digest), path: content.path(desc.digest) };
  } else {
    const stream = await fetchBlob(session, repository, desc, signal);
    staged = await content.stage(stream, work.child("config"), {
      expected: { digest: desc.digest, size: desc.size },
      ...(signal ? { signal } : {}),
    });
  }
  const raw = fs.readFileSync(staged.path);
  let config: ImageConfig;
  try {
    config = JSON.parse(raw.toString("utf8")) as ImageConfig;
  } catch {
    throw new InvalidArgumentError(`image config ${desc.digest} is not JSON`);
  }
  if (!config.rootfs || !Array.isArray(config.rootfs.diff_ids))
    throw new InvalidArgumentError(`image config ${desc.digest} has no rootfs.diff_ids`);
  return { config, raw, staged };
}

/**
 * Downloads run DOWNLOADS_AT_ONCE at a time; extraction follows in layer order, each layer as soon
 * as its download is done, as Docker does it.
 */
async function fetchLayers(
  engine: Engine,
  session: RegistrySession,
  repository: string,
  descriptors: readonly Descriptor[],
  diffIds: readonly Digest[],
  work: WorkDir,
  progress: ProgressSink,
  signal?: AbortSignal,
): Promise<{ staged: Map<Digest, StagedLayer> }> {
  const { store } = engine;
  const chains = chainIds(diffIds);
  const present = descriptors.map((d, i) => Boolean(store.layers.get(chains[i]!)) && store.content.has(d.digest));
  const limit = limitConcurrency(DOWNLOADS_AT_ONCE);
  for (const [i, d] of descriptors.entries())
    progress({ id: shortId(d.digest), status: present[i] ? "Already exists" : "Pulling fs layer" });
  const controller = new AbortController();
  const abort = () => controller.abort();
  signal?.addEventListener("abort", abort);
  // One pass per layer: the bytes are hashed, kept and unpacked as they arrive. Layers unpack into
  // their own directories, so order matters only when the image is committed.
  const firstOf = new Map<Digest, number>();
  diffIds.forEach((diffId, i) => firstOf.has(diffId) || firstOf.set(diffId, i));
  const tasks = descriptors.map((d, i) => {
    if (present[i]) return Promise.resolve(undefined);
    const id = shortId(d.digest);
    const needsLayer = !store.layers.get(chains[i]!) && firstOf.get(diffIds[i]!) === i;
    /** Leased at once: a pull killed after this point will not download the blob again. */
    const keep = (blob: StagedBlob) => {
      progress({ id, status: "Verifying Checksum" });
      store.write(() => {
        store.content.adopt(blob);
        store.blobMetadata.lease(d.digest, engine.clock.now());
      });
      progress({ id, status: "Download complete" });
    };
    return limit(
      async (): Promise<StagedLayer | undefined> => {
        const local = store.content.has(d.digest);
        if (local && !needsLayer) {
          progress({ id, status: "Pull complete" });
          return undefined;
        }
        if (!local && !needsLayer) {
          // The layer is unpacked already (or earlier in this image); only the blob is missing.
          const stream = await fetchBlob(session, repository, d, controller.signal);
          const blob = await store.content.stage(stream, work.child("blob"), {
            expected: { digest: d.digest, size: d.size },
            signal: controller.signal,
            onProgress: throttledBytes(progress, id, "Downloading", d.size),
          });
          keep(blob);
          progress({ id, status: "Pull complete" });
          return undefined;
        }
        const ingestOnce = async () => {
          let source: Readable;
          if (local) {
            // An earlier, interrupted pull finished this download: unpack the kept blob. (From the
            // network, unpacking runs during the download, so "Downloading" measures both.)
            progress({ id, status: "Download complete" });
            source = store.content.read(d.digest);
            const onBytes = throttledBytes(progress, id, "Extracting", d.size);
            let unpacked = 0;
            source.on("data", (c: Buffer) => onBytes((unpacked += c.length)));
          } else {
            source = await fetchBlob(session, repository, d, controller.signal);
            const onBytes = throttledBytes(progress, id, "Downloading", d.size);
            let received = 0;
            source.on("data", (c: Buffer) => onBytes((received += c.length)));
          }
          return ingestLayer(
            source,
            { content: store.content, work },
            {
              keep: local ? "none" : "as-is",
              expected: { diffId: diffIds[i]!, ...(local ? {} : { digest: d.digest, size: d.size }) },
              signal: controller.signal,
            },
          ).catch((err: unknown) => {
            source.destroy();
            if (err instanceof DigestMismatchError && err.message.includes("diff ID")) {
              throw new InvalidArgumentError(`layer ${d.digest} does not match the image config: ${err.message}`);
            }
            throw err;
          });
        };
        // Network failures are retried, as Docker retries them; wrong bytes are not.
        let ingested: Awaited<ReturnType<typeof ingestOnce>>;
        for (let attempt = 1; ; attempt++) {
          try {
            ingested = await ingestOnce();
            break;
          } catch (err) {
            if (local || !(err instanceof UnavailableError) || attempt >= DOWNLOAD_ATTEMPTS || controller.signal.aborted) throw err;
            for (let wait = attempt; wait > 0; wait--) {
              progress({ id, status: `Retrying in ${wait} second${wait === 1 ? "" : "s"}` });
              await sleep(1000);
            }
          }
        }
        if (ingested.blob) keep(ingested.blob);
        progress({ id, status: "Pull complete" });
        return needsLayer ? ingested.layer : undefined;
      },
      () => progress({ id, status: "Waiting" }),
    );
  });
  // A failed layer stops the others; nothing of this pull but leased blobs remains.
  for (const p of tasks) p.catch(abort);
  const staged = new Map<Digest, StagedLayer>();
  try {
    const layers = await Promise.all(tasks);
    layers.forEach((layer, i) => layer && staged.set(diffIds[i]!, layer));
  } catch (err) {
    abort();
    await Promise.allSettled(tasks);
    throw err;
  } finally {
    signal?.removeEventListener("abort", abort);
  }
  return { staged };
}
