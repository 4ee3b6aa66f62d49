// The names users give images: parsed, normalised and checked once for every command that tags.
import { InvalidArgumentError } from "../errors.js";
import { formatReference, parseReference, withDefaultTag } from "../image/reference.js";

/** `repo[:tag]` as import, commit and tag take it: normalised, with :latest by default, no digest. */
export function parseTagName(text: string): string {
  const ref = withDefaultTag(parseReference(text));
  if (ref.digest) throw new InvalidArgumentError("refusing to create a tag with a digest reference");
  return formatReference(ref);
}
