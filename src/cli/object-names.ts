// Names the docker client refuses before it asks the daemon: an empty one (its trimID, and some
// commands' own checks). Through the API these never arrive, so the rule is the CLI's alone.
import { ClientError } from "./errors.js";

/** The docker client's trimID: surrounding white space goes, and nothing left is refused. */
export function trimmedId(kind: "container" | "volume", name: string): string {
  const id = name.trim();
  if (id === "") throw new ClientError(`invalid ${kind} name or ID: value is empty`);
  return id;
}

/** docker rm trims slashes first ("/name" as inspect prints it), and has its own words for nothing. */
export function removableContainerId(name: string): string {
  const bare = name.replace(/^\/+|\/+$/g, "");
  if (bare === "") throw new ClientError("container name cannot be empty");
  return trimmedId("container", bare);
}

/** docker diff checks before the client does, in its own words (a blank name still reaches trimID). */
export function diffContainerId(name: string): string {
  if (name === "") throw new ClientError("Container name cannot be empty");
  return trimmedId("container", name);
}

/** The error generic `inspect` reports for an empty name, by the first kind of object it tries. */
export function emptyInspectName(kind: string, name: string): string | undefined {
  if ((kind === "container" || kind === "volume") && name.trim() === "") return `invalid ${kind} name or ID: value is empty`;
  if (kind === "image" && name === "") return "Error: No such image: ";
  return undefined;
}
