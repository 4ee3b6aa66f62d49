// The content digest of what a COPY takes from the context, for its cache key: the bytes, type,
// mode, owner and link target of every file under its sources, with their names, and never their
// times (BUILD-API §6: a `touch` keeps the cache, a `chmod` misses it; BuildKit's contenthash hashes
// a tar header without mtime: mode, uid, gid, link name, device numbers). A file's bytes are read
// once per (path, device, inode, size, mtime): an unchanged context is not read again, within a
// build or, with a cache file, across builds.
import * as fs from "node:fs";
import { dirname } from "node:path";
import { createHash } from "node:crypto";
import { pipeline } from "node:stream/promises";
import type { Digest } from "../../image/digest.js";
import type { BuildContext, ContextEntry } from "./build-context.js";
import type { CopySource } from "./copy-sources.js";

const SMALL_FILE = 1n << 20n;
/** Files hashed at once: reads overlap in the thread pool, the digest keeps the walk's order. */
const PARALLEL = 16;

/** Content digests of files, by what identifies an unchanged file; optionally kept in a file. */
export class FileDigestCache {
  private readonly known = new Map<string, string>();
  private readonly used = new Set<string>();
  /** Files whose bytes were read (not answered from the cache): what a test counts. */
  reads = 0;

  private constructor(private readonly file: string | undefined) {}

  /** A cache for this process only. */
  static memory(): FileDigestCache {
    return new FileDigestCache(undefined);
  }

  /** A cache read from `file` (absent or unreadable: empty), written back by save(). */
  static async open(file: string): Promise<FileDigestCache> {
    const cache = new FileDigestCache(file);
    try {
      const saved = JSON.parse(await fs.promises.readFile(file, "utf8")) as { version?: number; files?: Record<string, string> };
      if (saved.version === 1 && saved.files)
        for (const [key, hex] of Object.entries(saved.files)) if (/^[a-f0-9]{64}$/.test(hex)) cache.known.set(key, hex);
    } catch {
      // A missing or damaged cache costs a re-read, never a wrong digest: keys carry the inode and times.
    }
    return cache;
  }

  /** The sha256 of a regular file's bytes (hex), read through O_NOFOLLOW. */
  async digest(entry: ContextEntry): Promise<string> {
    const st = entry.stat;
    const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${entry.host}`;
    this.used.add(key);
    const hit = this.known.get(key);
    if (hit) return hit;
    const hash = createHash("sha256");
    const handle = await fs.promises.open(entry.host, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      // Most files of a context are small: one read costs far less than a stream's machinery.
      if (st.size <= SMALL_FILE) hash.update(await handle.readFile());
      else await pipeline(handle.createReadStream({ autoClose: false }), hash);
    } finally {
      await handle.close();
    }
    this.reads++;
    const hex = hash.digest("hex");
    this.known.set(key, hex);
    return hex;
  }

  /**
   * Writes the digests used since open() (others are dropped: a file that changed or left the
   * context must not make the cache grow without end), atomically.
   */
  async save(): Promise<void> {
    if (!this.file) return;
    const files: Record<string, string> = {};
    for (const key of this.used) {
      const hex = this.known.get(key);
      if (hex) files[key] = hex;
    }
    // A store that never built has no directory for it yet; the builder ignores a failed save,
    // so without this every build would re-read every file of its context.
    await fs.promises.mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    await fs.promises.writeFile(temporary, JSON.stringify({ version: 1, files }), { mode: 0o600 });
    await fs.promises.rename(temporary, this.file);
  }
}

/**
 * One digest over a COPY's sources, in their order: for each, its path as the Dockerfile reached
 * it, then every entry a copy of it would write (the source itself, and for a directory what is
 * under it that the ignore rules leave, in name order), each as its path below the source, type,
 * permission bits, owner, and content digest, link target or device numbers.
 */
export async function digestSources(context: BuildContext, sources: readonly CopySource[], cache: FileDigestCache): Promise<Digest> {
  const hash = createHash("sha256");
  hash.update("berth.copy-sources.v1\n");
  for (const source of sources) {
    hash.update(`${JSON.stringify(["source", source.path])}\n`);
    const base = source.entry.rel;
    let batch: Promise<readonly (string | number)[]>[] = [];
    const flush = async () => {
      for (const line of await Promise.all(batch)) hash.update(`${JSON.stringify(line)}\n`);
      batch = [];
    };
    for await (const entry of context.walk(source.entry)) {
      const below = entry.rel === base ? "" : entry.rel.slice(base === "" ? 0 : base.length + 1);
      const line = describe(entry, below, cache);
      // Awaited by flush(); until then a failure must not count as unhandled if the walk fails first.
      line.catch(() => undefined);
      batch.push(line);
      if (batch.length >= PARALLEL) await flush();
    }
    await flush();
  }
  return `sha256:${hash.digest("hex")}`;
}

async function describe(entry: ContextEntry, below: string, cache: FileDigestCache): Promise<readonly (string | number)[]> {
  const st = entry.stat;
  const owner = [Number(st.uid), Number(st.gid)];
  const mode = Number(st.mode & 0o7777n);
  if (st.isFile()) return [below, "file", mode, ...owner, await cache.digest(entry)];
  if (st.isDirectory()) return [below, "dir", mode, ...owner];
  if (st.isSymbolicLink()) return [below, "symlink", mode, ...owner, await fs.promises.readlink(entry.host)];
  const kind = st.isCharacterDevice() ? "char" : st.isBlockDevice() ? "block" : st.isFIFO() ? "fifo" : "socket";
  return [below, kind, mode, ...owner, Number(st.rdev)];
}
