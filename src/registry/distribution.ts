// The OCI distribution API's operations, one function each, over a RegistrySession. Everything
// read is bounded; nothing here trusts a digest it has not computed itself.
import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { InvalidArgumentError, NotFoundError, UnavailableError } from "../errors.js";
import { HashingStream, sha256Digest, type Digest } from "../image/digest.js";
import { MANIFEST_ACCEPT, MANIFEST_SIZE_LIMIT } from "../image/manifest.js";
import type { Descriptor } from "../image/config.js";
import { repositoryScope, type RegistrySession } from "./registry-session.js";
import { discard, header, readLimited, type HttpResponse } from "./transport.js";
import { readRegistryError } from "./registry-errors.js";

export class RegistryResponseError extends UnavailableError {
  constructor(
    message: string,
    readonly status: number,
    readonly codes: readonly string[],
  ) {
    super(message);
  }
}

async function failed(res: HttpResponse): Promise<RegistryResponseError> {
  const info = await readRegistryError(res);
  return new RegistryResponseError(info.text, res.status, info.codes);
}

export interface FetchedManifest {
  body: Buffer;
  contentType: string | undefined;
  /** sha256 of the exact bytes received: the only digest berth believes. */
  digest: Digest;
}

export async function getManifest(
  session: RegistrySession,
  repository: string,
  reference: string,
  signal?: AbortSignal,
): Promise<FetchedManifest> {
  const res = await session.request({
    method: "GET",
    path: `/v2/${repository}/manifests/${reference}`,
    scopes: [repositoryScope(repository, ["pull"])],
    headers: { accept: MANIFEST_ACCEPT.join(", ") },
    signal,
  });
  if (res.status !== 200) throw await failed(res);
  const body = await readLimited(res, MANIFEST_SIZE_LIMIT, "manifest");
  const digest = sha256Digest(body);
  // By digest, the bytes must hash to what was asked for; Docker-Content-Digest is only advisory.
  if (reference.startsWith("sha256:") && digest !== reference) {
    throw new InvalidArgumentError(`manifest verification failed for digest ${reference}: the registry sent content with digest ${digest}`);
  }
  return { body, contentType: header(res, "content-type"), digest };
}

/** A blob's bytes, cut off past the descriptor's size; the caller hashes and checks them. */
export async function fetchBlob(session: RegistrySession, repository: string, desc: Descriptor, signal?: AbortSignal): Promise<Readable> {
  const res = await session.request({
    method: "GET",
    path: `/v2/${repository}/blobs/${desc.digest}`,
    scopes: [repositoryScope(repository, ["pull"])],
    signal,
  });
  if (res.status !== 200) throw await failed(res);
  const length = header(res, "content-length");
  if (length !== undefined && Number(length) !== desc.size) {
    res.body.destroy();
    throw new InvalidArgumentError(`blob ${desc.digest}: the registry announced ${length} bytes, the manifest says ${desc.size}`);
  }
  // An error anywhere reaches the reader through `limited` (so the promise's is not needed), and
  // a reader that gives up, or a size refused, closes the connection instead of leaving it open.
  const limited = new SizeLimit(desc.size, desc.digest);
  pipeline(cutAsUnexpectedEof(res.body, desc.digest), limited).catch(() => undefined);
  return limited;
}

/** A connection cut mid-body reads as Go's "unexpected EOF", the words Docker prints. */
async function* cutAsUnexpectedEof(body: Readable, digest: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of body) yield chunk as Buffer;
  } catch (err) {
    throw new UnavailableError(`error pulling blob ${digest}: unexpected EOF`, { cause: err });
  }
}

/** Fails the stream as soon as more than `size` bytes arrive, and at the end if fewer did. */
class SizeLimit extends Transform {
  private seen = 0;
  constructor(
    private readonly size: number,
    private readonly digest: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.size)
      done(new InvalidArgumentError(`blob ${this.digest}: the registry sent more than the ${this.size} bytes the manifest says`));
    else done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    if (this.seen < this.size) done(new InvalidArgumentError(`blob ${this.digest}: the registry sent ${this.seen} of ${this.size} bytes`));
    else done();
  }
}

export async function blobExists(
  session: RegistrySession,
  repository: string,
  digest: Digest,
  signal?: AbortSignal,
): Promise<{ size: number } | undefined> {
  const res = await session.request({
    method: "HEAD",
    path: `/v2/${repository}/blobs/${digest}`,
    scopes: [repositoryScope(repository, ["pull", "push"])],
    signal,
  });
  if (res.status === 200 || res.status === 404) {
    await discard(res);
    return res.status === 200 ? { size: Number(header(res, "content-length") ?? -1) } : undefined;
  }
  throw await failed(res);
}

/**
 * Asks the registry to link a blob it holds in another repository (no bytes travel). A registry
 * that cannot mount starts an ordinary upload instead, which we cancel.
 */
export async function mountBlob(
  session: RegistrySession,
  repository: string,
  digest: Digest,
  from: string,
  signal?: AbortSignal,
): Promise<boolean> {
  const query = new URLSearchParams({ mount: digest, from });
  const res = await session.request({
    method: "POST",
    path: `/v2/${repository}/blobs/uploads/?${query}`,
    scopes: [repositoryScope(repository, ["pull", "push"]), repositoryScope(from, ["pull"])],
    headers: { "content-length": "0" },
    signal,
  });
  await discard(res);
  if (res.status === 201) return true;
  if (res.status === 202) {
    const location = header(res, "location");
    if (location) await cancelUpload(session, repository, new URL(location, session.endpoint), signal);
    return false;
  }
  return false;
}

async function cancelUpload(session: RegistrySession, repository: string, location: URL, signal?: AbortSignal): Promise<void> {
  const res = await session
    .request({ method: "DELETE", path: location, scopes: [repositoryScope(repository, ["pull", "push"])], signal })
    .catch(() => undefined);
  if (res) await discard(res);
}

async function startUpload(session: RegistrySession, repository: string, signal?: AbortSignal): Promise<URL> {
  const res = await session.request({
    method: "POST",
    path: `/v2/${repository}/blobs/uploads/`,
    scopes: [repositoryScope(repository, ["pull", "push"])],
    headers: { "content-length": "0" },
    signal,
  });
  if (res.status !== 202) throw await failed(res);
  await discard(res);
  return uploadLocation(session, res);
}

function uploadLocation(session: RegistrySession, res: HttpResponse): URL {
  const location = header(res, "location");
  if (!location) throw new UnavailableError("the registry started an upload without saying where to send it");
  const url = new URL(location, session.endpoint);
  // An upload location elsewhere would receive our token (G09): refuse rather than leak it.
  if (url.origin !== session.endpoint.origin) throw new UnavailableError(`refusing upload location on another origin: ${url.origin}`);
  return url;
}

function withDigest(location: URL, digest: Digest): URL {
  const url = new URL(location);
  url.searchParams.set("digest", digest);
  return url;
}

/** Monolithic upload of a blob whose digest and size are known: POST, then one PUT with the bytes. */
export async function uploadBlob(
  session: RegistrySession,
  repository: string,
  blob: { digest: Digest; size: number; open(): Readable },
  onProgress?: (bytes: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  const location = await startUpload(session, repository, signal);
  const body = blob.open();
  if (onProgress) {
    let sent = 0;
    body.on("data", (c: Buffer) => onProgress((sent += c.length)));
  }
  const res = await session.request({
    method: "PUT",
    path: withDigest(location, blob.digest),
    scopes: [repositoryScope(repository, ["pull", "push"])],
    headers: { "content-type": "application/octet-stream", "content-length": String(blob.size) },
    body,
    signal,
  });
  if (res.status !== 201) throw await failed(res);
  await discard(res);
}

/**
 * Chunked upload of a stream whose digest is learnt on the way (a layer compressed as it is sent):
 * PATCH with Content-Range per chunk, then PUT with the digest.
 */
export async function uploadStream(
  session: RegistrySession,
  repository: string,
  source: Readable,
  opts: { chunkSize?: number; onProgress?: (bytes: number) => void; signal?: AbortSignal } = {},
): Promise<{ digest: Digest; size: number }> {
  const chunkSize = opts.chunkSize ?? 16 << 20;
  let location = await startUpload(session, repository, opts.signal);
  const hashing = new HashingStream();
  // The source's errors reach the loop below through `hashing`; a failed upload that leaves the loop
  // destroys the source too, so that whatever produces it (a tar, a compressor) stops.
  pipeline(source, hashing).catch(() => undefined);
  let offset = 0;
  let pending: Buffer[] = [];
  let pendingSize = 0;
  const flush = async () => {
    if (!pendingSize) return;
    const chunk = Buffer.concat(pending, pendingSize);
    pending = [];
    pendingSize = 0;
    const res = await session.request({
      method: "PATCH",
      path: location,
      scopes: [repositoryScope(repository, ["pull", "push"])],
      headers: {
        "content-type": "application/octet-stream",
        "content-length": String(chunk.length),
        "content-range": `${offset}-${offset + chunk.length - 1}`,
      },
      body: chunk,
      signal: opts.signal,
    });
    if (res.status !== 202) throw await failed(res);
    await discard(res);
    location = uploadLocation(session, res);
    offset += chunk.length;
    opts.onProgress?.(offset);
  };
  for await (const data of hashing) {
    pending.push(data as Buffer);
    pendingSize += (data as Buffer).length;
    if (pendingSize >= chunkSize) await flush();
  }
  await flush();
  const digest = hashing.digest();
  const res = await session.request({
    method: "PUT",
    path: withDigest(location, digest),
    scopes: [repositoryScope(repository, ["pull", "push"])],
    headers: { "content-length": "0" },
    signal: opts.signal,
  });
  if (res.status !== 201) throw await failed(res);
  await discard(res);
  return { digest, size: offset };
}

export async function putManifest(
  session: RegistrySession,
  repository: string,
  reference: string,
  body: Buffer,
  mediaType: string,
  signal?: AbortSignal,
): Promise<Digest> {
  const res = await session.request({
    method: "PUT",
    path: `/v2/${repository}/manifests/${reference}`,
    scopes: [repositoryScope(repository, ["pull", "push"])],
    headers: { "content-type": mediaType, "content-length": String(body.length) },
    body,
    signal,
  });
  if (res.status !== 201) throw await failed(res);
  await discard(res);
  return sha256Digest(body);
}

/** Every tag of a repository, following the Link header's pages. */
export async function listTags(session: RegistrySession, repository: string, signal?: AbortSignal): Promise<string[]> {
  const tags: string[] = [];
  let path: string | undefined = `/v2/${repository}/tags/list?n=1000`;
  for (let page = 0; path && page < 100; page++) {
    const res = await session.request({ method: "GET", path, scopes: [repositoryScope(repository, ["pull"])], signal });
    if (res.status === 404) throw new NotFoundError(`repository ${repository} not found`);
    if (res.status !== 200) throw await failed(res);
    const body = JSON.parse((await readLimited(res, 16 << 20, "tag list")).toString("utf8")) as { tags?: string[] | null };
    tags.push(...(body.tags ?? []));
    const link = /<([^>]+)>;\s*rel="next"/.exec(header(res, "link") ?? "");
    path = link?.[1];
  }
  return tags;
}
