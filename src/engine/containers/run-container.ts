// `run` (and `create`, which shares its first half): the image resolved or pulled by the --pull
// policy, the container created, then started — detached, or with the caller's streams attached
// until it ends, when its exit is recorded and --rm carried out (HostConfig.AutoRemove).
import type { Engine } from "../engine.js";
import { createContainer, type CreateRequest, type CreateResult } from "./create-container.js";
import { createTask } from "./start-container.js";
import { startAndFollow, type AttachStreams, type AttachedEnd, type FollowHooks } from "./container-attach.js";
import type { ProgressSink } from "../progress.js";
import { familiarString, parseReference, withDefaultTag } from "../../image/reference.js";
import type { Platform } from "../../image/config.js";
import { ConflictError, ImageNotFoundError } from "../../errors.js";

export const PULL_POLICIES = ["always", "missing", "never"] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

export function isPullPolicy(text: string): text is PullPolicy {
  return (PULL_POLICIES as readonly string[]).includes(text);
}

export interface ImagePolicy {
  pull: PullPolicy;
  platform?: Platform | undefined;
  progress?: ProgressSink | undefined;
  /** The image is not here and will be pulled: docker says "Unable to find image '<ref>' locally". */
  onMissing?(reference: string): void;
  /** The container exists and has not started: `run --cidfile` writes its ID then. */
  onCreated?(id: string): void;
}

/** Creates the container, pulling its image first (always) or when it is not here (missing). */
export async function createWithPullPolicy(engine: Engine, req: CreateRequest, policy: ImagePolicy): Promise<CreateResult> {
  // The registry client (undici and its dependencies, ~50 ms to load) is needed only to pull.
  const pull = async () =>
    (await import("../images/pull-image.js")).pullImage(engine, req.image, {
      ...(policy.progress ? { progress: policy.progress } : {}),
      platform: policy.platform,
    });
  if (policy.pull === "always") await pull();
  try {
    return createContainer(engine, req);
  } catch (err) {
    if (!(err instanceof ImageNotFoundError) || policy.pull !== "missing") throw err;
    policy.onMissing?.(familiarString(withDefaultTag(parseReference(req.image))));
    await pull();
    return createContainer(engine, req);
  }
}

export type RunResult = { id: string } & AttachedEnd;

/**
 * `run`: without `attached`, the container is started in the background (`run -d`) and reported
 * as detached; with it, its streams go to the caller until it ends or the caller detaches.
 */
export async function runContainer(
  engine: Engine,
  req: CreateRequest,
  policy: ImagePolicy,
  attached?: { streams: AttachStreams; hooks?: FollowHooks },
): Promise<RunResult> {
  const { id } = await createWithPullPolicy(engine, req, policy);
  policy.onCreated?.(id);
  if (!attached) {
    const task = await createTask(engine, id);
    if (!("alreadyRunning" in task)) await task.start();
    return { id, detached: true };
  }
  const end = await startAndFollow(engine, id, attached.streams, attached.hooks);
  // Made a moment ago, so only a concurrent start can have run it.
  if (!end) throw new ConflictError("container is already running");
  return { id, ...end };
}
