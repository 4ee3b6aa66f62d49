// `save`: images to one tar that `docker load` (20.10 and later) and `podman load` both read: an
// OCI image layout (oci-layout, index.json, blobs/) plus Docker's manifest.json pointing into it,
// the layout Docker 25 writes.
import { Readable } from "node:stream";
import type { Engine } from "../engine.js";
import { readImage, type StoredImage } from "./read-image.js";
import { NotFoundError } from "../../errors.js";
import { digestHex, type Digest } from "../../image/digest.js";
import { familiarString, formatReference, isFullImageId, parseReference, withDefaultTag } from "../../image/reference.js";
import { MediaType } from "../../image/media-types.js";
import { END_OF_ARCHIVE, encodeHeader, paddingFor } from "../../archive/tar-header.js";
import type { Descriptor } from "../../image/config.js";

interface SaveItem {
  image: StoredImage;
  /** Full names to record; none when the user named the image by ID. */
  names: string[];
}

/** Resolves every name first, so that a bad one fails before a byte is written. */
export function planSave(engine: Engine, refs: readonly string[]): SaveItem[] {
  const { store } = engine;
  const items = new Map<Digest, SaveItem>();
  const add = (id: Digest, name: string | undefined) => {
    let item = items.get(id);
    if (!item) {
      item = { image: readImage(store, store.images.get(id)!), names: [] };
      items.set(id, item);
    }
    if (name && !item.names.includes(name)) item.names.push(name);
  };
  for (const ref of refs) {
    try {
      planOne(ref);
    } catch (err) {
      // Docker's save names the image as typed, without the :latest other commands add.
      if (err instanceof NotFoundError) throw new NotFoundError(`No such image: ${ref}`, { cause: err });
      throw err;
    }
  }
  if (items.size === 0) throw new NotFoundError("No images to save");
  return [...items.values()];

  function planOne(ref: string): void {
    if (
      isFullImageId(ref) ||
      (/^(sha256:)?[a-f0-9]{1,64}$/.test(ref) && !store.images.imageIdForName(formatReference(withDefaultTag(parseReference(ref)))))
    ) {
      add(store.images.resolve(ref).id, undefined);
      return;
    }
    const parsed = parseReference(ref);
    if (!parsed.tag && !parsed.digest) {
      // A bare repository name saves every tag of it, as Docker does.
      const repo = formatReference(parsed);
      const tagged = store.images
        .list()
        .flatMap((img) => img.names.filter((n) => n.startsWith(repo + ":")).map((n) => [img.id, n] as const));
      if (tagged.length > 0) {
        for (const [id, name] of tagged) add(id, name);
        return;
      }
    }
    const image = store.images.resolve(ref);
    const full = formatReference(withDefaultTag(parsed));
    add(image.id, store.images.imageIdForName(full) === image.id ? full : undefined);
  }
}

export function writeSaveArchive(engine: Engine, items: readonly SaveItem[]): Readable {
  // Bytes, not objects: in object mode the high-water mark would count 4 million chunks, and a fast
  // disk read ahead of a slow writer would hold a whole layer in memory.
  return Readable.from(saveEntries(engine, items), { objectMode: false, highWaterMark: 4 << 20 });
}

async function* saveEntries(engine: Engine, items: readonly SaveItem[]): AsyncGenerator<Buffer> {
  const { store } = engine;
  const mtime = 0;
  const written = new Set<string>();
  yield encodeHeader({ name: "blobs/", type: "directory", mode: 0o755, uid: 0, gid: 0, size: 0, mtime });
  yield encodeHeader({ name: "blobs/sha256/", type: "directory", mode: 0o755, uid: 0, gid: 0, size: 0, mtime });

  async function* blob(digest: Digest): AsyncGenerator<Buffer> {
    if (written.has(digest)) return;
    written.add(digest);
    const size = store.content.size(digest);
    yield encodeHeader({ name: `blobs/sha256/${digestHex(digest)}`, type: "file", mode: 0o444, uid: 0, gid: 0, size, mtime });
    for await (const chunk of store.content.read(digest)) yield chunk as Buffer;
    yield paddingFor(size);
  }

  const index: Descriptor[] = [];
  const dockerManifest: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
  for (const { image, names } of items) {
    for (const layer of image.manifest.layers) yield* blob(layer.digest);
    yield* blob(image.manifest.config.digest);
    yield* blob(image.record.manifestDigest);
    const desc: Descriptor = {
      mediaType: image.record.manifestMediaType,
      digest: image.record.manifestDigest,
      size: image.rawManifest.length,
    };
    if (names.length === 0) index.push(desc);
    for (const name of names) {
      const ref = parseReference(name);
      index.push({ ...desc, annotations: { "io.containerd.image.name": name, "org.opencontainers.image.ref.name": ref.tag ?? "latest" } });
    }
    dockerManifest.push({
      Config: `blobs/sha256/${digestHex(image.manifest.config.digest)}`,
      RepoTags: names.length ? names.map((n) => familiarString(parseReference(n))) : null,
      Layers: image.manifest.layers.map((l) => `blobs/sha256/${digestHex(l.digest)}`),
    });
  }
  yield* smallFile("index.json", JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: index }), mtime);
  yield* smallFile("manifest.json", JSON.stringify(dockerManifest), mtime);
  yield* smallFile("oci-layout", JSON.stringify({ imageLayoutVersion: "1.0.0" }), mtime);
  yield END_OF_ARCHIVE;
}

function* smallFile(name: string, text: string, mtime: number): Generator<Buffer> {
  const data = Buffer.from(text);
  yield encodeHeader({ name, type: "file", mode: 0o644, uid: 0, gid: 0, size: data.length, mtime });
  yield data;
  yield paddingFor(data.length);
}
