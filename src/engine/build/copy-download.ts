// ADD <url>: the file is fetched into the step's private directory before the step's container
// exists, hashed as it streams (the hash is the cache key, BUILD-API §6: a cached rebuild fetches
// again), checked against --checksum, and later written as a plain file: never extracted unless
// --unpack=true, mode 0600, mtime from Last-Modified (BUILD-API §9).
import * as fs from "node:fs";
import { createHash } from "node:crypto";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { InvalidArgumentError, NotImplementedError, SystemError } from "../../errors.js";
import type { ProgressSink } from "../progress.js";

export interface Download {
  readonly url: string;
  /** The file's name in a destination directory: the URL path's last element, when it has one. */
  readonly name: string | undefined;
  /** Where the bytes are, in the step's work directory. */
  readonly host: string;
  /** sha256 of the bytes, hex. */
  readonly sha256: string;
  readonly size: number;
  /** Last-Modified, or the time of the download when the server sent none. */
  readonly mtime: Date;
}

export function isUrlSource(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/**
 * Git sources as BuildKit recognises them (gitutil: git://, git@host:, ssh://, github.com/...,
 * and http(s) URLs ending in .git, with or without a #ref). berth does not clone repositories.
 */
export function isGitSource(source: string): boolean {
  if (/^(git:\/\/|git@|ssh:\/\/|github\.com\/)/i.test(source)) return true;
  return isUrlSource(source) && /\.git(#.*)?$/i.test(source.replace(/\?[^#]*/, ""));
}

export function refuseGit(source: string): never {
  throw new NotImplementedError(`ADD of a Git repository is not supported by berth: ${source}`);
}

const ALGORITHMS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** A --checksum value, checked for form: "<algorithm>:<hex>". */
export function parseChecksum(value: string): { algorithm: string; hex: string } | undefined {
  if (value === "") return undefined;
  const m = /^([a-z0-9]+):([a-f0-9]+)$/.exec(value);
  const length = m ? ALGORITHMS[m[1]!] : undefined;
  if (!m || length !== m[2]!.length) throw new InvalidArgumentError(`invalid checksum digest format: ${value}`);
  return { algorithm: m[1]!, hex: m[2]! };
}

export interface DownloadOptions {
  readonly checksum?: { algorithm: string; hex: string } | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly progress?: ProgressSink | undefined;
}

/** Fetches `url` into `file` (created, mode 0600), checking --checksum. */
export async function download(url: string, file: string, opts: DownloadOptions = {}): Promise<Download> {
  const name = nameFromUrl(url);
  let response: Response;
  try {
    response = await fetch(url, { redirect: "follow", ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    throw new SystemError(
      `failed to GET ${url}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`,
      { cause: err },
    );
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new SystemError(`failed to GET ${url} with status ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`);
  }
  const length = Number(response.headers.get("content-length") ?? NaN);
  const total = Number.isSafeInteger(length) ? length : undefined;
  const sha256 = createHash("sha256");
  const checked = opts.checksum && opts.checksum.algorithm !== "sha256" ? createHash(opts.checksum.algorithm) : undefined;
  let size = 0;
  const report = throttled(opts.progress, total);
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      sha256.update(chunk);
      checked?.update(chunk);
      report(size);
      done(null, chunk);
    },
  });
  const out = fs.createWriteStream(file, { flags: "wx", mode: 0o600 });
  await pipeline(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>), meter, out, {
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  report(size, true);
  const hex = sha256.digest("hex");
  if (opts.checksum) {
    const got = checked ? checked.digest("hex") : hex;
    if (got !== opts.checksum.hex)
      throw new InvalidArgumentError(
        `checksum mismatch for ${url}: expected ${opts.checksum.algorithm}:${opts.checksum.hex}, got ${opts.checksum.algorithm}:${got}`,
      );
  }
  const modified = Date.parse(response.headers.get("last-modified") ?? "");
  return { url, name, host: file, sha256: hex, size, mtime: Number.isNaN(modified) ? new Date() : new Date(modified) };
}

/** The URL path's last element, decoded ("http://h/a/b.tgz?x=1" → "b.tgz"); undefined for "http://h/". */
export function nameFromUrl(url: string): string | undefined {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    throw new InvalidArgumentError(`invalid URL: ${url}`);
  }
  const last = pathname.split("/").filter(Boolean).pop() ?? "";
  let name = last;
  try {
    name = decodeURIComponent(last);
  } catch {
    // A malformed escape stays as written, as Go's path.Base of the raw path would.
  }
  return name === "" || name === "." || name === ".." || name.includes("/") ? undefined : name;
}

/** Docker's "Downloading" messages, at most ten a second, and always the last one. */
function throttled(progress: ProgressSink | undefined, total: number | undefined): (current: number, last?: boolean) => void {
  let at = 0;
  return (current, last = false) => {
    if (!progress) return;
    const now = Date.now();
    if (!last && now - at < 100) return;
    at = now;
    progress({ status: "Downloading", progressDetail: total === undefined ? { current } : { current, total } });
  };
}
