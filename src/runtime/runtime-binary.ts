// Which OCI runtime runs containers: --runtime if given, else a probe. crun is preferred where it
// works; on these machines it refuses cgroup v1 hosts ("cgroups in hybrid mode not supported"),
// so the probe asks it to report features and falls back to runc. ConmonRuntime probes at its
// first use, never when the engine opens: most berth commands run no container.
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { InvalidArgumentError } from "../errors.js";

const SEARCH = ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/bin", "/sbin"];

export function findExecutable(name: string): string | undefined {
  if (name.includes("/")) return fs.existsSync(name) ? name : undefined;
  return SEARCH.map((d) => `${d}/${name}`).find((p) => fs.existsSync(p));
}

function crunWorksHere(path: string): boolean {
  // crun on a cgroup v1 or hybrid host fails every container; cgroup v2 alone is what it needs.
  if (!fs.existsSync("/sys/fs/cgroup/cgroup.controllers")) return false;
  return spawnSync(path, ["--version"]).status === 0;
}

export function chooseRuntime(requested: string | undefined): { name: string; path: string } {
  if (requested && requested !== "default") {
    const path = findExecutable(requested);
    if (!path) throw new InvalidArgumentError(`unknown or invalid runtime name: ${requested}`);
    return { name: requested.split("/").pop()!, path };
  }
  const crun = findExecutable("crun");
  if (crun && crunWorksHere(crun)) return { name: "crun", path: crun };
  const runc = findExecutable("runc");
  if (!runc) throw new InvalidArgumentError("no OCI runtime found: install runc (apt-get install runc)");
  return { name: "runc", path: runc };
}

/** The static init `--init` binds into a container: Debian's tini-static, or Docker's docker-init. */
export function findInitBinary(): string | undefined {
  return findExecutable("tini-static") ?? findExecutable("docker-init");
}

/** The "commit:" line of `runc --version` (or crun's), which dockerd reports as RuncCommit. */
export function runtimeCommit(path: string): string {
  const out = spawnSync(path, ["--version"], { encoding: "utf8" });
  return /^commit:\s*(\S+)/m.exec(out.stdout ?? "")?.[1] ?? "";
}

/** `tini version 0.19.0 - git.de40ad0` gives de40ad0; Debian's tini prints no commit, so "". */
export function initCommit(path: string): string {
  const out = spawnSync(path, ["--version"], { encoding: "utf8" });
  return / - git\.(\S+)/.exec(out.stdout ?? "")?.[1] ?? "";
}
