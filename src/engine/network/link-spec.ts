// The syntax of a --link value and of HostConfig.Links entries, on its own so that the CLI can
// check the flag without loading the engine.
import { SystemError } from "../../errors.js";

/**
 * opts.ParseLink: NAME, NAME:ALIAS, or the stored `/NAME:/CONTAINER/ALIAS`. An empty alias
 * (`NAME:`) is the name itself. dockerd answers a bad one with a plain (500) error.
 */
export function parseLink(value: string): { name: string; alias: string } {
  if (value === "") throw new SystemError("empty string specified for links");
  const parts = value.split(":");
  if (parts.length > 2) throw new SystemError(`bad format for links: ${value}`);
  const [target, alias] = parts as [string, string | undefined];
  if (alias === undefined) return { name: target, alias: target };
  if (target.startsWith("/")) return { name: target.slice(1), alias: alias.slice(alias.lastIndexOf("/") + 1) || target.slice(1) };
  return { name: target, alias: alias || target };
}
