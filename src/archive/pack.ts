// Packs a directory tree into a tar stream, in filepath.Walk order as Docker does. In "overlay"
// mode the tree is an overlay upper dir and its whiteouts become OCI ones (.wh.NAME, .wh..wh..opq).
import * as fs from "node:fs";
import { Readable } from "node:stream";
import { lgetxattr, majorMinor } from "../sys/linux.js";
import { BLOCK, END_OF_ARCHIVE, encodeHeader, paddingFor, type TarHeader } from "./tar-header.js";
import { pathBoundsProblem } from "./path-bounds.js";
import { InvalidArgumentError } from "../errors.js";

export interface PackOptions {
  /** "overlay": translate overlay whiteouts and opaque dirs to OCI ones. */
  whiteouts?: "overlay" | "none";
  /** Relative paths (no leading slash) left out with everything under them. */
  exclude?: (relPath: string) => boolean;
  /** Read security.capability (Docker keeps only that xattr in layers). Default true. */
  capabilities?: boolean;
  signal?: AbortSignal;
}

const SMALL_FILE = 1 << 20;
const CHUNK = 1 << 20;

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

async function* walkTar(root: string, start: { first: string; name: string } | undefined, opts: PackOptions): AsyncGenerator<Buffer> {
  const links = new Map<string, string>();
  const overlay = opts.whiteouts === "overlay";
  const caps = opts.capabilities ?? true;
  let batch: Buffer[] = [];
  let batched = 0;

  // Small entries are gathered into ~1 MiB chunks so that 100,000 files are not 100,000 stream writes.
  function* flush(): Generator<Buffer> {
    if (batch.length) yield batch.length === 1 ? batch[0]! : Buffer.concat(batch, batched);
    batch = [];
    batched = 0;
  }
  function* emit(buf: Buffer): Generator<Buffer> {
    batch.push(buf);
    batched += buf.length;
    if (batched >= CHUNK) yield* flush();
  }

  const stack: string[] = [];
  if (start) stack.push(start.first);
  else pushChildren(stack, root, "");
  // With a start, entries are named after it: "<first>/x" becomes "<name>/x" (or "x" for contents).
  const nameOf = (rel: string): string => {
    if (!start) return rel;
    const rest = rel.slice(start.first.length);
    return start.name ? start.name + rest : rest.replace(/^\//, "");
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
    const abs = `${root}/${rel}`;
    const st = fs.lstatSync(abs);
    const header: TarHeader = {
      name, type: "file", mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: 0, mtime: Math.floor(st.mtimeMs / 1000),
    };
    if (st.isDirectory()) {
      header.type = "directory";
      header.name = name + "/";
      if (name !== "") yield* emit(encodeHeader(header));
      if (overlay && lgetxattr(abs, "trusted.overlay.opaque")?.toString() === "y") {
        yield* emit(encodeHeader({ ...header, name: `${name}/.wh..wh..opq`, type: "file", mode: header.mode & 0o777 }));
      }
      pushChildren(stack, abs, rel + "/");
      continue;
    }
    if (st.isCharacterDevice() && overlay && st.rdev === 0) {
      const slash = name.lastIndexOf("/");
      yield* emit(encodeHeader({ ...header, name: `${name.slice(0, slash + 1)}.wh.${name.slice(slash + 1)}`, type: "file", mode: 0o600 }));
      continue;
    }
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? links.get(key) : undefined;
    if (first !== undefined) {
      yield* emit(encodeHeader({ ...header, type: "hardlink", linkname: first }));
      continue;
    }
    if (st.nlink > 1) links.set(key, name);
    if (st.isSymbolicLink()) {
      yield* emit(encodeHeader({ ...header, type: "symlink", linkname: fs.readlinkSync(abs) }));
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      const { major, minor } = majorMinor(st.rdev);
      yield* emit(encodeHeader({ ...header, type: st.isCharacterDevice() ? "char" : "block", devmajor: major, devminor: minor }));
    } else if (st.isFIFO()) {
      yield* emit(encodeHeader({ ...header, type: "fifo" }));
    } else if (st.isFile()) {
      const cap = caps ? lgetxattr(abs, "security.capability") : undefined;
      if (cap) header.xattrs = new Map([["security.capability", cap]]);
      header.size = st.size;
      yield* emit(encodeHeader(header));
      yield* packFileBody(abs, st.size, emit, flush);
    }
    // Sockets are skipped, as Docker's archive package does.
  }
  yield* flush();
  yield END_OF_ARCHIVE;
}

function* packFileBody(
  abs: string,
  size: number,
  emit: (b: Buffer) => Generator<Buffer>,
  flush: () => Generator<Buffer>,
): Generator<Buffer> {
  const fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    if (size <= SMALL_FILE) {
      const body = Buffer.allocUnsafe(size + ((BLOCK - (size % BLOCK)) % BLOCK));
      readExactly(fd, body, size, 0, abs);
      body.fill(0, size);
      yield* emit(body);
      return;
    }
    yield* flush();
    for (let pos = 0; pos < size; ) {
      const n = Math.min(CHUNK, size - pos);
      const chunk = Buffer.allocUnsafe(n);
      readExactly(fd, chunk, n, pos, abs);
      pos += n;
      yield chunk;
    }
    const pad = paddingFor(size);
    if (pad.length) yield* emit(pad);
  } finally {
    fs.closeSync(fd);
  }
}

function readExactly(fd: number, buf: Buffer, length: number, position: number, path: string): void {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw new Error(`${path}: file shrank while it was being archived`);
    done += n;
  }
}

/** Children go on the stack in reverse byte order so that they pop in byte order (Go's sort). */
function pushChildren(stack: string[], absDir: string, relPrefix: string): void {
  const names = fs.readdirSync(absDir);
  names.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  for (const name of names) stack.push(relPrefix + name);
}
