// The names users give images: parsed, normalised and checked once for every command that tags.
import { InvalidArgumentError } from "../../errors.js";
import { familiarName, formatReference, parseDaemonReference, withDefaultTag } from "../../image/reference.js";

/** The algorithm of every image ID berth makes; a repository of that name would read as an ID. */
const DIGEST_ALGORITHM = "sha256";

/**
 * `repo[:tag]` as import, commit, tag, load and build take it: normalised, with :latest by default,
 * no digest, and not named like a digest algorithm (dockerd's reference store refuses "sha256:abc"
 * because `sha256:abc` would then mean both a tag and an ID prefix).
 */
export function parseTagName(text: string): string {
  const ref = withDefaultTag(parseDaemonReference(text));
  if (ref.digest) throw new InvalidArgumentError("refusing to create a tag with a digest reference");
  if (familiarName(ref) === DIGEST_ALGORITHM)
    throw new InvalidArgumentError("refusing to create an ambiguous tag using digest algorithm as name");
  return formatReference(ref);
}
