// A lying registry in Node (SECURITY-NOTES (d).10): a small distribution-API server over in-memory
// content, with switches that make it misbehave the ways a hostile or broken registry does. It
// listens on 127.0.0.1 and, optionally, on 127.0.0.2 as a second origin, so cross-origin redirects
// and upload Locations can be tested without leaving loopback. Every request is recorded.
//
// Switches live in `hostile.switches` and may be changed between requests. Blob switches apply to
// blob GETs (and HEADs where it makes sense) on both origins, limited to `onlyDigests` when set.
import * as crypto from "node:crypto";
import * as http from "node:http";
import * as net from "node:net";
import { sha256, type BuiltImage, type BuiltIndex, type MultiPlatform } from "./registry-fixtures.js";

export interface HostileSwitches {
  /** Blob GET: same length, last byte flipped, so only the digest check catches it. */
  wrongDigest?: boolean;
  /** Blob GET: this many extra bytes after the blob, with an honest (larger) Content-Length. */
  extraBytes?: number;
  /** Blob GET: Content-Length = true length + this delta; the true bytes go out, then the socket closes. */
  contentLengthDelta?: number;
  /** Manifest GET: the manifest padded with an annotation to this many bytes (true → 4 MiB + 1 KiB). */
  oversizedManifest?: boolean | number;
  /** Manifest GET: the manifest with a `manifests` list added (CVE-2021-41190); Content-Type unchanged. */
  disguisedIndex?: boolean;
  /** Manifest GET by digest: a re-serialised body (other bytes) under the requested Docker-Content-Digest. */
  tamperManifest?: boolean;
  /** Blob GET/HEAD on 127.0.0.1: 307 to the same path on the second origin (127.0.0.2). */
  redirectBlobs?: boolean;
  /** Upload POST: a Location on the second origin. */
  crossOriginUploadLocation?: boolean;
  /**
   * Answer /v2/ requests that lack valid credentials with `Bearer realm="<this>"`. Nothing listens
   * there and nothing is sent there by this server: a client must refuse it before connecting.
   * `true` means http://169.254.169.254/token.
   */
  challengeRealm?: boolean | string;
  /** Range requests get 200 and the whole blob. */
  ignoreRange?: boolean;
  /** Send blob bodies `bytes` at a time, every `intervalMs`. */
  drip?: { bytes: number; intervalMs: number };
  /** Cut the connection after `bytes` of the blob body, for the first `times` responses (default all). */
  closeAfter?: { bytes: number; times?: number };
  /** Apply the blob switches only to these digests. */
  onlyDigests?: string[];
}

export interface RecordedRequest {
  origin: "primary" | "secondary";
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface HostileOptions {
  /** Also listen on 127.0.0.2 (needed for redirectBlobs and crossOriginUploadLocation). */
  secondOrigin?: boolean;
  /** Require credentials on 127.0.0.1: Basic, or Bearer through a /token endpoint on the same origin. */
  auth?: { type: "basic" | "bearer"; username: string; password: string };
  switches?: HostileSwitches;
}

export interface HostileRegistry {
  host: string;
  url: string;
  /** The second origin (127.0.0.2:PORT), when started with secondOrigin. */
  secondHost?: string;
  secondUrl?: string;
  switches: HostileSwitches;
  requests: RecordedRequest[];
  /** Requests that reached 127.0.0.2 carrying Authorization, Proxy-Authorization or Cookie. */
  credentialsSentToSecondOrigin(): RecordedRequest[];
  addBlob(repo: string, bytes: Buffer): string;
  addManifest(repo: string, ref: string, body: Buffer, mediaType: string): string;
  addImage(repo: string, image: BuiltImage, tag?: string): void;
  addIndex(repo: string, index: BuiltIndex, tag?: string): void;
  addMultiPlatform(repo: string, tag: string, mp: MultiPlatform): void;
  /** Blobs received by uploads (and added), per repo. */
  blobs(repo: string): Map<string, Buffer>;
  manifests(repo: string): Map<string, { body: Buffer; mediaType: string }>;
  stop(): Promise<void>;
}

const LINK_LOCAL_REALM = "http://169.254.169.254/token";
const MANIFEST_LIMIT = 4 << 20;

type Origin = RecordedRequest["origin"];

class Store {
  readonly blobsByRepo = new Map<string, Map<string, Buffer>>();
  readonly manifestsByRepo = new Map<string, Map<string, { body: Buffer; mediaType: string }>>();
  readonly uploads = new Map<string, { repo: string; chunks: Buffer[] }>();

  blobs(repo: string): Map<string, Buffer> {
    let m = this.blobsByRepo.get(repo);
    if (!m) this.blobsByRepo.set(repo, (m = new Map()));
    return m;
  }

  manifests(repo: string): Map<string, { body: Buffer; mediaType: string }> {
    let m = this.manifestsByRepo.get(repo);
    if (!m) this.manifestsByRepo.set(repo, (m = new Map()));
    return m;
  }
}

export async function startHostileRegistry(opts: HostileOptions = {}): Promise<HostileRegistry> {
  const store = new Store();
  const requests: RecordedRequest[] = [];
  const switches: HostileSwitches = { ...opts.switches };
  const tokens = new Set<string>();
  const cut = { count: 0 };
  const origins: { primary: string; secondary?: string } = { primary: "" };
  const ctx = { store, switches, tokens, cut, origins, auth: opts.auth };

  const servers: http.Server[] = [];
  const serve = (origin: Origin) =>
    http.createServer((req, res) => {
      requests.push({ origin, method: req.method ?? "", url: req.url ?? "", headers: { ...req.headers } });
      handle(ctx, origin, req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(err));
        else res.destroy();
      });
    });

  const primary = serve("primary");
  servers.push(primary);
  const port = await listenOn(primary, "127.0.0.1");
  origins.primary = `http://127.0.0.1:${port}`;
  let second: { host: string; url: string } | undefined;
  if (opts.secondOrigin) {
    const secondary = serve("secondary");
    servers.push(secondary);
    const p2 = await listenOn(secondary, "127.0.0.2");
    origins.secondary = `http://127.0.0.2:${p2}`;
    second = { host: `127.0.0.2:${p2}`, url: origins.secondary };
  }

  const addManifest = (repo: string, ref: string, body: Buffer, mediaType: string) => {
    const digest = sha256(body);
    store.manifests(repo).set(digest, { body, mediaType });
    if (ref !== digest) store.manifests(repo).set(ref, { body, mediaType });
    return digest;
  };
  const addImage = (repo: string, image: BuiltImage, tag?: string) => {
    for (const [d, b] of image.blobs) store.blobs(repo).set(d, b);
    addManifest(repo, tag ?? image.manifestDigest, image.manifest, image.mediaType);
  };

  return {
    host: `127.0.0.1:${port}`,
    url: origins.primary,
    ...(second ? { secondHost: second.host, secondUrl: second.url } : {}),
    switches,
    requests,
    credentialsSentToSecondOrigin: () =>
      requests.filter((r) => r.origin === "secondary" && (r.headers.authorization || r.headers["proxy-authorization"] || r.headers.cookie)),
    addBlob: (repo, bytes) => {
      const d = sha256(bytes);
      store.blobs(repo).set(d, bytes);
      return d;
    },
    addManifest,
    addImage,
    addIndex: (repo, index, tag) => void addManifest(repo, tag ?? index.digest, index.body, index.mediaType),
    addMultiPlatform: (repo, tag, mp) => {
      addImage(repo, mp.amd64);
      addImage(repo, mp.arm64);
      addManifest(repo, tag, mp.index.body, mp.index.mediaType);
    },
    blobs: (repo) => store.blobs(repo),
    manifests: (repo) => store.manifests(repo),
    stop: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((r) => {
              s.closeAllConnections();
              s.close(() => r());
            }),
        ),
      );
    },
  };
}

function listenOn(server: http.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, address, () => resolve((server.address() as net.AddressInfo).port));
  });
}

interface Ctx {
  store: Store;
  switches: HostileSwitches;
  tokens: Set<string>;
  cut: { count: number };
  origins: { primary: string; secondary?: string };
  auth: HostileOptions["auth"];
}

// ---------------------------------------------------------------------------------------------
// Routing

const ROUTE = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/;
const UPLOAD = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/;

async function handle(ctx: Ctx, origin: Origin, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://x");
  const method = req.method ?? "GET";
  if (origin === "primary" && url.pathname === "/token") return issueToken(ctx, req, res);
  // The second origin stands for a CDN or storage host: it serves what it is sent to, unauthenticated.
  if (origin === "primary" && !authorized(ctx, req)) return challenge(ctx, url, res);
  if (url.pathname === "/v2/" || url.pathname === "/v2") return void res.writeHead(200, { "content-type": "application/json" }).end("{}");

  const upload = UPLOAD.exec(url.pathname);
  if (upload) return handleUpload(ctx, origin, method, upload[1]!, upload[2]!, url, req, res);
  const m = ROUTE.exec(url.pathname);
  if (!m) return sendError(res, 404, "NAME_UNKNOWN", "no such route");
  const [, repo, kind, ref] = m as unknown as [string, string, string, string];
  if (kind === "manifests") {
    if (method === "PUT") return putManifest(ctx, repo, ref, req, res);
    return serveManifest(ctx, repo, ref, method, res);
  }
  if (origin === "primary" && ctx.switches.redirectBlobs && ctx.origins.secondary && (method === "GET" || method === "HEAD")) {
    return void res.writeHead(307, { location: `${ctx.origins.secondary}${url.pathname}${url.search}` }).end();
  }
  return serveBlob(ctx, repo, ref, method, req, res);
}

// ---------------------------------------------------------------------------------------------
// Auth

function authorized(ctx: Ctx, req: http.IncomingMessage): boolean {
  const header = req.headers.authorization ?? "";
  if (!ctx.auth) return !ctx.switches.challengeRealm;
  if (ctx.auth.type === "basic") return header === basicHeader(ctx.auth.username, ctx.auth.password);
  return ctx.tokens.has(header.replace(/^Bearer\s+/i, ""));
}

function basicHeader(user: string, password: string): string {
  return "Basic " + Buffer.from(`${user}:${password}`).toString("base64");
}

function challenge(ctx: Ctx, url: URL, res: http.ServerResponse): void {
  const repo = ROUTE.exec(url.pathname)?.[1] ?? UPLOAD.exec(url.pathname)?.[1];
  const scope = repo ? `,scope="repository:${repo}:pull"` : "";
  const realmSwitch = ctx.switches.challengeRealm;
  let value: string;
  if (realmSwitch) value = `Bearer realm="${realmSwitch === true ? LINK_LOCAL_REALM : realmSwitch}",service="hostile"${scope}`;
  else if (ctx.auth?.type === "basic") value = `Basic realm="hostile"`;
  else value = `Bearer realm="${ctx.origins.primary}/token",service="hostile"${scope}`;
  res.writeHead(401, { "www-authenticate": value, "content-type": "application/json" });
  res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
}

/** Opaque tokens for valid Basic credentials; scopes are not enforced (this server tests lies, not ACLs). */
function issueToken(ctx: Ctx, req: http.IncomingMessage, res: http.ServerResponse): void {
  if (!ctx.auth || req.headers.authorization !== basicHeader(ctx.auth.username, ctx.auth.password)) {
    return void res.writeHead(401, { "content-type": "application/json" }).end('{"details":"bad credentials"}');
  }
  const token = "hostile-" + crypto.randomBytes(12).toString("hex");
  ctx.tokens.add(token);
  res
    .writeHead(200, { "content-type": "application/json" })
    .end(JSON.stringify({ token, expires_in: 300, issued_at: new Date().toISOString() }));
}

// ---------------------------------------------------------------------------------------------
// Manifests

function serveManifest(ctx: Ctx, repo: string, ref: string, method: string, res: http.ServerResponse): void {
  const entry = ctx.store.manifests(repo).get(ref);
  if (!entry) return sendError(res, 404, "MANIFEST_UNKNOWN", `manifest unknown: ${ref}`);
  const byDigest = ref.startsWith("sha256:");
  const body = lieAboutManifest(ctx.switches, entry.body, byDigest);
  // By digest, the advisory header echoes what was asked for, as a liar would.
  const digest = byDigest ? ref : sha256(body);
  res.writeHead(200, { "content-type": entry.mediaType, "content-length": body.length, "docker-content-digest": digest });
  res.end(method === "HEAD" ? undefined : body);
}

function lieAboutManifest(s: HostileSwitches, body: Buffer, byDigest: boolean): Buffer {
  let doc = body;
  if (s.disguisedIndex) {
    const obj = JSON.parse(doc.toString()) as Record<string, unknown>;
    obj["manifests"] = [
      {
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: sha256("decoy"),
        size: 5,
        platform: { os: "linux", architecture: "amd64" },
      },
    ];
    doc = Buffer.from(JSON.stringify(obj));
  }
  if (s.tamperManifest && byDigest) doc = Buffer.from(JSON.stringify(JSON.parse(doc.toString()), null, 3));
  if (s.oversizedManifest) {
    const target = s.oversizedManifest === true ? MANIFEST_LIMIT + 1024 : s.oversizedManifest;
    const obj = JSON.parse(doc.toString()) as Record<string, unknown>;
    const base = Buffer.byteLength(JSON.stringify({ ...obj, annotations: { padding: "" } }));
    obj["annotations"] = { padding: "x".repeat(Math.max(0, target - base)) };
    doc = Buffer.from(JSON.stringify(obj));
  }
  return doc;
}

async function putManifest(ctx: Ctx, repo: string, ref: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const body = await readAll(req);
  const mediaType = req.headers["content-type"] ?? "application/octet-stream";
  const digest = sha256(body);
  if (ref.startsWith("sha256:") && ref !== digest) return sendError(res, 400, "DIGEST_INVALID", "manifest digest mismatch");
  ctx.store.manifests(repo).set(digest, { body, mediaType });
  ctx.store.manifests(repo).set(ref, { body, mediaType });
  res.writeHead(201, { location: `/v2/${repo}/manifests/${digest}`, "docker-content-digest": digest }).end();
}

// ---------------------------------------------------------------------------------------------
// Blobs

function serveBlob(ctx: Ctx, repo: string, digest: string, method: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const original = ctx.store.blobs(repo).get(digest);
  if (!original) return sendError(res, 404, "BLOB_UNKNOWN", `blob unknown: ${digest}`);
  const s = ctx.switches;
  const lying = !s.onlyDigests || s.onlyDigests.includes(digest);
  let body = original;
  if (lying && s.wrongDigest) body = flipLastByte(body);
  if (lying && s.extraBytes) body = Buffer.concat([body, Buffer.alloc(s.extraBytes, 0x78)]);

  let status = 200;
  const headers: http.OutgoingHttpHeaders = {
    "content-type": "application/octet-stream",
    "docker-content-digest": digest,
    "accept-ranges": "bytes",
  };
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
  if (range && !(lying && s.ignoreRange)) {
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
    if (start >= body.length) return void res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
    headers["content-range"] = `bytes ${start}-${end}/${body.length}`;
    body = body.subarray(start, end + 1);
    status = 206;
  }
  const delta = lying ? (s.contentLengthDelta ?? 0) : 0;
  headers["content-length"] = body.length + delta;
  res.writeHead(status, headers);
  if (method === "HEAD") return void res.end();
  const cutAt = lying ? takeCut(ctx) : undefined;
  void writeBody(res, body, {
    ...(lying && s.drip ? { drip: s.drip } : {}),
    ...(cutAt !== undefined ? { cutAt } : {}),
    destroyAtEnd: delta !== 0,
  });
}

function flipLastByte(b: Buffer): Buffer {
  const copy = Buffer.from(b);
  if (copy.length) copy[copy.length - 1] = copy[copy.length - 1]! ^ 0xff;
  return copy;
}

/** The byte count to cut this response at, if closeAfter still has uses left. */
function takeCut(ctx: Ctx): number | undefined {
  const c = ctx.switches.closeAfter;
  if (!c || ctx.cut.count >= (c.times ?? Infinity)) return undefined;
  ctx.cut.count++;
  return c.bytes;
}

/**
 * Writes `body` (in drips if asked), then ends the response; or destroys the socket after
 * `cutAt` bytes, or after the whole body when the Content-Length lied (Node does not enforce
 * Content-Length by default, and a clean end would leave the client waiting on keep-alive).
 */
async function writeBody(
  res: http.ServerResponse,
  body: Buffer,
  o: { drip?: { bytes: number; intervalMs: number }; cutAt?: number; destroyAtEnd: boolean },
): Promise<void> {
  const limit = o.cutAt !== undefined ? Math.min(o.cutAt, body.length) : body.length;
  const step = o.drip ? Math.max(1, o.drip.bytes) : limit || 1;
  for (let off = 0; off < limit; off += step) {
    if (res.destroyed) return;
    await new Promise<void>((resolve) => res.write(body.subarray(off, Math.min(off + step, limit)), () => resolve()));
    if (o.drip && off + step < limit) await new Promise((r) => setTimeout(r, o.drip!.intervalMs));
  }
  if (o.cutAt !== undefined || o.destroyAtEnd) {
    // Let the written bytes reach the client before the reset.
    setTimeout(() => res.socket?.destroy(), 20);
    return;
  }
  res.end();
}

// ---------------------------------------------------------------------------------------------
// Uploads: POST (optionally monolithic with ?digest=), PATCH chunks, PUT ?digest= to finish.

async function handleUpload(
  ctx: Ctx,
  origin: Origin,
  method: string,
  repo: string,
  id: string,
  url: URL,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const body = await readAll(req);
  if (method === "POST" && id === "") {
    const digest = url.searchParams.get("digest");
    if (digest) return finishUpload(ctx, repo, digest, [body], res);
    const uuid = crypto.randomUUID();
    ctx.store.uploads.set(uuid, { repo, chunks: [] });
    const base =
      ctx.switches.crossOriginUploadLocation && ctx.origins.secondary
        ? ctx.origins.secondary
        : (ctx.origins[origin] ?? ctx.origins.primary);
    return void res
      .writeHead(202, { location: `${base}/v2/${repo}/blobs/uploads/${uuid}`, "docker-upload-uuid": uuid, range: "0-0" })
      .end();
  }
  const upload = ctx.store.uploads.get(id);
  if (!upload || upload.repo !== repo) return sendError(res, 404, "BLOB_UPLOAD_UNKNOWN", "upload unknown");
  upload.chunks.push(body);
  if (method === "PATCH") {
    const size = upload.chunks.reduce((n, c) => n + c.length, 0);
    return void res.writeHead(202, { location: url.pathname, range: `0-${Math.max(0, size - 1)}`, "docker-upload-uuid": id }).end();
  }
  if (method === "PUT") {
    ctx.store.uploads.delete(id);
    return finishUpload(ctx, repo, url.searchParams.get("digest") ?? "", upload.chunks, res);
  }
  sendError(res, 405, "UNSUPPORTED", "method not allowed");
}

function finishUpload(ctx: Ctx, repo: string, digest: string, chunks: Buffer[], res: http.ServerResponse): void {
  const bytes = Buffer.concat(chunks);
  if (sha256(bytes) !== digest) return sendError(res, 400, "DIGEST_INVALID", "digest did not match content");
  ctx.store.blobs(repo).set(digest, bytes);
  res.writeHead(201, { location: `/v2/${repo}/blobs/${digest}`, "docker-content-digest": digest }).end();
}

// ---------------------------------------------------------------------------------------------

function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code, message }] }));
}

function readAll(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
