// docker cp's rules for where a copy lands (docker/cli cp.go, moby archive.PrepareArchiveCopy):
// trailing slashes, "/." for a directory's contents, and what may replace what. Pure: both sides
// are described, nothing is touched. The same rules serve both directions, with container paths
// or host paths.
import { posix } from "node:path";
import { InvalidArgumentError } from "../../errors.js";

export interface CopySource {
  isDir: boolean;
  /** SRC ended with "/.": copy what is in the directory, not the directory. */
  contents: boolean;
  basename: string;
}

export interface CopyDestination {
  /** As the user wrote it (absolute): a trailing "/" says it must be a directory. */
  path: string;
  /** Stat of the path, "/" meaning "must be a directory" as the kernel has it. */
  exists: boolean;
  isDir: boolean;
}

/**
 * Extract into `dir` (which must exist), the top entry named `name` ("" for a directory's
 * contents).
 */
export interface CopyTarget {
  dir: string;
  name: string;
}

/** A copy docker's client refuses before anything moves; its words, printed without a prefix. */
export class CopyPlanError extends InvalidArgumentError {}

export function planCopy(src: CopySource, dest: CopyDestination): CopyTarget {
  if (dest.exists && dest.isDir) return { dir: posix.normalize(dest.path), name: src.contents ? "" : src.basename };
  if (dest.exists && src.isDir) throw new CopyPlanError("cannot copy directory");
  // A missing directory is made by renaming the source to it; a file keeps the destination's name.
  const { dir, base } = splitDirEntry(dest.path);
  if (!dest.exists && !src.isDir && /\/\.?$/.test(dest.path)) throw new CopyPlanError("no such directory");
  return { dir, name: base };
}

/** Go's archive.SplitPathDirEntry: the parent and last name of a path, slashes and all. */
export function splitDirEntry(path: string): { dir: string; base: string } {
  const clean = posix.normalize(path).replace(/(.)\/+$/, "$1");
  return { dir: posix.dirname(clean), base: posix.basename(clean) || "/" };
}
