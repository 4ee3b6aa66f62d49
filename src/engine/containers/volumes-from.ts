// --volumes-from CTR[:MODE]: another container's binds and volumes, mounted at the same
// destinations (moby daemon/volumes.go registerMountPoints). Its tmpfs mounts are not copied,
// a copy is read-only when the source's mount is or when MODE says ro, and the copy's Mode is
// reset to "", as dockerd 20.10 shows it. Mounts the user gives for the same destination win.
import type { Engine } from "../engine.js";
import type { MountPoint } from "../../store/container-store.js";
import { InvalidArgumentError, NotFoundError } from "../../errors.js";
import { isMountMode } from "./mount-specs.js";

export interface VolumesFromSpec {
  container: string;
  /** false when MODE holds "ro". */
  readWrite: boolean;
}

/** "CTR", "CTR:ro", "CTR:rw,z": dockerd's parseVolumesFrom, with its message for a bad mode. */
export function parseVolumesFrom(spec: string): VolumesFromSpec {
  if (spec === "") throw new InvalidArgumentError("volumes-from specification cannot be an empty string");
  const colon = spec.indexOf(":");
  if (colon < 0) return { container: spec, readWrite: true };
  const mode = spec.slice(colon + 1);
  const modes = mode.split(",");
  if (!modes.every(isMountMode) || modes.filter((m) => m === "ro" || m === "rw").length > 1) {
    throw new InvalidArgumentError(`invalid mode: ${mode}`);
  }
  return { container: spec.slice(0, colon), readWrite: !modes.includes("ro") };
}

/**
 * The mount points the containers of `specs` lend, less those at `taken` destinations. An unknown
 * container is dockerd's "No such container" as a 400, so that a client does not take it for a
 * missing image and pull.
 */
export function inheritedMounts(engine: Engine, specs: readonly string[], taken: ReadonlySet<string>): MountPoint[] {
  const points = new Map<string, MountPoint>();
  for (const text of specs) {
    const { container, readWrite } = parseVolumesFrom(text);
    let source;
    try {
      source = engine.store.containers.resolve(container);
    } catch (err) {
      if (err instanceof NotFoundError) throw new InvalidArgumentError(err.message, { cause: err });
      throw err;
    }
    for (const m of source.spec.mounts) {
      if (m.Type === "tmpfs" || taken.has(m.Destination)) continue;
      const { options, ...rest } = m;
      // A lent volume is never filled from this container's image (moby's CopyData: false).
      const kept = m.Type === "volume" ? ["nocopy"] : options;
      points.set(m.Destination, { ...rest, Mode: "", RW: m.RW && readWrite, ...(kept ? { options: kept } : {}) });
    }
  }
  return [...points.values()];
}
