// The host's half of `cp`: what docker's client does itself around the daemon's archive
// endpoints — packing a host path for PUT /containers/{id}/archive, unpacking GET's tar where the
// copy lands. The container's half (read-only rootfs and mounts, placement) is copy-container.ts,
// which the API's archive routes use as they are.
import * as fs from "node:fs";
import { posix } from "node:path";
import type { Readable } from "node:stream";
import type { Engine } from "../engine.js";
import { copyFromContainer, copyIntoContainer } from "./copy-container.js";
import { planCopy } from "./copy-plan.js";
import { extractLayer } from "../../archive/extract.js";
import { packPath } from "../../archive/pack.js";
import { SystemError } from "../../errors.js";

/** A failure on the host's side: docker's client reports it in its own words, without the daemon's prefix. */
export class HostCopyError extends SystemError {}

export interface HostCopyOptions {
  /** -L: follow a symlink at the source. */
  follow: boolean;
  /** -a: keep the archive's owners (else the files belong to whoever copies, or root in the container). */
  archive: boolean;
  /** Sees the tar as it goes by (docker cp's "Successfully copied" line). */
  measure?: (tar: Readable) => Readable;
}

/**
 * `cp CONTAINER:SRC DEST`: SRC's tar unpacked at the place docker's client picks for it from what
 * is at DEST on the host (`dest.exists`, `dest.isDir`, checked by the caller before anything moves).
 */
export async function copyOutToHost(
  engine: Engine,
  container: string,
  src: string,
  dest: { path: string; exists: boolean; isDir: boolean },
  opts: HostCopyOptions,
): Promise<void> {
  let target: { dir: string; name: string } | undefined;
  const out = await copyFromContainer(engine, container, src, {
    follow: opts.follow,
    name: (info) => {
      target = planCopy(info, dest);
      return target.name;
    },
  });
  try {
    if (!target) throw new HostCopyError("nothing to copy");
    const owner = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    const tar = opts.measure ? opts.measure(out.stream) : out.stream;
    await extractLayer(tar, target.dir, { copy: { at: target.dir, ...(opts.archive ? {} : { owner }) } });
  } catch (err) {
    throw err instanceof Error && !(err instanceof HostCopyError) ? new HostCopyError(err.message, { cause: err }) : err;
  } finally {
    out.stream.destroy();
    await out.finished();
  }
}

/** `cp SRC CONTAINER:DEST`: the host path SRC (its contents for "SRC/."), packed and placed as docker places it. */
export async function copyInFromHost(engine: Engine, container: string, dest: string, src: string, opts: HostCopyOptions): Promise<void> {
  const srcPath = posix.resolve(src.replace(/\/\.$/, "") || "/");
  let st: fs.Stats;
  try {
    st = opts.follow ? fs.statSync(srcPath) : fs.lstatSync(srcPath);
  } catch {
    throw new HostCopyError(`lstat ${srcPath}: no such file or directory`);
  }
  const open = (name: string): Readable => {
    const tar = packPath(opts.follow ? fs.realpathSync(srcPath) : srcPath, name, { capabilities: false });
    return opts.measure ? opts.measure(tar) : tar;
  };
  await copyIntoContainer(
    engine,
    container,
    dest,
    { isDir: st.isDirectory(), contents: /\/\.$/.test(src), basename: posix.basename(srcPath), open },
    { archive: opts.archive },
  );
}
