// POST /build (the classic builder's wire, BUILD-API §1-§3), POST /build/prune and
// POST /build/cancel. The context tar is staged under the store's work dir; the Dockerfile and the
// target are checked before the 200, so that those failures are plain HTTP errors as dockerd's are.
import type { ApiCall } from "../api-context.js";
import { response, sendEmpty, sendJson } from "../api-context.js";
import type { Route } from "../router.js";
import { bodyStream, boolValue, filterFlags, intValue } from "../request-body.js";
import { parseBuildQuery } from "../build-query.js";
import { BuildMessages } from "../build-messages.js";
import { checkDockerfileTarget, openStreamBuildContext } from "../../engine/build/open-build-context.js";
import { buildImage } from "../../engine/build/build-image.js";
import { pruneBuildCache } from "../../engine/build/build-cache.js";
import { pruneOptionsFromFilters } from "../../engine/build/prune-filters.js";

async function build(call: ApiCall): Promise<void> {
  const { dockerfile, quiet, ...request } = parseBuildQuery(call.query);
  const engine = call.api.engine;
  const handle = await openStreamBuildContext(engine, bodyStream(call.req), { dockerfile, signal: call.signal });
  try {
    // Parse errors and an unknown target are 400s before any message (BUILD-API §0.1).
    const stages = checkDockerfileTarget(handle.opened, request);
    const res = response(call);
    res.writeHead(200, { "Content-Type": "application/json" });
    // The stream's lines are whole messages, each with its "\r\n".
    const stream = new BuildMessages((line) => res.write(line), { quiet, stages });
    try {
      const result = await buildImage(engine, { ...request, context: handle.opened, reporter: stream.reporter, signal: call.signal });
      stream.finish(result);
    } catch (err) {
      // A client that went away hears nothing more; the engine stopped the build on the signal.
      if (!call.signal.aborted) stream.fail(err);
    }
    res.end();
  } finally {
    await handle.close();
  }
}

/** `filters={"until":{"1h":true}}`, `all=1`, `keep-storage=N`: BUILD-API §4. */
async function prune(call: ApiCall): Promise<void> {
  const options = pruneOptionsFromFilters(filterFlags(call.query), {
    all: boolValue(call.query, "all"),
    keepStorage: intValue(call.query, "keep-storage"),
  });
  const { deleted, reclaimed } = await pruneBuildCache(call.api.engine, options);
  sendJson(call, 200, { CachesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed });
}

/** BuildKit sessions' cancel; classic builds stop when their client goes away, so there is nothing to do. */
async function cancel(call: ApiCall): Promise<void> {
  sendEmpty(call, 200);
}

export const buildRoutes: readonly Route[] = [
  { method: "POST", pattern: /^\/build$/, handler: build },
  { method: "POST", pattern: /^\/build\/prune$/, handler: prune },
  { method: "POST", pattern: /^\/build\/cancel$/, handler: cancel },
];
