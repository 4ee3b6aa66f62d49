// Persistent network namespaces bound to files, as podman keeps them for netavark: an empty file
// with the namespace's nsfs bind-mounted on it, which `netavark setup FILE`, `nsenter --net=FILE`
// and runc's `{"type":"network","path":FILE}` all open. The namespace is made by `unshare
// --net=FILE` in a child, so the calling process never changes namespace.
//
// Mount propagation: podman and `ip netns` bind their netns directory on itself as shared, so that
// mount namespaces made later follow the namespaces' mounts and unmounts. Berth does not need it
// (measured on Linux 6.18 with runc 1.1): runc opens FILE in berth's own mount namespace before it
// makes the container's, and joined a namespace bound in a private /tmp; and a mount namespace
// made while a netns exists (`unshare -m`, a systemd unit with PrivateTmp) does keep its copy of
// the bind after the umount, but loses it when the file is unlinked (Linux ≥ 3.18 detaches mounts
// on a deleted mount point in every namespace), which removeNetns does.
import * as fs from "node:fs";
import { randomUUID } from "node:crypto";
import { SystemError } from "../errors.js";
import { unmount } from "../sys/mount.js";
import { runCommand, type CommandRunner } from "./command.js";

export interface NetnsToolOptions {
  /** How unshare is run; a test can run it elsewhere or record it. */
  readonly run?: CommandRunner;
  readonly unshareBinary?: string;
  readonly ipBinary?: string;
  readonly signal?: AbortSignal;
}

/**
 * Makes a new network namespace bound to `DIR/NAME` (default name `netns-<uuid>`, as podman's)
 * with `lo` up (a fresh namespace has it down, and netavark 1.4 only brings it up on setup).
 * Nothing is left behind on failure. Returns the path.
 */
export async function createNetns(dir: string, opts: NetnsToolOptions & { name?: string } = {}): Promise<string> {
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o755 });
  // mountinfo names mount points by their real path; a symlinked dir would hide the mount.
  const path = `${await fs.promises.realpath(dir)}/${opts.name ?? `netns-${randomUUID()}`}`;
  // O_EXCL: two callers never share a namespace file by accident.
  await (await fs.promises.open(path, "wx", 0o444)).close();
  const run = opts.run ?? runCommand;
  // unshare waits for the bind mount before it runs `ip`, so lo is set in the bound namespace.
  const argv = [opts.unshareBinary ?? "unshare", `--net=${path}`, opts.ipBinary ?? "ip", "link", "set", "lo", "up"];
  let failure: string | undefined;
  try {
    const result = await run(argv, opts.signal ? { signal: opts.signal } : {});
    if (result.code !== 0) failure = result.stderr.trim() || `exit status ${result.code}`;
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  }
  if (failure === undefined && !isNetnsMounted(path)) failure = "no namespace is mounted on the file";
  if (failure !== undefined) {
    await removeNetns(path);
    throw new SystemError(`create network namespace ${path}: ${failure}`);
  }
  return path;
}

/**
 * Unmounts and deletes a namespace file. Idempotent, and fine with the half-made states a crash
 * leaves: a file with nothing mounted on it, or no file at all. The namespace itself lives on
 * while a process is still in it.
 */
export async function removeNetns(path: string): Promise<void> {
  unmount(path);
  await fs.promises.rm(path, { force: true });
}

export interface NetnsFile {
  readonly path: string;
  /** False for a file left by a crash between creating it and binding the namespace. */
  readonly mounted: boolean;
}

/** The namespace files in `dir` (none when it does not exist): what a cleanup after a crash removes. */
export async function listNetns(dir: string): Promise<NetnsFile[]> {
  let names: string[];
  try {
    dir = await fs.promises.realpath(dir);
    names = await fs.promises.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const mounted = nsfsMounts();
  return names.sort().map((name) => ({ path: `${dir}/${name}`, mounted: mounted.has(`${dir}/${name}`) }));
}

export function isNetnsMounted(path: string): boolean {
  return nsfsMounts().has(path);
}

/** Mount points of nsfs mounts, read from /proc/self/mountinfo (` - nsfs ` after the optional fields). */
function nsfsMounts(): Set<string> {
  const points = new Set<string>();
  for (const line of fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right || right.split(" ")[0] !== "nsfs") continue;
    const point = left.split(" ")[4];
    if (point) points.add(point.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))));
  }
  return points;
}
