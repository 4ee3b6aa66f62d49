// The environment a container's process starts with, in dockerd's order (container
// CreateDaemonEnvironment, then containerd's WithEnv): PATH, HOSTNAME, TERM with a TTY, the links'
// variables, and the container's own Env replacing those it names and adding the rest.
import type { ContainerConfig } from "../../image/config.js";

const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function containerEnv(config: ContainerConfig, linkEnv: readonly string[] = []): string[] {
  const base = [DEFAULT_PATH, `HOSTNAME=${config.Hostname ?? ""}`, ...(config.Tty ? ["TERM=xterm"] : []), ...linkEnv];
  return replaceOrAppend(replaceOrAppend([], base), config.Env ?? []);
}

/** A name seen before keeps its place and takes the later value; a new one goes at the end. */
function replaceOrAppend(env: readonly string[], entries: readonly string[]): string[] {
  const out = [...env];
  const at = new Map(out.map((e, i) => [nameOf(e), i]));
  for (const entry of entries) {
    const i = at.get(nameOf(entry));
    if (i === undefined) {
      at.set(nameOf(entry), out.length);
      out.push(entry);
    } else out[i] = entry;
  }
  return out;
}

function nameOf(entry: string): string {
  const eq = entry.indexOf("=");
  return eq < 0 ? entry : entry.slice(0, eq);
}
