// Reads an image archive (docker save output or an OCI layout tar) whose members are needed in
// any order: each regular file is written to a work dir and hashed on the way, and only the
// archive's own paths can reach them (symlinks resolve within the archive, never on disk).
import * as fs from "node:fs";
import { posix } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { HashingStream, type Digest } from "../image/digest.js";
import { InvalidLayerError, cleanName } from "./extract.js";
import { readTarEntries, type TarEntryHeader } from "./read-tar.js";
import { errorAt } from "../errors.js";

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

export async function stageArchive(source: Readable, dir: string, opts: { signal?: AbortSignal } = {}): Promise<StagedArchive> {
  const files = new Map<string, ArchiveFile>();
  const links = new Map<string, string>();
  let n = 0;
  const stage = async (header: TarEntryHeader, body: Readable): Promise<void> => {
    const name = cleanName(header.name);
    if (header.type === "file" || header.type === "contiguous-file") {
      if (files.has(name) || links.has(name))
        throw new InvalidLayerError(`invalid archive: duplicate entry ${JSON.stringify(header.name)}`);
      const path = `${dir}/member-${n++}`;
      const hashing = new HashingStream();
      let head = Buffer.alloc(0);
      hashing.on("data", (chunk: Buffer) => {
        if (head.length < 8) head = Buffer.concat([head, chunk.subarray(0, 8 - head.length)]);
      });
      try {
        await pipeline(body, hashing, fs.createWriteStream(path, { flags: "wx", mode: 0o400 }));
      } catch (err) {
        throw errorAt(err, path);
      }
      files.set(name, { path, digest: hashing.digest(), size: hashing.size, head });
      return;
    }
    if (header.type === "symlink") links.set(name, header.linkname ?? "");
    body.resume();
    await new Promise<void>((resolve, reject) => {
      body.once("end", resolve);
      body.once("error", reject);
    });
  };
  try {
    await readTarEntries(source, stage, opts);
  } catch (err) {
    if (err instanceof InvalidLayerError || (err as NodeJS.ErrnoException).code?.startsWith("E")) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new InvalidLayerError(`invalid archive: ${message}`, { cause: err });
  }
  return new StagedArchive(files, links);
}
