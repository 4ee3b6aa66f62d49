// Registry content built and pushed WITHOUT berth: a tiny distribution-API client over node:http
// and node:https, and builders for image configs, manifests and indexes. A test of berth's pull
// then checks berth against bytes that berth's own code never produced.
//
// The builders are pure (bytes in memory) so the hostile registry can serve the same images
// without a push; the push functions take any `RegistryTarget` (a real registry handle from
// registry.ts fits, as it carries url, caPath and credentials).
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { spawnSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { buildTar } from "./tar-builder.js";
import { busyboxRootfsTar } from "./busybox.js";

// ---------------------------------------------------------------------------------------------
// Media types

export const MT = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar",
} as const;

export type Compression = "gzip" | "zstd" | "none";
export type ManifestKind = "oci" | "docker";

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface IndexEntry extends Descriptor {
  platform: Platform;
}

export function sha256(bytes: Buffer | string): string {
  return "sha256:" + crypto.createHash("sha256").update(bytes).digest("hex");
}

// ---------------------------------------------------------------------------------------------
// Builders (pure: bytes in memory)

export interface BuiltLayer extends Descriptor {
  /** The blob as stored in the registry (compressed or not). */
  bytes: Buffer;
  /** sha256 of the uncompressed tar, as listed in the config's rootfs.diff_ids. */
  diffId: string;
}

export interface BuiltImage {
  kind: ManifestKind;
  platform: Platform;
  manifest: Buffer;
  manifestDigest: string;
  mediaType: string;
  config: Buffer;
  configDigest: string;
  layers: BuiltLayer[];
  /** Every blob of the image (config and layers), by digest. */
  blobs: Map<string, Buffer>;
  /** Ready for an index's `manifests` list. */
  indexEntry: IndexEntry;
}

export interface ImageOptions {
  /** Uncompressed tar bytes, bottom layer first. */
  layers: readonly Buffer[];
  compression?: Compression;
  /** "oci" (default) or Docker schema2. */
  kind?: ManifestKind;
  /** Default linux/amd64. */
  platform?: Platform;
  /** Merged into the config's `config` object (Cmd, Env, Entrypoint, WorkingDir, Labels...). */
  runConfig?: Record<string, unknown>;
  /** Merged into the top level of the config after everything else (may break it on purpose). */
  configOverrides?: Record<string, unknown>;
  /** Manifest annotations (OCI only). */
  annotations?: Record<string, string>;
}

const CREATED = "2024-01-01T00:00:00Z";
const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** zstd through the CLI, as no zstd binding ships with Node 20. */
export function zstdCompress(bytes: Buffer): Buffer {
  const r = spawnSync("zstd", ["-q", "-c", "-3"], { input: bytes, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`zstd failed (is the zstd package installed?): ${r.stderr?.toString() ?? r.error}`);
  return r.stdout;
}

function layerMediaType(kind: ManifestKind, compression: Compression): string {
  if (compression === "zstd") return MT.ociLayerZstd; // Docker schema2 has no zstd type; BuildKit uses the OCI one there too.
  if (kind === "docker") return compression === "gzip" ? MT.dockerLayerGzip : MT.dockerLayer;
  return compression === "gzip" ? MT.ociLayerGzip : MT.ociLayer;
}

export function buildLayer(tar: Buffer, compression: Compression = "gzip", kind: ManifestKind = "oci"): BuiltLayer {
  // gzipSync writes mtime 0 in the header, so the same tar always gives the same digest.
  const bytes = compression === "gzip" ? gzipSync(tar) : compression === "zstd" ? zstdCompress(tar) : tar;
  return { mediaType: layerMediaType(kind, compression), digest: sha256(bytes), size: bytes.length, bytes, diffId: sha256(tar) };
}

/** A valid OCI image config (which Docker's config type is a subset of). */
export function buildConfig(
  layers: readonly BuiltLayer[],
  opts: Pick<ImageOptions, "platform" | "runConfig" | "configOverrides"> = {},
): Buffer {
  const platform = opts.platform ?? { os: "linux", architecture: "amd64" };
  const config = {
    created: CREATED,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: { Env: [`PATH=${DEFAULT_PATH}`], Cmd: ["sh"], ...opts.runConfig },
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((_, i) => ({ created: CREATED, created_by: `registry-fixtures layer ${i}` })),
    ...opts.configOverrides,
  };
  return Buffer.from(JSON.stringify(config));
}

export function buildImage(opts: ImageOptions): BuiltImage {
  const kind = opts.kind ?? "oci";
  const platform = opts.platform ?? { os: "linux", architecture: "amd64" };
  const layers = opts.layers.map((tar) => buildLayer(tar, opts.compression ?? "gzip", kind));
  const config = buildConfig(layers, { platform, ...pick(opts, "runConfig", "configOverrides") });
  const configDigest = sha256(config);
  const mediaType = kind === "oci" ? MT.ociManifest : MT.dockerManifest;
  const manifestObj = {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: kind === "oci" ? MT.ociConfig : MT.dockerConfig, digest: configDigest, size: config.length },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    ...(opts.annotations && kind === "oci" ? { annotations: opts.annotations } : {}),
  };
  const manifest = Buffer.from(JSON.stringify(manifestObj, null, 2));
  const manifestDigest = sha256(manifest);
  const blobs = new Map<string, Buffer>([[configDigest, config], ...layers.map((l): [string, Buffer] => [l.digest, l.bytes])]);
  return {
    kind,
    platform,
    manifest,
    manifestDigest,
    mediaType,
    config,
    configDigest,
    layers,
    blobs,
    indexEntry: { mediaType, digest: manifestDigest, size: manifest.length, platform },
  };
}

export interface BuiltIndex {
  body: Buffer;
  digest: string;
  mediaType: string;
}

export function buildIndex(manifests: readonly IndexEntry[], kind: ManifestKind = "oci"): BuiltIndex {
  const mediaType = kind === "oci" ? MT.ociIndex : MT.dockerList;
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests }, null, 2));
  return { body, digest: sha256(body), mediaType };
}

/** The busybox rootfs tar that scripts/busybox-rootfs.sh writes (cached per process). */
export function busyboxLayer(): Buffer {
  return fs.readFileSync(busyboxRootfsTar());
}

/** A layer holding the given files (path -> content), directories created as needed. */
export async function filesLayer(files: Record<string, string | Buffer>): Promise<Buffer> {
  const dirs = new Set<string>();
  for (const path of Object.keys(files)) {
    const parts = path.replace(/^\/+/, "").split("/").slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join("/") + "/");
  }
  return buildTar([
    ...[...dirs].sort().map((name) => ({ type: "directory" as const, name })),
    ...Object.entries(files).map(([name, body]) => ({ type: "file" as const, name: name.replace(/^\/+/, ""), body })),
  ]);
}

/** Layers for an image that runs in berth: busybox, then a layer with `files`. */
export async function runnableLayers(
  files: Record<string, string | Buffer> = { "hello.txt": "hello from the registry\n" },
): Promise<Buffer[]> {
  return [busyboxLayer(), await filesLayer(files)];
}

function pick<T extends object, K extends keyof T>(obj: T, ...keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP, loopback only

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** PEM of the CA to trust for https URLs. */
  ca?: string | Buffer;
}

/** Tests must never send traffic off the machine: refuse anything but 127.0.0.0/8 and localhost. */
export function assertLoopback(url: URL): void {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname) && url.hostname !== "localhost") {
    throw new Error(`test helper refused a non-loopback address: ${url.href}`);
  }
}

/** One request, body read whole. No keep-alive agent, so nothing holds the test process open. */
export function httpRequest(url: string | URL, opts: HttpRequestOptions = {}): Promise<HttpResponse> {
  const u = new URL(url);
  assertLoopback(u);
  const mod = u.protocol === "https:" ? https : http;
  const body = typeof opts.body === "string" ? Buffer.from(opts.body) : opts.body;
  const headers: Record<string, string> = { ...opts.headers };
  if (body && headers["content-length"] === undefined) headers["content-length"] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = mod.request(u, { method: opts.method ?? "GET", headers, agent: false, ...(opts.ca ? { ca: opts.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** `Bearer realm="…",service="…"` → { scheme: "bearer", realm, service, … } */
export function parseChallenge(header: string | undefined): Record<string, string> & { scheme: string } {
  const h = header ?? "";
  const scheme = (h.split(" ", 1)[0] ?? "").toLowerCase();
  const params: Record<string, string> & { scheme: string } = { scheme };
  for (const m of h.matchAll(/(\w+)="([^"]*)"/g)) params[m[1]!.toLowerCase()] = m[2]!;
  return params;
}

// ---------------------------------------------------------------------------------------------
// A minimal distribution-API client

/** What the push functions need to reach a registry (a registry.ts handle fits). */
export interface RegistryTarget {
  /** http://127.0.0.1:PORT or https://… */
  url: string;
  caPath?: string;
  username?: string;
  password?: string;
}

export class RegistryClient {
  private readonly bearer = new Map<string, string>();
  private readonly ca: Buffer | undefined;

  constructor(readonly target: RegistryTarget) {
    this.ca = target.caPath ? fs.readFileSync(target.caPath) : undefined;
  }

  /**
   * A request to the registry, answering one 401 challenge: Basic with the target's credentials,
   * or Bearer through the realm with `scope` (defaults to the challenge's own scope).
   */
  async request(
    method: string,
    pathOrUrl: string,
    opts: { headers?: Record<string, string>; body?: Buffer; scope?: string } = {},
  ): Promise<HttpResponse> {
    const url = new URL(pathOrUrl, this.target.url);
    const send = (auth?: string) =>
      httpRequest(url, {
        method,
        headers: { ...opts.headers, ...(auth ? { authorization: auth } : {}) },
        ...(opts.body ? { body: opts.body } : {}),
        ...(this.ca ? { ca: this.ca } : {}),
      });
    const cached = opts.scope ? this.bearer.get(opts.scope) : undefined;
    const first = await send(cached ? `Bearer ${cached}` : this.basicAuth());
    if (first.status !== 401) return first;
    const challenge = parseChallenge(first.headers["www-authenticate"]);
    if (challenge.scheme === "basic") {
      const basic = this.basicAuth();
      return basic ? send(basic) : first;
    }
    if (challenge.scheme !== "bearer" || !challenge["realm"]) return first;
    const scope = opts.scope ?? challenge["scope"];
    const token = await this.fetchToken(challenge["realm"], challenge["service"], scope);
    if (opts.scope) this.bearer.set(opts.scope, token);
    return send(`Bearer ${token}`);
  }

  /** GET realm?service=&scope=, with Basic credentials when the target has them. */
  async fetchToken(realm: string, service: string | undefined, scope: string | undefined): Promise<string> {
    const u = new URL(realm);
    if (service) u.searchParams.set("service", service);
    if (scope) for (const s of scope.split(" ")) u.searchParams.append("scope", s);
    const auth = this.basicAuth();
    const res = await httpRequest(u, { headers: auth ? { authorization: auth } : {}, ...(this.ca ? { ca: this.ca } : {}) });
    if (res.status !== 200) throw new Error(`token request ${u.href} failed: ${res.status} ${res.body}`);
    const json = JSON.parse(res.body.toString()) as { token?: string; access_token?: string };
    const token = json.token ?? json.access_token;
    if (!token) throw new Error(`token response without a token: ${res.body}`);
    return token;
  }

  private basicAuth(): string | undefined {
    const { username, password } = this.target;
    return username !== undefined && password !== undefined
      ? "Basic " + Buffer.from(`${username}:${password}`).toString("base64")
      : undefined;
  }
}

const pushScope = (repo: string) => `repository:${repo}:pull,push`;

function expectStatus(res: HttpResponse, want: number, what: string): void {
  if (res.status !== want) throw new Error(`${what}: HTTP ${res.status} (want ${want}): ${res.body.toString().slice(0, 500)}`);
}

function clientFor(reg: RegistryTarget | RegistryClient): RegistryClient {
  return reg instanceof RegistryClient ? reg : new RegistryClient(reg);
}

/** POST /v2/REPO/blobs/uploads/, then PUT Location?digest=… with the whole blob. Returns the digest. */
export async function pushBlob(reg: RegistryTarget | RegistryClient, repo: string, bytes: Buffer): Promise<string> {
  const client = clientFor(reg);
  const digest = sha256(bytes);
  const scope = pushScope(repo);
  const start = await client.request("POST", `/v2/${repo}/blobs/uploads/`, { scope, body: Buffer.alloc(0) });
  expectStatus(start, 202, `start upload to ${repo}`);
  const location = start.headers.location;
  if (!location) throw new Error("upload start without Location");
  const put = new URL(location, client.target.url);
  put.searchParams.set("digest", digest);
  const done = await client.request("PUT", put.href, { scope, body: bytes, headers: { "content-type": "application/octet-stream" } });
  expectStatus(done, 201, `finish upload of ${digest} to ${repo}`);
  return digest;
}

/** PUT /v2/REPO/manifests/REF. Returns the digest the registry reports (sha256 of `body`). */
export async function pushManifest(
  reg: RegistryTarget | RegistryClient,
  repo: string,
  ref: string,
  body: Buffer,
  mediaType: string,
): Promise<string> {
  const client = clientFor(reg);
  const res = await client.request("PUT", `/v2/${repo}/manifests/${ref}`, {
    scope: pushScope(repo),
    body,
    headers: { "content-type": mediaType },
  });
  expectStatus(res, 201, `push manifest ${repo}:${ref}`);
  return String(res.headers["docker-content-digest"] ?? sha256(body));
}

export interface PushedImage {
  manifestDigest: string;
  configDigest: string;
  layerDigests: string[];
  diffIds: string[];
  image: BuiltImage;
}

/** Pushes a built image's blobs and manifest; tags it when `tag` is given, else pushes by digest. */
export async function pushBuiltImage(
  reg: RegistryTarget | RegistryClient,
  repo: string,
  image: BuiltImage,
  tag?: string,
): Promise<PushedImage> {
  const client = clientFor(reg);
  for (const bytes of image.blobs.values()) await pushBlob(client, repo, bytes);
  await pushManifest(client, repo, tag ?? image.manifestDigest, image.manifest, image.mediaType);
  return {
    manifestDigest: image.manifestDigest,
    configDigest: image.configDigest,
    layerDigests: image.layers.map((l) => l.digest),
    diffIds: image.layers.map((l) => l.diffId),
    image,
  };
}

export async function pushImage(reg: RegistryTarget | RegistryClient, repo: string, tag: string, opts: ImageOptions): Promise<PushedImage> {
  return pushBuiltImage(reg, repo, buildImage(opts), tag);
}

/** Pushes an index over manifests that are already in `repo` (the registry checks that). */
export async function pushIndex(
  reg: RegistryTarget | RegistryClient,
  repo: string,
  tag: string,
  manifests: readonly IndexEntry[],
  kind: ManifestKind = "oci",
): Promise<BuiltIndex> {
  const index = buildIndex(manifests, kind);
  await pushManifest(reg, repo, tag, index.body, index.mediaType);
  return index;
}

export interface MultiPlatform {
  amd64: BuiltImage;
  arm64: BuiltImage;
  index: BuiltIndex;
}

/**
 * A linux/amd64 + linux/arm64 pair in memory. Both share the busybox layer (so blob reuse shows),
 * and each has /platform.txt saying which one it is, so a test can tell what was pulled. Only the
 * amd64 one runs on this machine.
 */
export async function buildMultiPlatform(opts: { kind?: ManifestKind; compression?: Compression } = {}): Promise<MultiPlatform> {
  const kind = opts.kind ?? "oci";
  const base = busyboxLayer();
  const make = async (architecture: string, variant?: string) =>
    buildImage({
      layers: [base, await filesLayer({ "platform.txt": `${architecture}\n` })],
      kind,
      compression: opts.compression ?? "gzip",
      platform: { os: "linux", architecture, ...(variant ? { variant } : {}) },
      runConfig: { Cmd: ["cat", "/platform.txt"] },
    });
  const amd64 = await make("amd64");
  const arm64 = await make("arm64", "v8");
  return { amd64, arm64, index: buildIndex([amd64.indexEntry, arm64.indexEntry], kind) };
}

/** buildMultiPlatform, pushed: both images by digest, then the index under `tag`. */
export async function pushMultiPlatform(
  reg: RegistryTarget | RegistryClient,
  repo: string,
  tag: string,
  opts: { kind?: ManifestKind; compression?: Compression } = {},
): Promise<MultiPlatform> {
  const client = clientFor(reg);
  const mp = await buildMultiPlatform(opts);
  await pushBuiltImage(client, repo, mp.amd64);
  await pushBuiltImage(client, repo, mp.arm64);
  await pushManifest(client, repo, tag, mp.index.body, mp.index.mediaType);
  return mp;
}
