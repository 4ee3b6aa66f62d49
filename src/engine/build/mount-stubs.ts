// The mount points a RUN's container needed and its image did not have. runc makes them (an empty
// directory, or an empty file for a file mount) in the container's writable layer; BuildKit takes
// them away again after the run (executor/stubs.go, MountStubsCleaner), so that a step with
// `--mount=type=secret` or `--mount=type=cache,target=/cache` leaves no /run/secrets/x or /cache
// in its layer. Recorded before the run, against the rootfs as it was; scrubbed from the upper
// directory after it.
import * as fs from "node:fs";
import * as path from "node:path";
import { lgetxattr } from "../../sys/linux.js";
import { resolveInRoot } from "../../runtime/resolve-in-root.js";

export interface MountStubs {
  /** Paths (relative to the rootfs) that did not exist before the run, deepest first. */
  readonly created: readonly string[];
  /**
   * The directories (relative) that held the first missing component and were not empty: overlay
   * copies them up to make the stub, and an empty copy left in the upper changes nothing but times.
   */
  readonly parents: readonly { readonly rel: string; readonly mode: number; readonly uid: number; readonly gid: number }[];
}

/** What of each target (an absolute path in the container) is missing from `rootfs` now. */
export function recordMountStubs(rootfs: string, targets: readonly string[]): MountStubs {
  const created = new Set<string>();
  const parents = new Map<string, MountStubs["parents"][number]>();
  for (const target of targets) {
    // Symlinks in the image are followed as runc follows them (securejoin), never out of the rootfs.
    const rel = path.relative(rootfs, resolveInRoot(rootfs, target));
    if (rel === "" || rel.startsWith("..")) continue;
    const parts = rel.split("/");
    let firstMissing = -1;
    for (let i = 1; i <= parts.length; i++) {
      if (!exists(path.join(rootfs, ...parts.slice(0, i)))) {
        firstMissing = i;
        break;
      }
    }
    if (firstMissing === -1) continue;
    for (let i = parts.length; i >= firstMissing; i--) created.add(parts.slice(0, i).join("/"));
    const parentRel = parts.slice(0, firstMissing - 1).join("/");
    if (parentRel !== "" && !parents.has(parentRel)) {
      const host = path.join(rootfs, parentRel);
      const st = fs.lstatSync(host);
      if (st.isDirectory() && fs.readdirSync(host).length > 0)
        parents.set(parentRel, { rel: parentRel, mode: st.mode, uid: st.uid, gid: st.gid });
    }
  }
  const deepestFirst = (a: string, b: string) => b.split("/").length - a.split("/").length || (a < b ? -1 : 1);
  return { created: [...created].sort(deepestFirst), parents: [...parents.values()].sort((a, b) => deepestFirst(a.rel, b.rel)) };
}

/**
 * Removes the stubs from `upperDir` (the step's writable layer, its overlay unmounted or idle):
 * an empty directory or an empty regular file that is still where a stub was made. What the run
 * wrote there itself stays. Then an overlay copy-up of a parent that is empty in the upper, not
 * opaque, with the owner and mode it had, is removed too: the lower shows through unchanged.
 */
export function scrubMountStubs(upperDir: string, stubs: MountStubs): void {
  for (const rel of stubs.created) removeIfEmpty(path.join(upperDir, rel));
  for (const parent of stubs.parents) {
    const host = path.join(upperDir, parent.rel);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(host);
    } catch {
      continue;
    }
    if (!st.isDirectory() || st.mode !== parent.mode || st.uid !== parent.uid || st.gid !== parent.gid) continue;
    if (lgetxattr(host, "trusted.overlay.opaque") !== undefined) continue;
    removeIfEmpty(host);
  }
}

function removeIfEmpty(p: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return;
  }
  if (st.isDirectory()) {
    if (fs.readdirSync(p).length === 0) fs.rmdirSync(p);
  } else if (st.isFile() && st.size === 0) {
    fs.unlinkSync(p);
  }
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
