// Manifests and indexes as registries serve them: recognised by media type, validated before any
// field is used, and the platform of an index chosen the way Docker chooses it.
import { InvalidArgumentError } from "../errors.js";
import { isDigest } from "./digest.js";
import { MediaType, isLayerMediaType } from "./media-types.js";
import type { Descriptor, Index, Manifest, Platform } from "./config.js";

/** What berth asks registries for, best first. Schema 1 is not among them: it is refused. */
export const MANIFEST_ACCEPT = [MediaType.ociIndex, MediaType.dockerManifestList, MediaType.ociManifest, MediaType.dockerManifest];

/** Registries refuse larger manifests too (distribution's manifests.go). */
export const MANIFEST_SIZE_LIMIT = 4 << 20;
export const CONFIG_SIZE_LIMIT = 4 << 20;
/** An index naming more entries than this is not an image anyone builds. */
const INDEX_FAN_OUT_LIMIT = 1000;

export type ManifestDocument =
  { kind: "manifest"; manifest: Manifest; mediaType: string } | { kind: "index"; index: Index; mediaType: string };

const INDEX_TYPES = new Set<string>([MediaType.ociIndex, MediaType.dockerManifestList]);
const MANIFEST_TYPES = new Set<string>([MediaType.ociManifest, MediaType.dockerManifest]);
const SCHEMA1_TYPES = new Set([
  "application/vnd.docker.distribution.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v1+prettyjws",
]);
const CONFIG_TYPES = new Set<string>([MediaType.ociConfig, MediaType.dockerConfig]);

/**
 * Parses the bytes a registry sent. The media type comes from the body when it names one, else
 * from Content-Type; the two must agree, and a document that is both an index and a manifest is
 * refused (CVE-2021-41190).
 */
export function parseManifestDocument(body: Buffer, contentType: string | undefined): ManifestDocument {
  if (body.length > MANIFEST_SIZE_LIMIT) throw new InvalidArgumentError(`manifest is larger than ${MANIFEST_SIZE_LIMIT} bytes`);
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  } catch {
    throw new InvalidArgumentError("invalid manifest: not JSON");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new InvalidArgumentError("invalid manifest: not a JSON object");
  const header = contentType?.split(";")[0]?.trim().toLowerCase();
  const declared = typeof doc.mediaType === "string" ? doc.mediaType : undefined;
  if (doc.schemaVersion === 1 || SCHEMA1_TYPES.has(declared ?? "") || SCHEMA1_TYPES.has(header ?? "")) {
    throw new InvalidArgumentError(
      "unsupported manifest format: Docker image manifest schema 1 is no longer supported; the image must be pushed again with a newer tool",
    );
  }
  if ("manifests" in doc && ("layers" in doc || "config" in doc)) {
    throw new InvalidArgumentError("invalid manifest: the document is both an index and an image manifest");
  }
  if (declared && header && header !== "application/json" && header !== "text/plain" && header !== declared) {
    throw new InvalidArgumentError(`invalid manifest: media type ${declared} does not match Content-Type ${header}`);
  }
  const mediaType =
    declared ?? (header && header !== "application/json" && header !== "text/plain" ? header : undefined) ?? guessMediaType(doc);
  if (doc.schemaVersion !== 2) throw new InvalidArgumentError(`unsupported manifest schema version ${String(doc.schemaVersion)}`);
  if (INDEX_TYPES.has(mediaType)) return { kind: "index", index: validateIndex(doc), mediaType };
  if (MANIFEST_TYPES.has(mediaType)) return { kind: "manifest", manifest: validateManifest(doc), mediaType };
  throw new InvalidArgumentError(`unsupported manifest media type ${mediaType}`);
}

/** An OCI document may omit mediaType; its shape then says what it is. */
function guessMediaType(doc: Record<string, unknown>): string {
  return "manifests" in doc ? MediaType.ociIndex : MediaType.ociManifest;
}

function validateDescriptor(value: unknown, what: string): Descriptor {
  const d = value as Partial<Descriptor> | null;
  if (typeof d !== "object" || d === null) throw new InvalidArgumentError(`invalid manifest: ${what} is not a descriptor`);
  if (typeof d.mediaType !== "string" || !d.mediaType) throw new InvalidArgumentError(`invalid manifest: ${what} has no media type`);
  if (typeof d.digest !== "string" || !isDigest(d.digest)) {
    throw new InvalidArgumentError(`invalid manifest: ${what} has an invalid or unsupported digest ${JSON.stringify(d.digest)}`);
  }
  if (typeof d.size !== "number" || !Number.isSafeInteger(d.size) || d.size < 0)
    throw new InvalidArgumentError(`invalid manifest: ${what} has an invalid size`);
  return d as Descriptor;
}

function validateManifest(doc: Record<string, unknown>): Manifest {
  const config = validateDescriptor(doc.config, "config");
  if (!CONFIG_TYPES.has(config.mediaType)) throw new InvalidArgumentError(`unsupported image config media type ${config.mediaType}`);
  if (!Array.isArray(doc.layers)) throw new InvalidArgumentError("invalid manifest: no layers");
  const layers = doc.layers.map((l, i) => validateDescriptor(l, `layer ${i}`));
  for (const layer of layers) {
    if (!isLayerMediaType(layer.mediaType)) throw new InvalidArgumentError(`unsupported layer media type ${layer.mediaType}`);
  }
  return doc as unknown as Manifest;
}

function validateIndex(doc: Record<string, unknown>): Index {
  if (!Array.isArray(doc.manifests)) throw new InvalidArgumentError("invalid index: no manifests");
  if (doc.manifests.length > INDEX_FAN_OUT_LIMIT) throw new InvalidArgumentError(`invalid index: more than ${INDEX_FAN_OUT_LIMIT} entries`);
  doc.manifests.forEach((m, i) => validateDescriptor(m, `index entry ${i}`));
  return doc as unknown as Index;
}

/** Variants an architecture implies when an index or a request leaves them out (containerd's rules). */
function normalizeVariant(p: Platform): string {
  if (p.architecture === "arm64") return p.variant && p.variant !== "v8" ? p.variant : "v8";
  if (p.architecture === "arm") return p.variant ?? "v7";
  return p.variant ?? "";
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}

/** The index entry for `want`: image manifests only, matching os, architecture and variant. */
export function choosePlatform(index: Index, want: Platform): Descriptor | undefined {
  const candidates = index.manifests.filter((m) => MANIFEST_TYPES.has(m.mediaType) && m.platform);
  return candidates.find((m) => {
    const p = m.platform!;
    return p.os === want.os && p.architecture === want.architecture && normalizeVariant(p) === normalizeVariant(want);
  });
}

export function describeIndexPlatforms(index: Index): string[] {
  return index.manifests.filter((m) => m.platform).map((m) => formatPlatform(m.platform!));
}
