// Where a build's context and Dockerfile come from: a directory on the host (with the Dockerfile
// in it, beside it, or from stdin), or a tar stream staged under berth's root. Both end as a
// BuildContext plus the Dockerfile's bytes and the ignore rules that apply, found by the docker
// CLI's and BuildKit's rules (BUILD-API §1.3, §8).
import * as fs from "node:fs";
import { posix, resolve as resolvePath } from "node:path";
import { Readable } from "node:stream";
import { InvalidArgumentError, NotFoundError } from "../../errors.js";
import { BuildContext } from "./build-context.js";
import { DOCKERIGNORE, IgnoreMatcher, parseDockerignore } from "./dockerignore.js";
import { stageTarContext } from "./stage-tar.js";
import { detectCompression } from "../../archive/compression.js";
import { isTarHeaderBlock } from "../../archive/tar-reader.js";

/** What a build reads before its first step. */
export interface OpenedContext {
  readonly context: BuildContext;
  /** The Dockerfile's bytes, read whatever the ignore rules say of it. */
  readonly dockerfile: Buffer;
  /** How messages name the Dockerfile ("Dockerfile", "build/app.Dockerfile", "-"). */
  readonly dockerfileName: string;
  /** The ignore file that was applied, for messages; undefined when there was none. */
  readonly ignoreFile?: string;
}

/** The largest Dockerfile read: a build definition is text, not data. */
const MAX_DOCKERFILE = 16 << 20;
const DEFAULT_DOCKERFILE = "Dockerfile";

export interface DirectoryContextOptions {
  /**
   * `-f`: a path relative to `cwd` (the docker CLI's rule, not the context's), or undefined for
   * "Dockerfile" in the context (or "dockerfile", when only that exists).
   */
  readonly dockerfile?: string;
  /** `-f -`: the Dockerfile's text, read from stdin by the caller. */
  readonly dockerfileText?: Buffer;
  readonly cwd?: string;
}

/**
 * A directory on the host as a build context. Its ignore file is "<Dockerfile>.dockerignore"
 * beside the Dockerfile when there is one (BuildKit), else the context's ".dockerignore"; with the
 * Dockerfile from stdin, only the latter.
 */
export async function openDirectoryContext(dir: string, opts: DirectoryContextOptions = {}): Promise<OpenedContext> {
  const cwd = opts.cwd ?? process.cwd();
  const given = resolvePath(cwd, dir);
  let root: string;
  try {
    root = await fs.promises.realpath(given);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new NotFoundError(`unable to prepare context: path ${JSON.stringify(dir)} not found`);
    throw err;
  }
  if (!(await fs.promises.stat(root)).isDirectory())
    throw new InvalidArgumentError(`unable to prepare context: context must be a directory: ${given}`);

  let dockerfile: Buffer;
  let dockerfileName: string;
  let dockerfileAbs: string | undefined;
  if (opts.dockerfileText !== undefined) {
    dockerfile = opts.dockerfileText;
    dockerfileName = "-";
  } else {
    dockerfileAbs = await locateDockerfile(root, opts.dockerfile === undefined ? undefined : resolvePath(cwd, opts.dockerfile));
    dockerfile = await readBounded(dockerfileAbs);
    const rel = posix.relative(root, dockerfileAbs);
    dockerfileName = rel.startsWith("../") ? dockerfileAbs : rel;
  }

  const candidates = [...(dockerfileAbs ? [`${dockerfileAbs}${DOCKERIGNORE}`] : []), `${root}/${DOCKERIGNORE}`];
  const found = await firstReadable(candidates);
  const ignore = found ? new IgnoreMatcher(parseDockerignore(found.text, posix.basename(found.path))) : IgnoreMatcher.none();
  const context = new BuildContext(root, { ignore, scope: "all" });
  return { context, dockerfile, dockerfileName, ...(found ? { ignoreFile: found.path } : {}) };
}

/**
 * The Dockerfile as the docker CLI finds it: symlinks in its path evaluated (the user named it),
 * "dockerfile" accepted for a missing default "Dockerfile", and its words when it is missing.
 */
async function locateDockerfile(root: string, given: string | undefined): Promise<string> {
  let path = given ?? `${root}/${DEFAULT_DOCKERFILE}`;
  if (given === undefined && !(await exists(path)) && (await exists(`${root}/dockerfile`))) path = `${root}/dockerfile`;
  try {
    path = await fs.promises.realpath(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR")
      throw new NotFoundError(
        `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${path}: no such file or directory`,
      );
    throw err;
  }
  if ((await fs.promises.stat(path)).isDirectory())
    throw new InvalidArgumentError(`unable to prepare context: unable to read Dockerfile: read ${path}: is a directory`);
  return path;
}

export interface TarContextOptions {
  /** A private, empty-or-absent directory under berth's root (its tmp/): the archive lands there. */
  readonly workDir: string;
  /** The Dockerfile's path inside the archive (POST /build's `dockerfile=`); "Dockerfile" by default. */
  readonly dockerfile?: string;
  /** A Dockerfile given apart from the archive (the caller read it from elsewhere). */
  readonly dockerfileText?: Buffer;
  /**
   * `berth build -`: the stream may be a bare Dockerfile instead of an archive, told apart as the
   * docker CLI does (neither compressed nor starting with a tar header); the context is then empty.
   */
  readonly bareDockerfile?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * A tar stream (plain or compressed) as a build context: staged in `workDir`, which close()
 * removes. The ignore rules are dockerd's for a context its client sent: only the Dockerfile and
 * .dockerignore are taken out, when .dockerignore lists them (BUILD-API §8). The Dockerfile is
 * looked up inside the archive with the context's own chroot rules, so a symlink cannot make the
 * build read a host file as its Dockerfile.
 */
export async function openTarContext(source: Readable, opts: TarContextOptions): Promise<OpenedContext> {
  await fs.promises.mkdir(opts.workDir, { recursive: true, mode: 0o700 });
  const root = await fs.promises.realpath(opts.workDir);
  if ((await fs.promises.readdir(root)).length > 0)
    throw new InvalidArgumentError(`the work directory for a tar context must be empty: ${root}`);
  try {
    let tar = source;
    if (opts.bareDockerfile) {
      const { head, ended } = await peek(source, 512);
      // A stream that ended while peeked cannot take its bytes back: they go on from a new one.
      if (ended) tar = Readable.from([head]);
      if (detectCompression(head) === "none" && !isTarHeaderBlock(head)) {
        const dockerfile = ended ? head : await readStreamBounded(source);
        const context = new BuildContext(root, { ignore: IgnoreMatcher.none(), scope: "build-files", owned: root });
        return { context, dockerfile, dockerfileName: DEFAULT_DOCKERFILE };
      }
    }
    await stageTarContext(tar, root, opts.signal ? { signal: opts.signal } : {});
    const name = opts.dockerfile ?? DEFAULT_DOCKERFILE;
    const bare = new BuildContext(root, { ignore: IgnoreMatcher.none(), scope: "build-files" });
    let dockerfile: Buffer;
    let dockerfileRel: string | undefined;
    if (opts.dockerfileText !== undefined) dockerfile = opts.dockerfileText;
    else {
      let found = await bare.resolve(name);
      if (!found && opts.dockerfile === undefined) found = await bare.resolve("dockerfile");
      if (!found || !found.stat.isFile()) throw new NotFoundError(`Cannot locate specified Dockerfile: ${name}`);
      dockerfile = await readBounded(found.host);
      dockerfileRel = found.rel;
    }
    const ignoreEntry = await bare.resolve(DOCKERIGNORE);
    const ignore =
      ignoreEntry?.stat.isFile() === true
        ? new IgnoreMatcher(parseDockerignore(await readBounded(ignoreEntry.host)))
        : IgnoreMatcher.none();
    const context = new BuildContext(root, {
      ignore,
      scope: "build-files",
      ...(dockerfileRel !== undefined ? { dockerfileRel } : {}),
      owned: root,
    });
    return { context, dockerfile, dockerfileName: opts.dockerfileText !== undefined ? "-" : name };
  } catch (err) {
    await fs.promises.rm(root, { recursive: true, force: true });
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.promises.lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function firstReadable(paths: readonly string[]): Promise<{ path: string; text: Buffer } | undefined> {
  for (const path of paths) {
    try {
      return { path, text: await readBounded(path) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw err;
    }
  }
  return undefined;
}

async function readBounded(path: string): Promise<Buffer> {
  const handle = await fs.promises.open(path, "r");
  try {
    const st = await handle.stat();
    if (st.size > MAX_DOCKERFILE) throw new InvalidArgumentError(`${path} is larger than ${MAX_DOCKERFILE} bytes`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Up to `n` bytes from the start of `source`, put back so that the next reader sees them again. */
async function peek(source: Readable, n: number): Promise<{ head: Buffer; ended: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  while (size < n) {
    const chunk = source.read() as Buffer | null;
    if (chunk !== null) {
      chunks.push(chunk);
      size += chunk.length;
      continue;
    }
    if (source.readableEnded || source.destroyed) return { head: Buffer.concat(chunks, size), ended: true };
    await new Promise<void>((resolve, reject) => {
      const settle = (err?: Error) => {
        source.off("readable", settle);
        source.off("end", settle);
        source.off("error", settle);
        if (err) reject(err);
        else resolve();
      };
      source.on("readable", settle);
      source.on("end", settle);
      source.on("error", settle);
    });
  }
  const head = Buffer.concat(chunks, size);
  source.unshift(head);
  return { head, ended: false };
}

async function readStreamBounded(source: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_DOCKERFILE) throw new InvalidArgumentError(`the Dockerfile from stdin is larger than ${MAX_DOCKERFILE} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
