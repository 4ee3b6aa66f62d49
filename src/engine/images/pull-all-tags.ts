// `pull --all-tags`: every tag the registry lists for a repository, one pull after another, with
// one Status line at the end as Docker prints it.
import type { Engine } from "../engine.js";
import { pullImage, type PullOptions } from "./pull-image.js";
import { listTags } from "../../registry/distribution.js";
import { familiarName, formatReference, parseDaemonReference } from "../../image/reference.js";
import { InvalidArgumentError, NotFoundError } from "../../errors.js";
import { noProgress } from "../progress.js";

/** Returns the repository's name as Docker prints it last (docker.io/library/busybox). */
export async function pullAllTags(engine: Engine, text: string, opts: PullOptions = {}): Promise<string> {
  const ref = parseDaemonReference(text);
  if (ref.tag || ref.digest) throw new InvalidArgumentError("tag can't be used with --all-tags/-a");
  const progress = opts.progress ?? noProgress;
  const session = await engine.registry.session(ref.domain, opts.credentials);
  const tags = await listTags(session, ref.path, opts.signal);
  if (!tags.length) throw new NotFoundError(`no tags found for ${familiarName(ref)}`);
  let downloaded = false;
  for (const tag of tags) {
    const result = await pullImage(engine, `${formatReference(ref)}:${tag}`, {
      ...opts,
      progress: (m) => {
        if (!m.status.startsWith("Status: ")) progress(m);
      },
    });
    downloaded ||= !result.upToDate;
  }
  const name = familiarName(ref);
  progress({ status: downloaded ? `Status: Downloaded newer image for ${name}` : `Status: Image is up to date for ${name}` });
  return formatReference(ref);
}
