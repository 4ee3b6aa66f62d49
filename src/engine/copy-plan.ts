// docker cp's rules for where a copy lands (docker/cli cp.go, moby archive.CopyInfo): trailing
// slashes, "/." for a directory's contents, and what may replace what. Pure: both sides are
// described, nothing is touched.

export interface CopySource {
  isDir: boolean;
  /** SRC ended with "/.": copy what is in the directory, not the directory. */
  contents: boolean;
  basename: string;
}

export interface CopyDestination {
  path: string;
  exists: boolean;
  isDir: boolean;
  endsWithSlash: boolean;
}

/** Where to unpack, and the name the top entry takes there ("" for contents). */
export interface CopyTarget {
  dir: string;
  name: string;
  /** DEST did not exist and the source is a directory: make DEST first. */
  createDir: boolean;
}

export class CopyPlanError extends Error {}

export function planCopy(src: CopySource, dest: CopyDestination): CopyTarget {
  const parent = dest.path.replace(/\/+$/, "").replace(/\/[^/]*$/, "") || "/";
  const last = dest.path.replace(/\/+$/, "").split("/").pop() ?? "";
  if (dest.exists && dest.isDir) {
    return { dir: dest.path, name: src.contents ? "" : src.basename, createDir: false };
  }
  if (dest.exists) {
    if (src.isDir) throw new CopyPlanError("cannot copy a directory to a file");
    if (dest.endsWithSlash) throw new CopyPlanError(`destination "${dest.path}" must be a directory`);
    return { dir: parent, name: last, createDir: false };
  }
  if (src.isDir) return { dir: dest.path.replace(/\/+$/, "") || "/", name: "", createDir: true };
  if (dest.endsWithSlash) throw new CopyPlanError(`destination directory "${dest.path}" does not exist`);
  return { dir: parent, name: last, createDir: false };
}
