// ADD's archive rule: a local file that is a tar, plain or compressed with gzip, bzip2 or xz, is
// extracted; what makes it one is its content, never its name (BUILD-API §9: a gzip tar named
// notext.bin is extracted, a text file named fake.tar is copied; a zstd tar is copied, as the
// classic builder does). Extraction goes through src/archive's hostile-archive checks: names that
// climb out, links that leave, writes through a symlink are refused.
import * as fs from "node:fs";
import { spawn } from "node:child_process";
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { promisify } from "node:util";
import { extractLayer } from "../../archive/extract.js";
import { detectCompression } from "../../archive/compression.js";
import { isTarHeaderBlock } from "../../archive/tar-reader.js";
import { InvalidArgumentError } from "../../errors.js";
import type { Owner } from "./copy-owner.js";

type ArchiveCompression = "none" | "gzip" | "bzip2" | "xz";

/** The compression of `file` when it holds a tar ADD extracts; undefined when it is copied as is. */
export async function archiveKind(file: string): Promise<ArchiveCompression | undefined> {
  const head = await readHead(fs.createReadStream("", { fd: await openNoFollow(file), end: 5 }), 6);
  const found = detectCompression(head);
  if (found !== "none" && found !== "gzip" && found !== "bzip2" && found !== "xz") return undefined;
  const stream = await decompressed(file, found);
  let block: Buffer;
  try {
    block = await readHead(stream, 512);
  } catch {
    return undefined; // a corrupt stream is a file like any other, as for Docker's DecompressStream + tar.Next
  } finally {
    stream.destroy();
  }
  return isTarHeaderBlock(block) ? found : undefined;
}

/** Extracts the tar in `file` into the directory `dest` (a host path inside the rootfs). */
export async function extractArchive(
  file: string,
  compression: ArchiveCompression,
  dest: string,
  shownAs: string,
  owner: Owner | undefined,
  signal?: AbortSignal,
): Promise<void> {
  const stream = await decompressed(file, compression);
  try {
    await extractLayer(stream, dest, { copy: { at: shownAs, ...(owner ? { owner } : {}) }, ...(signal ? { signal } : {}) });
  } finally {
    stream.destroy();
  }
}

const open = promisify(fs.open);

/** A descriptor the read stream owns (and closes); a symlink put in the file's place is refused. */
function openNoFollow(file: string): Promise<number> {
  return open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
}

/** The uncompressed bytes of `file`; bzip2 and xz through the system's programs (zlib has neither). */
async function decompressed(file: string, compression: ArchiveCompression): Promise<Readable> {
  const source = fs.createReadStream("", { fd: await openNoFollow(file) });
  if (compression === "none") return source;
  if (compression === "gzip") {
    const gunzip = createGunzip();
    pipeline(source, gunzip).catch(() => undefined); // its failure reaches the reader through gunzip
    return gunzip;
  }
  return throughProgram(compression, source);
}

function throughProgram(program: "bzip2" | "xz", source: Readable): Readable {
  const child = spawn(program, ["-d", "-c", "-q"], { stdio: ["pipe", "pipe", "pipe"] });
  const out = new PassThrough();
  const stderr: Buffer[] = [];
  child.stderr.on("data", (c: Buffer) => stderr.push(c));
  child.on("error", (err) =>
    out.destroy(new InvalidArgumentError(`ADD of a ${program}-compressed archive needs the ${program} program: ${err.message}`)),
  );
  pipeline(source, child.stdin).catch(() => undefined); // EPIPE when the reader stops early; the exit status tells the rest
  let ended = false;
  pipeline(child.stdout, out, { end: false }).then(
    () => {
      ended = true;
      finish();
    },
    (err: Error) => out.destroy(err),
  );
  let code: number | null | undefined;
  const finish = () => {
    if (!ended || code === undefined) return;
    if (code === 0) out.end();
    else out.destroy(new InvalidArgumentError(`${program}: ${Buffer.concat(stderr).toString("utf8").trim() || `exit status ${code}`}`));
  };
  child.on("close", (c) => {
    code = c;
    finish();
  });
  out.on("close", () => {
    if (code === undefined) child.kill("SIGKILL");
    source.destroy();
  });
  return out;
}

/** The first `n` bytes (fewer when the stream is shorter). */
async function readHead(stream: Readable, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= n) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks, size).subarray(0, n);
}
