// A container's files as its processes see them: the rootfs with its volumes and binds over it.
// berth mounts those only inside the container's own mount namespace, so the host sees them apart;
// this puts them back together for cp and the archive endpoints, with chroot semantics (no symlink
// leads out of the container) and mount semantics (a path below a mount point lives in the mount's
// source). tmpfs mounts have no host side and are left out, as Docker leaves them out of cp.
import { posix } from "node:path";
import type { ContainerRecord, MountPoint } from "../../store/container-store.js";
import { SymlinkLoopError, components, readLinkIfSymlink } from "../../runtime/resolve-in-root.js";
import { SystemError } from "../../errors.js";
import type { CopyMount } from "../../archive/extract.js";

export interface ContainerView {
  rootfs: string;
  /** Volumes and binds, innermost (longest destination) first. */
  mounts: MountPoint[];
  readonlyRootfs: boolean;
}

export interface ResolvedPath {
  /** The path inside the container once its symlinks are followed: absolute, clean. */
  path: string;
  /** Where that path is on the host. */
  host: string;
}

/** securejoin's limit, as in resolveInRoot. */
const MAX_SYMLINK_HOPS = 255;

export function containerView(record: ContainerRecord, rootfs: string): ContainerView {
  const mounts = record.spec.mounts.filter((m) => m.Type !== "tmpfs").sort((a, b) => b.Destination.length - a.Destination.length);
  return { rootfs, mounts, readonlyRootfs: Boolean(record.spec.hostConfig.ReadonlyRootfs) };
}

/** True when `path` is `dir` or below it (both absolute and clean). */
export function isWithin(path: string, dir: string): boolean {
  return dir === "/" || path === dir || path.startsWith(`${dir}/`);
}

/** The volume or bind that holds a clean container path, if any (the innermost one). */
export function mountHolding(view: ContainerView, path: string): MountPoint | undefined {
  return view.mounts.find((m) => isWithin(path, m.Destination));
}

/** The host path of a clean container path whose components are not symlinks. */
export function hostPathOf(view: ContainerView, path: string): string {
  const mount = mountHolding(view, path);
  if (!mount) return path === "/" ? view.rootfs : `${view.rootfs}${path}`;
  const rest = path.slice(mount.Destination.length);
  return rest ? `${mount.Source}${rest}` : mount.Source;
}

/**
 * Resolves `unsafePath` as a process in the container would: every symlink followed inside the
 * container (absolute targets restart at its root, ".." stops there), through mount points into
 * the volumes and binds. `followLast`: also follow a final symlink (as a trailing "/" or "/."
 * asks). Components that do not exist are kept as they are.
 */
export function resolveInContainer(view: ContainerView, unsafePath: string, followLast: boolean): ResolvedPath {
  const resolved: string[] = [];
  const pending = components(unsafePath).reverse();
  let hops = 0;
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (name === ".") continue;
    if (name === "..") {
      resolved.pop();
      continue;
    }
    const path = `/${[...resolved, name].join("/")}`;
    const target = followLast || pending.length > 0 ? readLinkIfSymlink(hostPathOf(view, path)) : undefined;
    if (target === undefined) {
      resolved.push(name);
      continue;
    }
    if (++hops > MAX_SYMLINK_HOPS)
      throw new SymlinkLoopError(`resolving ${unsafePath} in the container: too many levels of symbolic links`);
    if (target.startsWith("/")) resolved.length = 0;
    pending.push(...components(target).reverse());
  }
  const path = `/${resolved.join("/")}`;
  return { path, host: hostPathOf(view, path) };
}

/**
 * dockerd's rule for writing into a container from outside it (cp, PUT archive): a path in a
 * volume or bind follows that mount's mode; any other path follows the rootfs's. Copying out is
 * never refused.
 */
export function assertWritable(view: ContainerView, path: string): void {
  const mount = mountHolding(view, path);
  if (mount ? !mount.RW : view.readonlyRootfs) {
    throw new SystemError(mount ? "mounted volume is marked read-only" : "container rootfs is marked read-only");
  }
}

/** The mounts strictly below container directory `dir`, named relative to it, for extraction. */
export function mountsBelow(view: ContainerView, dir: string): CopyMount[] {
  return view.mounts
    .filter((m) => m.Destination !== dir && isWithin(m.Destination, dir))
    .map((m) => ({ name: posix.relative(dir, m.Destination), host: m.Source, readOnly: !m.RW }));
}
