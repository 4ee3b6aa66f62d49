// `cp` between a container and a tar stream. Paths are resolved inside the container's root with
// chroot semantics, through its volumes and binds, while the container is paused (CVE-2018-15664):
// no symlink in the container can make berth read or write outside it.
import * as fs from "node:fs";
import { posix } from "node:path";
import type { Readable } from "node:stream";
import type { Engine } from "./engine.js";
import { containerPaths } from "./container-paths.js";
import { borrowRootfs } from "./container-rootfs.js";
import { chooseRuntime } from "./runtime-binary.js";
import { planCopy, CopyPlanError } from "./copy-plan.js";
import { resolveInRoot } from "../runtime/resolve-in-root.js";
import { pauseContainer, resumeContainer } from "../runtime/runc.js";
import { packPath } from "../archive/pack.js";
import { extractLayer } from "../archive/extract.js";
import { InvalidArgumentError, NotFoundError } from "../errors.js";
import type { ContainerRecord } from "../store/container-store.js";

interface Session {
  record: ContainerRecord;
  rootfs: string;
  end(): Promise<void>;
}

/** Mounts a stopped container's rootfs, or pauses a running one, for the length of a copy. */
async function openSession(engine: Engine, idOrName: string): Promise<Session> {
  const borrowed = await borrowRootfs(engine, idOrName);
  const { record } = borrowed;
  let freeze = false;
  let runtimePath = "";
  try {
    const runtime = chooseRuntime(record.spec.hostConfig.Runtime);
    runtimePath = runtime.path;
    freeze = record.state.Running && !record.state.Paused;
    if (freeze) await pauseContainer(runtimePath, containerPaths(engine, record.spec.id).runtimeRoot, record.spec.id);
  } catch (err) {
    borrowed.giveBack();
    throw err;
  }
  let ended = false;
  return {
    record,
    rootfs: borrowed.rootfs,
    end: async () => {
      if (ended) return;
      ended = true;
      try {
        if (freeze) await resumeContainer(runtimePath, containerPaths(engine, record.spec.id).runtimeRoot, record.spec.id);
      } finally {
        borrowed.giveBack();
      }
    },
  };
}

/**
 * A container path on the host: resolved inside the rootfs, or inside the volume or bind whose
 * mount point it falls under (those are not part of the rootfs the host sees).
 */
function hostPath(session: Session, containerPath: string, followLast: boolean): string {
  const clean = posix.normalize(posix.isAbsolute(containerPath) ? containerPath : `/${containerPath}`);
  const parent = followLast ? clean : posix.dirname(clean);
  const last = followLast ? "" : posix.basename(clean);
  const mounts = [...session.record.spec.mounts].filter((m) => m.Type !== "tmpfs").sort((a, b) => b.Destination.length - a.Destination.length);
  const mount = mounts.find((m) => parent === m.Destination || parent.startsWith(m.Destination + "/"));
  const [root, inside] = mount ? [mount.Source, parent.slice(mount.Destination.length) || "/"] : [session.rootfs, parent];
  const resolved = resolveInRoot(root, inside);
  return last && last !== "/" ? `${resolved}/${last}` : resolved;
}

function lstatOrUndefined(path: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(path);
  } catch {
    return undefined;
  }
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
    const path = hostPath(session, contents ? src.slice(0, -2) || "/" : src, Boolean(opts.follow) || contents);
    const st = lstatOrUndefined(path);
    if (!st) throw new NotFoundError(`Could not find the file ${src} in container ${idOrName}`);
    const basename = posix.basename(posix.normalize(src.replace(/\/\.$/, ""))) || "/";
    const info = { isDir: st.isDirectory(), contents, basename };
    const stream = packPath(path, opts.name ? opts.name(info) : contents ? "" : basename, { capabilities: false });
    // The caller reads the stream, then calls finished() to unpause or unmount.
    return { ...info, stream, finished: () => session.end() };
  } catch (err) {
    await session.end();
    throw err;
  }
}

/** Unpacks a cp archive at CONTAINER:DEST with docker cp's placement rules. */
export async function copyIntoContainer(
  engine: Engine,
  idOrName: string,
  dest: string,
  source: CopySourceInfo & { open(name: string): Readable },
  opts: { archive?: boolean } = {},
): Promise<void> {
  const session = await openSession(engine, idOrName);
  try {
    const path = hostPath(session, dest, true);
    const st = lstatOrUndefined(path);
    let target;
    try {
      target = planCopy(source, { path, exists: Boolean(st), isDir: Boolean(st?.isDirectory()), endsWithSlash: dest.endsWith("/") });
    } catch (err) {
      if (err instanceof CopyPlanError) throw new InvalidArgumentError(err.message);
      throw err;
    }
    if (!fs.existsSync(target.dir)) {
      if (!target.createDir) throw new InvalidArgumentError(`Could not find the file ${posix.dirname(dest)} in container ${idOrName}`);
      fs.mkdirSync(target.dir, { mode: 0o755 });
    }
    await extractLayer(source.open(target.name), target.dir, { copy: opts.archive ? {} : { owner: { uid: 0, gid: 0 } } });
  } finally {
    await session.end();
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
 * out of it). `follow`: stat what a final symlink points to. A path ending in "/" must be a
 * directory, as the kernel has it (ENOTDIR reads as not found).
 */
export async function statInContainer(engine: Engine, idOrName: string, path: string, opts: { follow?: boolean } = {}): Promise<PathStat> {
  const session = await openSession(engine, idOrName);
  try {
    const host = hostPath(session, path, Boolean(opts.follow));
    const st = lstatOrUndefined(host);
    if (!st || (path.endsWith("/") && path !== "/" && !st.isDirectory())) throw new NotFoundError(`Could not find the file ${path} in container ${idOrName}`);
    return {
      name: posix.basename(posix.normalize(path)) || "/",
      size: st.size,
      mode: st.mode,
      mtime: st.mtime,
      linkTarget: st.isSymbolicLink() ? fs.readlinkSync(host) : "",
    };
  } finally {
    await session.end();
  }
}
