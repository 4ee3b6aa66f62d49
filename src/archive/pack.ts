// Packs a directory tree into a tar stream, in filepath.Walk order as Docker does. In "overlay"
// mode the tree is an overlay upper dir and its whiteouts become OCI ones (.wh.NAME, .wh..wh..opq).
import * as fs from "node:fs";
import { Readable } from "node:stream";
import { lgetxattr, majorMinor } from "../sys/linux.js";
import { InvalidArgumentError, SystemError } from "../errors.js";
import { BLOCK, END_OF_ARCHIVE, encodeHeader, type TarHeader } from "./tar-header.js";
import { pathBoundsProblem } from "./path-bounds.js";

export interface PackOptions {
  /** "overlay": translate overlay whiteouts and opaque dirs to OCI ones. */
  whiteouts?: "overlay" | "none";
  /** Relative paths (no leading slash) left out with everything under them. */
  exclude?: (relPath: string) => boolean;
  /** Read security.capability (Docker keeps only that xattr in layers). Default true. */
  capabilities?: boolean;
  /**
   * packPath: directories mounted below the packed path (a container's volumes and binds, which
   * the host does not see there), named relative to it; what is under one is read from `host`.
   */
  mounts?: readonly { name: string; host: string }[];
  signal?: AbortSignal;
}

/**
 * An overlay tree holds a file whose name starts with ".wh.": a layer has no way to carry it (OCI
 * has no escape for such names), every engine would read it as a deletion.
 */
export class WhiteoutNameError extends InvalidArgumentError {
  constructor(readonly path: string) {
    super(
      `${JSON.stringify(path)} has a whiteout name (.wh. prefix): in an image layer it would ${whiteoutMeaning(path)} instead of holding this file; rename or remove it first`,
    );
  }
}

function whiteoutMeaning(path: string): string {
  const slash = path.lastIndexOf("/");
  const dir = path.slice(0, slash);
  const base = path.slice(slash + 1);
  if (base === ".wh..wh..opq") return `hide everything the layers below hold in ${JSON.stringify(dir || "/")}`;
  if (base.startsWith(".wh..wh.")) return "be dropped as aufs metadata";
  return `delete ${JSON.stringify(`${dir}/${base.slice(".wh.".length)}`)}`;
}

const SMALL_FILE = 1 << 20;
/** The largest piece of a file read at once; a scratch buffer for walkEntries holds one. */
export const CHUNK = 1 << 20;

/** The tar as a stream; it ends with the end-of-archive marker. */
export function packTree(root: string, opts: PackOptions = {}): Readable {
  return Readable.from(walkTar(root, undefined, opts), { objectMode: false, highWaterMark: 4 << 20 });
}

/**
 * One file or directory as a tar whose top entry is named `name` (docker cp's archives). An
 * empty name packs a directory's contents (the "SRC/." form).
 */
export function packPath(path: string, name: string, opts: PackOptions = {}): Readable {
  const slash = path.lastIndexOf("/");
  const base = slash <= 0 ? "/" : path.slice(0, slash);
  const first = path.slice(slash + 1);
  return Readable.from(walkTar(base === "/" ? "" : base, { first, name }, opts), { objectMode: false, highWaterMark: 4 << 20 });
}

/**
 * One entry of a packed tree: its tar header and, for a regular file, its bytes (without the tar's
 * padding), read from the file once as the body is iterated. A consumer iterates each body before
 * it asks for the next entry; the tar is these headers and bodies, each body padded to a block.
 */
export interface PackEntry {
  header: TarHeader;
  body: Iterable<Buffer>;
}

const NO_BODY: readonly Buffer[] = [];
const ZERO_BLOCK = Buffer.alloc(BLOCK);

/** The tar of `entries`, piece by piece: what packTree streams, and what a layer's diff ID hashes. */
export function* tarOf(entries: Iterable<PackEntry>): Generator<Buffer> {
  for (const entry of entries) {
    yield encodeHeader(entry.header);
    yield* entry.body;
    const pad = paddingOf(entry.header);
    if (pad) yield pad;
  }
  yield END_OF_ARCHIVE;
}

/** The zeros that fill an entry's body up to a whole block, if any. */
export function paddingOf(header: TarHeader): Buffer | undefined {
  const rest = header.size % BLOCK;
  return header.type === "file" && rest ? ZERO_BLOCK.subarray(0, BLOCK - rest) : undefined;
}

async function* walkTar(root: string, start: { first: string; name: string } | undefined, opts: PackOptions): AsyncGenerator<Buffer> {
  let batch: Buffer[] = [];
  let batched = 0;
  // Small pieces are gathered into ~1 MiB chunks so that 100,000 files are not 100,000 stream writes.
  function* flush(): Generator<Buffer> {
    if (batch.length) yield batch.length === 1 ? batch[0]! : Buffer.concat(batch, batched);
    batch = [];
    batched = 0;
  }
  for (const piece of tarOf(walkEntries(root, start, opts))) {
    if (piece.length >= CHUNK) {
      yield* flush();
      yield piece;
      continue;
    }
    batch.push(piece);
    batched += piece.length;
    if (batched >= CHUNK) yield* flush();
  }
  yield* flush();
}

/**
 * The entries of the tree at `root` in filepath.Walk order (or, with `start`, of one path below it),
 * as packTree writes them; overlay whiteouts and opaque directories become OCI ones when asked.
 */
export function* walkEntries(
  root: string,
  start: { first: string; name: string } | undefined,
  opts: PackOptions,
  /**
   * At least CHUNK bytes that every body is read into, each chunk valid only until the next one is
   * asked for: a consumer that copies or writes each chunk at once keeps no garbage behind, however
   * large the tree (a 1 GiB layer would otherwise leave its chunks for the GC to find).
   */
  scratch?: Buffer,
): Generator<PackEntry> {
  const links = new Map<string, string>();
  const overlay = opts.whiteouts === "overlay";
  const caps = opts.capabilities ?? true;
  const bare = (header: TarHeader): PackEntry => ({ header, body: NO_BODY });

  const stack: string[] = [];
  if (start) stack.push(start.first);
  else pushChildren(stack, root, "");
  // The root has no entry of its own, but a layer whose root is opaque hides all the layers below.
  if (!start && overlay && lgetxattr(root, "trusted.overlay.opaque")?.toString() === "y") {
    const st = fs.lstatSync(root);
    yield bare(
      opaqueMarker(
        { name: "", type: "directory", mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: 0, mtime: Math.floor(st.mtimeMs / 1000) },
        "",
      ),
    );
  }
  // With a start, entries are named after it: "<first>/x" becomes "<name>/x" (or "x" for contents).
  const nameOf = (rel: string): string => {
    if (!start) return rel;
    const rest = rel.slice(start.first.length);
    return start.name ? start.name + rest : rest.replace(/^\//, "");
  };
  // Innermost first: the first mount holding a path is the one it is read from.
  const mounts = start ? [...(opts.mounts ?? [])].sort((a, b) => b.name.length - a.name.length) : [];
  const hostOf = (rel: string): string => {
    const inside = start ? rel.slice(start.first.length).replace(/^\//, "") : rel;
    const mount = mounts.find((m) => inside === m.name || inside.startsWith(`${m.name}/`));
    return mount ? mount.host + inside.slice(mount.name.length) : `${root}/${rel}`;
  };
  while (stack.length) {
    opts.signal?.throwIfAborted();
    const rel = stack.pop()!;
    if (opts.exclude?.(rel)) continue;
    const name = nameOf(rel);
    // Before the path is used: a tree deeper than a layer may hold is refused by what it is, not
    // by the ENAMETOOLONG its deepest paths would give.
    const tooBig = pathBoundsProblem(name);
    if (tooBig) throw new InvalidArgumentError(`cannot archive ${tooBig}`);
    const abs = hostOf(rel);
    const st = fs.lstatSync(abs);
    if (overlay && posixBase(rel).startsWith(".wh.")) throw new WhiteoutNameError(`/${rel}`);
    const header: TarHeader = {
      name,
      type: "file",
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      size: 0,
      mtime: Math.floor(st.mtimeMs / 1000),
    };
    if (st.isDirectory()) {
      header.type = "directory";
      header.name = name + "/";
      if (name !== "") yield bare(header);
      if (overlay && lgetxattr(abs, "trusted.overlay.opaque")?.toString() === "y") {
        yield bare(opaqueMarker(header, `${name}/`));
      }
      pushChildren(stack, abs, rel + "/");
      continue;
    }
    if (st.isCharacterDevice() && overlay && st.rdev === 0) {
      const slash = name.lastIndexOf("/");
      yield bare({ ...header, name: `${name.slice(0, slash + 1)}.wh.${name.slice(slash + 1)}`, type: "file", mode: 0o600 });
      continue;
    }
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? links.get(key) : undefined;
    if (first !== undefined) {
      yield bare({ ...header, type: "hardlink", linkname: first });
      continue;
    }
    if (st.nlink > 1) links.set(key, name);
    if (st.isSymbolicLink()) {
      yield bare({ ...header, type: "symlink", linkname: fs.readlinkSync(abs) });
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      const { major, minor } = majorMinor(st.rdev);
      yield bare({ ...header, type: st.isCharacterDevice() ? "char" : "block", devmajor: major, devminor: minor });
    } else if (st.isFIFO()) {
      yield bare({ ...header, type: "fifo" });
    } else if (st.isFile()) {
      const cap = caps ? lgetxattr(abs, "security.capability") : undefined;
      if (cap) header.xattrs = new Map([["security.capability", cap]]);
      header.size = st.size;
      yield { header, body: fileBody(abs, st.size, scratch) };
    }
    // Sockets are skipped, as Docker's archive package does.
  }
}

/** `.wh..wh..opq` for the directory whose header is `dir`, named under `prefix` ("" or "name/"). */
function opaqueMarker(dir: TarHeader, prefix: string): TarHeader {
  return { ...dir, name: `${prefix}.wh..wh..opq`, type: "file", mode: dir.mode & 0o777 };
}

/** A file's bytes, exactly `size` of them: a small file in one read, a large one in 1 MiB chunks. */
function* fileBody(abs: string, size: number, scratch: Buffer | undefined): Generator<Buffer> {
  if (size === 0) return;
  const fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    for (let pos = 0; pos < size;) {
      const n = Math.min(size <= SMALL_FILE ? size : CHUNK, size - pos);
      const chunk = scratch ? scratch.subarray(0, n) : Buffer.allocUnsafe(n);
      readExactly(fd, chunk, n, pos, abs);
      pos += n;
      yield chunk;
    }
  } finally {
    fs.closeSync(fd);
  }
}

function readExactly(fd: number, buf: Buffer, length: number, position: number, path: string): void {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw new SystemError(`${path}: file shrank while it was being archived`);
    done += n;
  }
}

/** Children go on the stack in reverse byte order so that they pop in byte order (Go's sort). */
function pushChildren(stack: string[], absDir: string, relPrefix: string): void {
  const names = fs.readdirSync(absDir);
  names.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  for (const name of names) stack.push(relPrefix + name);
}

function posixBase(rel: string): string {
  return rel.slice(rel.lastIndexOf("/") + 1);
}
