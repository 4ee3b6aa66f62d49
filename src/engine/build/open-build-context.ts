// A build's context opened for the front ends: a host directory (the CLI), or a tar stream (the
// CLI's stdin, POST /build's body) staged in a work dir of the store that close() removes (or a
// later sweep, should the process die first). The Dockerfile and the target are checked here too,
// so that the API can answer those failures before its 200.
import type { Readable } from "node:stream";
import type { Engine } from "../engine.js";
import {
  openDirectoryContext,
  openTarContext,
  type DirectoryContextOptions,
  type OpenedContext,
} from "../../build/context/open-context.js";
import { InvalidContextError } from "../../build/context/stage-tar.js";
import { parseDockerfile, stagesForTarget } from "../../build/dockerfile/dockerfile.js";
import { NotFoundError, SystemError } from "../../errors.js";

export type { OpenedContext, DirectoryContextOptions };

export interface BuildContextHandle {
  readonly opened: OpenedContext;
  close(): Promise<void>;
}

export async function openDirectoryBuildContext(dir: string, opts: DirectoryContextOptions = {}): Promise<BuildContextHandle> {
  const opened = await openDirectoryContext(dir, opts);
  return { opened, close: () => opened.context.close() };
}

export interface StreamContextOptions {
  /** The Dockerfile's path inside the archive; "Dockerfile" by default. */
  readonly dockerfile?: string;
  /** The stream may be a bare Dockerfile (`berth build - < Dockerfile`). */
  readonly bareDockerfile?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * A tar stream (plain, gzip, bzip2 or xz) as a build context. What dockerd answers with a 500 is a
 * SystemError here in its words: an unreadable archive ("unexpected EOF") and a missing Dockerfile
 * ("Cannot locate specified Dockerfile: NAME") (BUILD-API §1.3, §3).
 */
export async function openStreamBuildContext(
  engine: Engine,
  source: Readable,
  opts: StreamContextOptions = {},
): Promise<BuildContextHandle> {
  const work = engine.store.workDir();
  let opened: OpenedContext;
  try {
    opened = await openTarContext(source, {
      workDir: work.child("context"),
      ...(opts.dockerfile !== undefined ? { dockerfile: opts.dockerfile } : {}),
      ...(opts.bareDockerfile ? { bareDockerfile: true } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    work.remove();
    if (err instanceof InvalidContextError || err instanceof NotFoundError) throw new SystemError(err.message, { cause: err });
    throw err;
  }
  return {
    opened,
    close: async () => {
      try {
        await opened.context.close();
      } finally {
        work.remove();
      }
    },
  };
}

/**
 * The Dockerfile parses and has the target: BuildKit's errors (InvalidArgumentError) otherwise.
 * Returns the indices of the stages the build runs, in Dockerfile order.
 */
export function checkDockerfileTarget(
  opened: OpenedContext,
  opts: { buildArgs: ReadonlyMap<string, string | undefined>; target?: string | undefined },
): number[] {
  const parsed = parseDockerfile(opened.dockerfile.toString("utf8"), {
    buildArgs: opts.buildArgs,
    ...(opts.target !== undefined ? { target: opts.target } : {}),
  });
  return stagesForTarget(parsed, opts.target).stages.map((s) => s.index);
}
