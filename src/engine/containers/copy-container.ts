// `cp` between a container and a tar stream. Paths are resolved inside the container's root with
// chroot semantics, through its volumes and binds, while the container is paused (CVE-2018-15664):
// no symlink in the container can make berth read or write outside it.
import * as fs from "node:fs";
import { posix } from "node:path";
import type { Readable } from "node:stream";
import type { Engine } from "../engine.js";
import { borrowRootfs } from "./container-rootfs.js";
import { containerRuntime } from "./container-runtime.js";
import { planCopy } from "./copy-plan.js";
import { assertWritable, containerView, mountsBelow, resolveInContainer, type ContainerView, type ResolvedPath } from "./container-view.js";
import { packPath } from "../../archive/pack.js";
import { extractLayer } from "../../archive/extract.js";
import { NotFoundError, SystemError, wrapError } from "../../errors.js";
import type { ContainerRecord } from "../../store/container-store.js";

interface Session {
  record: ContainerRecord;
  view: ContainerView;
  end(): Promise<void>;
}

/** Mounts a stopped container's rootfs, or pauses a running one, for the length of a copy. */
async function openSession(engine: Engine, idOrName: string): Promise<Session> {
  const borrowed = await borrowRootfs(engine, idOrName);
  const { record } = borrowed;
  const runtime = containerRuntime(engine, record.spec);
  const freeze = record.state.Running && !record.state.Paused;
  try {
    if (freeze) await runtime.pause(record.spec.id);
  } catch (err) {
    borrowed.giveBack();
    throw err;
  }
  let ended = false;
  return {
    record,
    view: containerView(record, borrowed.rootfs),
    end: async () => {
      if (ended) return;
      ended = true;
      try {
        if (freeze) await runtime.resume(record.spec.id);
      } finally {
        borrowed.giveBack();
      }
    },
  };
}

function lstatOrUndefined(path: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(path);
  } catch {
    return undefined;
  }
}

/** Absolute and clean, keeping what the kernel reads from the end: a trailing "/" or "/.". */
function containerPath(path: string): string {
  const clean = posix.normalize(posix.isAbsolute(path) ? path : `/${path}`);
  return clean.length > 1 && /\/\.?$/.test(path) && !clean.endsWith("/") ? `${clean}/` : clean;
}

/**
 * Stats a container path as dockerd does for cp: symlinks followed inside the container and its
 * mounts; a final one too when `follow` or when the path ends in "/" (then it must be a
 * directory).
 */
function statPath(session: Session, path: string, follow: boolean): { resolved: ResolvedPath; st: fs.Stats | undefined } {
  const mustBeDir = path.length > 1 && path.endsWith("/");
  const resolved = resolveInContainer(session.view, path, follow || mustBeDir);
  const st = lstatOrUndefined(resolved.host);
  if (st && mustBeDir && !st.isDirectory()) throw new SystemError(`lstat ${resolved.path}/: not a directory`);
  return { resolved, st };
}

export interface CopySourceInfo {
  isDir: boolean;
  contents: boolean;
  basename: string;
}

/**
 * The tar docker cp makes of CONTAINER:SRC. `name` picks the top entry's name once the source is
 * known (SRC's own name for `-` and for a directory destination; "" for contents).
 */
export async function copyFromContainer(
  engine: Engine,
  idOrName: string,
  src: string,
  opts: { follow?: boolean; name?: (info: CopySourceInfo) => string } = {},
): Promise<CopySourceInfo & { stream: Readable; finished(): Promise<void> }> {
  const session = await openSession(engine, idOrName);
  try {
    const contents = /\/\.$/.test(src);
    const { resolved, st } = statPath(session, containerPath(contents ? src.slice(0, -1) : src), Boolean(opts.follow));
    if (!st) throw new NotFoundError(`Could not find the file ${src} in container ${idOrName}`);
    const basename = posix.basename(posix.normalize(src.replace(/\/\.$/, ""))) || "/";
    const info = { isDir: st.isDirectory(), contents, basename };
    const mounts = info.isDir ? mountsBelow(session.view, resolved.path) : [];
    const stream = packPath(resolved.host, opts.name ? opts.name(info) : contents ? "" : basename, { capabilities: false, mounts });
    // The caller reads the stream, then calls finished() to unpause or unmount.
    return { ...info, stream, finished: () => session.end() };
  } catch (err) {
    await session.end();
    throw err;
  }
}

/**
 * `berth cp SRC CONTAINER:DEST`: docker's client rules place the copy (planCopy, whose refusals
 * are CopyPlanErrors), then dockerd's rules extract it.
 */
export async function copyIntoContainer(
  engine: Engine,
  idOrName: string,
  dest: string,
  source: CopySourceInfo & { open(name: string): Readable },
  opts: { archive?: boolean } = {},
): Promise<void> {
  const session = await openSession(engine, idOrName);
  try {
    let path = containerPath(dest);
    let st: fs.Stats | undefined;
    try {
      // Through a symlink at DEST to what it names, as docker's client follows it.
      const found = statPath(session, path, true);
      st = found.st;
      path = path.endsWith("/") && found.resolved.path !== "/" ? `${found.resolved.path}/` : found.resolved.path;
    } catch (err) {
      if (!(err instanceof SystemError)) throw err; // "X/" where X is a file: docker's client sees nothing there
    }
    const target = planCopy(source, { path, exists: Boolean(st), isDir: Boolean(st?.isDirectory()) });
    await extractInSession(session, idOrName, target.dir, () => source.open(target.name), opts);
  } finally {
    await session.end();
  }
}

/**
 * dockerd's PUT /containers/{id}/archive: unpacks a tar into directory DIR of the container,
 * through its mounts. The rules for writing into a container live here, for the CLI and the API
 * alike: DIR must exist and be a directory, must not be on a read-only rootfs or in a read-only
 * volume or bind, and no entry may land in a read-only mount below it.
 */
export async function extractIntoContainer(
  engine: Engine,
  idOrName: string,
  dir: string,
  tar: () => Readable,
  opts: { archive?: boolean } = {},
): Promise<void> {
  const session = await openSession(engine, idOrName);
  try {
    await extractInSession(session, idOrName, dir, tar, opts);
  } finally {
    await session.end();
  }
}

async function extractInSession(
  session: Session,
  idOrName: string,
  dir: string,
  tar: () => Readable,
  opts: { archive?: boolean },
): Promise<void> {
  const resolved = resolveInContainer(session.view, containerPath(dir), true);
  const st = lstatOrUndefined(resolved.host);
  if (!st) throw new NotFoundError(`Could not find the file ${dir} in container ${idOrName}`);
  if (!st.isDirectory()) throw new SystemError("extraction point is not a directory");
  assertWritable(session.view, resolved.path);
  const copy = {
    at: resolved.path,
    mounts: mountsBelow(session.view, resolved.path),
    ...(opts.archive ? {} : { owner: { uid: 0, gid: 0 } }),
  };
  try {
    await extractLayer(tar(), resolved.host, { copy });
  } catch (err) {
    // dockerd unpacks in a chrooted child and reports its failure so.
    throw wrapError("Error processing tar file(exit status 1)", err);
  }
}

export interface PathStat {
  name: string;
  size: number;
  /** st_mode: type and permission bits as the kernel gives them. */
  mode: number;
  mtime: Date;
  /** The target of a symlink (as stored in it), else "". */
  linkTarget: string;
}

/**
 * What HEAD/GET archive report of CONTAINER:PATH (resolved inside the container, never followed
 * out of it). `follow`: stat what a final symlink points to. A path ending in "/" names what a
 * final symlink points to, and that must be a directory.
 */
export async function statInContainer(engine: Engine, idOrName: string, path: string, opts: { follow?: boolean } = {}): Promise<PathStat> {
  const session = await openSession(engine, idOrName);
  try {
    const { resolved, st } = statPath(session, containerPath(path), Boolean(opts.follow));
    if (!st) throw new NotFoundError(`Could not find the file ${path} in container ${idOrName}`);
    return {
      name: posix.basename(posix.normalize(path)) || "/",
      size: st.size,
      mode: st.mode,
      mtime: st.mtime,
      linkTarget: st.isSymbolicLink() ? fs.readlinkSync(resolved.host) : "",
    };
  } finally {
    await session.end();
  }
}
