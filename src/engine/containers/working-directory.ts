// The container's working directory exists before its process starts, as dockerd's
// SetupWorkingDirectory makes it at create and again at start: created (0755, root's) when missing,
// refused in Docker's words when it names a file, rather than left to runc's "mkdir …: not a
// directory", which would make `run` exit 128 and name the host's paths.
import * as fs from "node:fs";
import * as path from "node:path";
import { resolveInRoot } from "../../runtime/resolve-in-root.js";
import { SystemError } from "../../errors.js";

/** HTTP 500 as dockerd answers; at start, the container records it (exit code 128, State.Error). */
export class WorkingDirectoryError extends SystemError {}

/** `rootfs`: the container's mounted root filesystem. An empty working directory is the image's root. */
export function setupWorkingDirectory(rootfs: string, workdir: string): void {
  if (workdir === "") return;
  const clean = path.posix.normalize(workdir);
  const hostPath = resolveInRoot(rootfs, clean);
  try {
    fs.mkdirSync(hostPath, { recursive: true, mode: 0o755 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EEXIST" && code !== "ENOTDIR") throw new SystemError(`mkdir ${clean}: ${(err as Error).message}`, { cause: err });
  }
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(hostPath);
  } catch {
    // A component on the way is a file: Docker's words then name a host path; these name the container's.
    throw new WorkingDirectoryError(`mkdir ${clean}: not a directory`);
  }
  if (!stat.isDirectory()) throw new WorkingDirectoryError(`Cannot mkdir: ${clean} is not a directory`);
}
