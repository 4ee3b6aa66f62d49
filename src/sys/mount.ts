// Mounting and unmounting, through libc. A mount is described by data (`Mount`, as containerd's
// mount.Mount) so that the store can say what to mount and the engine does it. An overlay with
// many lower layers does not fit mount(2)'s one-page option string, so above that berth uses the
// new mount API (fsopen/fsconfig "lowerdir+", Linux 6.8+), which takes one layer per call.
import * as path from "node:path";
import { ErrnoError } from "./linux.js";
import { libcFunctions } from "./koffi.js";

/**
 * One mount to make: a filesystem `type` from `source` with `options` (mount(8)'s spelling: flags
 * such as "ro" and key=value data such as "lowerdir=..."), at the caller's target or at `target`
 * below it. The OCI runtime spec's mounts are these with a destination inside the container.
 */
export interface Mount {
  readonly type: string;
  readonly source: string;
  /** A path below the target the caller mounts at (containerd's Target); the target itself when absent. */
  readonly target?: string;
  readonly options: readonly string[];
}

/** An overlay of `lower` (top first) under `upper`; without upper and work, read-only. */
export function overlayMount(dirs: { lower: readonly string[]; upper?: string; work?: string }): Mount {
  const rw = dirs.upper && dirs.work ? [`upperdir=${dirs.upper}`, `workdir=${dirs.work}`] : [];
  return { type: "overlay", source: "overlay", options: [`lowerdir=${dirs.lower.join(":")}`, ...rw, "index=off"] };
}

interface MountLib {
  mount(source: string, target: string, type: string | null, flags: number, data: string | null): number;
  umount2(target: string, flags: number): number;
  fsopen(fsname: string, flags: number): number;
  fsconfig(fd: number, cmd: number, key: string | null, value: string | null, aux: number): number;
  fsmount(fd: number, flags: number, attrFlags: number): number;
  moveMount(fromFd: number, fromPath: string, toFd: number, toPath: string, flags: number): number;
  close(fd: number): number;
}

const load = libcFunctions((libc): MountLib => {
  const syscall = libc.func("long syscall(long number, ...)");
  const int = "int";
  const str = "const char *";
  // x86_64 and arm64 share these numbers (the new mount API was added to every arch at once).
  const SYS = { fsopen: 430, fsconfig: 431, fsmount: 432, move_mount: 429 };
  return {
    mount: libc.func("int mount(const char *source, const char *target, const char *type, unsigned long flags, const char *data)"),
    umount2: libc.func("int umount2(const char *target, int flags)"),
    fsopen: (name, flags) => Number(syscall(SYS.fsopen, str, name, int, flags)),
    fsconfig: (fd, cmd, key, value, aux) => Number(syscall(SYS.fsconfig, int, fd, int, cmd, str, key, str, value, int, aux)),
    fsmount: (fd, flags, attr) => Number(syscall(SYS.fsmount, int, fd, int, flags, int, attr)),
    moveMount: (fromFd, fromPath, toFd, toPath, flags) =>
      Number(syscall(SYS.move_mount, int, fromFd, str, fromPath, int, toFd, str, toPath, int, flags)),
    close: libc.func("int close(int fd)"),
  };
});

const MNT_DETACH = 2;
const EINVAL = 22;
const ENOENT = 2;
const FSCONFIG_SET_FLAG = 0;
const FSCONFIG_SET_STRING = 1;
const FSCONFIG_CMD_CREATE = 6;
const AT_FDCWD = -100;
const MOVE_MOUNT_F_EMPTY_PATH = 0x4;
/** mount(2) copies at most one page of option data. */
const MAX_MOUNT_DATA = 4000;

function fail(syscall: string, path: string): never {
  throw new ErrnoError(syscall, load().errno(), path);
}

/** mount(2) flags for the flag options berth's mounts use; every other option is filesystem data. */
const MS_FLAGS: Readonly<Record<string, number>> = { ro: 0x1, nosuid: 0x2, nodev: 0x4, noexec: 0x8 };

/** Makes each mount at `target` (or at its own `target` below it), in order. */
export function mountAll(mounts: readonly Mount[], target: string): void {
  for (const m of mounts) mountOne(m, m.target ? path.join(target, m.target) : target);
}

function mountOne(m: Mount, target: string): void {
  let flags = 0;
  const data: string[] = [];
  for (const option of m.options) {
    const flag = MS_FLAGS[option];
    if (flag !== undefined) flags |= flag;
    else data.push(option);
  }
  const c = load();
  if (data.join(",").length <= MAX_MOUNT_DATA) {
    if (c.mount(m.source, target, m.type, flags, data.length ? data.join(",") : null) < 0) fail(`mount ${m.type}`, target);
    return;
  }
  const fs = c.fsopen(m.type, 0);
  if (fs < 0) fail(`fsopen ${m.type}`, target);
  try {
    const set = (key: string, value: string | null) => {
      const cmd = value === null ? FSCONFIG_SET_FLAG : FSCONFIG_SET_STRING;
      if (c.fsconfig(fs, cmd, key, value, 0) < 0) fail(`fsconfig ${value === null ? key : `${key}=${value}`}`, target);
    };
    for (const option of data) {
      const eq = option.indexOf("=");
      const key = eq < 0 ? option : option.slice(0, eq);
      const value = eq < 0 ? null : option.slice(eq + 1);
      // Each lowerdir+ appends one layer below the ones given before: top first, as in lowerdir=.
      if (key === "lowerdir" && value !== null) for (const dir of value.split(":")) set("lowerdir+", dir);
      else set(key, value);
    }
    set("source", m.source);
    if (c.fsconfig(fs, FSCONFIG_CMD_CREATE, null, null, 0) < 0) fail("fsconfig create", target);
    const mnt = c.fsmount(fs, 0, mountAttributes(flags));
    if (mnt < 0) fail("fsmount", target);
    try {
      if (c.moveMount(mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0) fail("move_mount", target);
    } finally {
      c.close(mnt);
    }
  } finally {
    c.close(fs);
  }
}

/** fsmount(2) takes the mount flags as MOUNT_ATTR_* bits, which differ from mount(2)'s MS_* ones. */
function mountAttributes(flags: number): number {
  const pairs: [number, number][] = [
    [MS_FLAGS.ro!, 0x1],
    [MS_FLAGS.nosuid!, 0x2],
    [MS_FLAGS.nodev!, 0x4],
    [MS_FLAGS.noexec!, 0x8],
  ];
  return pairs.reduce((attrs, [ms, attr]) => (flags & ms ? attrs | attr : attrs), 0);
}

/** Lazily detaches a mount; a path that is not mounted is fine (idempotent). */
export function unmount(target: string): void {
  const c = load();
  if (c.umount2(target, MNT_DETACH) < 0) {
    const errno = c.errno();
    if (errno === EINVAL || errno === ENOENT) return;
    throw new ErrnoError("umount", errno, target);
  }
}

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo). */
export function mountsBelow(mountinfo: string, dir: string): string[] {
  return mountinfo
    .split("\n")
    .map((line) => unescapeMountPath(line.split(" ")[4] ?? ""))
    .filter((m) => m === dir || m.startsWith(dir + "/"))
    .sort((a, b) => b.length - a.length);
}

function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
