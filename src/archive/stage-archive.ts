// Reads an image archive (docker save output or an OCI layout tar) whose members are needed in
// any order: each regular file is written to a work dir and hashed on the way, and only the
// archive's own paths can reach them (symlinks resolve within the archive, never on disk).
import * as fs from "node:fs";
import { posix } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import tarStream from "tar-stream";
import { HashingStream, type Digest } from "../image/digest.js";
import { InvalidLayerError, cleanName } from "./extract.js";

export interface ArchiveFile {
  readonly path: string;
  readonly digest: Digest;
  readonly size: number;
  /** The first bytes, to tell compression without reading the file again. */
  readonly head: Buffer;
}

export class StagedArchive {
  constructor(
    private readonly files: ReadonlyMap<string, ArchiveFile>,
    private readonly links: ReadonlyMap<string, string>,
  ) {}

  /** The member at `name`, following the archive's own symlinks (docker save links shared layers). */
  get(name: string): ArchiveFile | undefined {
    let at = cleanName(name);
    for (let hops = 0; hops < 16; hops++) {
      const file = this.files.get(at);
      if (file) return file;
      const target = this.links.get(at);
      if (target === undefined) return undefined;
      at = cleanName(target.startsWith("/") ? target : posix.join(posix.dirname(at), target));
    }
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  read(name: string, cap = 16 << 20): Buffer | undefined {
    const file = this.get(name);
    if (!file) return undefined;
    if (file.size > cap) throw new InvalidLayerError(`invalid archive: ${name} is larger than ${cap} bytes`);
    return fs.readFileSync(file.path);
  }
}

type Entry = Readable & { header: tarStream.Header };

export async function stageArchive(source: Readable, dir: string, opts: { signal?: AbortSignal } = {}): Promise<StagedArchive> {
  const files = new Map<string, ArchiveFile>();
  const links = new Map<string, string>();
  const extract = tarStream.extract();
  const failure = new Promise<never>((_, reject) => {
    extract.on("error", reject);
    source.on("error", reject);
  });
  failure.catch(() => undefined);
  source.pipe(extract);
  let n = 0;
  try {
    const iterator = (extract as unknown as AsyncIterable<Entry>)[Symbol.asyncIterator]();
    for (;;) {
      opts.signal?.throwIfAborted();
      const next = await Promise.race([iterator.next(), failure]);
      if (next.done) break;
      const entry = next.value;
      entry.on("error", () => undefined);
      const name = cleanName(entry.header.name);
      if (entry.header.type === "file" || entry.header.type === "contiguous-file") {
        if (files.has(name) || links.has(name)) throw new InvalidLayerError(`invalid archive: duplicate entry ${JSON.stringify(entry.header.name)}`);
        const path = `${dir}/member-${n++}`;
        const hashing = new HashingStream();
        let head = Buffer.alloc(0);
        hashing.on("data", (chunk: Buffer) => {
          if (head.length < 8) head = Buffer.concat([head, chunk.subarray(0, 8 - head.length)]);
        });
        await pipeline(entry, hashing, fs.createWriteStream(path, { flags: "wx", mode: 0o400 }));
        files.set(name, { path, digest: hashing.digest(), size: hashing.size, head });
      } else {
        if (entry.header.type === "symlink") links.set(name, entry.header.linkname ?? "");
        entry.resume();
        await new Promise<void>((resolve, reject) => {
          entry.once("end", resolve);
          entry.once("error", reject);
        });
      }
    }
  } catch (err) {
    source.unpipe(extract);
    extract.destroy();
    source.destroy();
    if (err instanceof InvalidLayerError || (err as NodeJS.ErrnoException).code?.startsWith("E")) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new InvalidLayerError(`invalid archive: ${message}`, { cause: err });
  }
  return new StagedArchive(files, links);
}
