// `rm --link /CONTAINER/ALIAS` (DELETE /containers/{name}?link=1): drops one legacy link from the
// container that made it, as dockerd 20.10's daemon.rmLink does. A running container keeps what
// the link gave it (its /etc/hosts line, its environment) until it starts again, as with dockerd.
import type { Engine } from "../engine.js";
import { ConflictError, NotFoundError } from "../../errors.js";
import { parseLink } from "./link-spec.js";

/**
 * `name` is the link's name as the client sends it ("src/al"; docker rm trims the slashes).
 * A name of one part is a container's own ("default link") name; a link nobody made is "No such
 * container", the words dockerd's name lookup gives.
 */
export function removeLink(engine: Engine, name: string): void {
  const full = name.startsWith("/") ? name : `/${name}`;
  const slash = full.lastIndexOf("/");
  if (slash === 0) throw new ConflictError("Conflict, cannot remove the default link name of the container");
  const parentName = full.slice(1, slash);
  const alias = full.slice(slash + 1);
  engine.store.write(() => {
    const id = engine.store.containers.resolveName(parentName);
    const parent = id === undefined ? undefined : engine.store.containers.get(id);
    const links = parent?.spec.hostConfig.Links ?? [];
    const kept = links.filter((stored) => parseLink(stored).alias !== alias);
    if (!parent || kept.length === links.length) throw new NotFoundError(`No such container: ${full.slice(1)}`);
    engine.store.containers.setSpec({ ...parent.spec, hostConfig: { ...parent.spec.hostConfig, Links: kept.length ? kept : null } });
  });
}
