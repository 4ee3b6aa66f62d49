// The host side of `cp`, checked as docker's client checks it (cli/command/container/cp.go,
// command.ValidateOutputPath, archive.CopyInfoDestinationPath) before and after the container's
// side has been read.
import * as fs from "node:fs";
import { posix } from "node:path";
import { ClientError } from "./errors.js";

/** Absolute, keeping what the path says at its end: a trailing "/" or "/." asks for a directory. */
export function localCopyPath(path: string): string {
  const abs = posix.resolve(path);
  if (/\/\.$/.test(path) && abs !== "/") return `${abs}/.`;
  if (path.endsWith("/") && abs !== "/") return `${abs}/`;
  return abs;
}

/** Go's words for the errno values a stat of the user's path can meet. */
const GO_ERRNO_TEXT: Record<string, string> = {
  ENOTDIR: "not a directory",
  EACCES: "permission denied",
  ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "file name too long",
};

function statError(path: string, err: unknown): ClientError {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  return new ClientError(`stat ${path}: ${GO_ERRNO_TEXT[code] ?? (err as Error).message}`);
}

/**
 * Where a copy out of a container may land: the parent must exist, and what is there already
 * (followed through symlinks, "/" asking for a directory) must be a directory or a regular file.
 */
export function checkOutputPath(path: string): void {
  const dir = posix.dirname(posix.normalize(path).replace(/(.)\/+$/, "$1"));
  if (!fs.existsSync(dir)) throw new ClientError(`invalid output path: directory ${JSON.stringify(dir)} does not exist`);
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw statError(path, err);
  }
  // A FIFO or socket there is replaced like a file; a device is refused.
  if (st.isBlockDevice() || st.isCharacterDevice()) {
    throw new ClientError(`invalid output path: ${JSON.stringify(path)} must be a directory or a regular file: got a device`);
  }
}

/** What is at a copy's destination on the host, through symlinks; nothing there is no error. */
export function statDestination(path: string): { exists: boolean; isDir: boolean } {
  try {
    const st = fs.statSync(path);
    return { exists: true, isDir: st.isDirectory() };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { exists: false, isDir: false };
    throw statError(path, err);
  }
}
