// POST /containers/{id}/update: a container.UpdateConfig (Resources and RestartPolicy) applied by
// the engine's update; the answer is dockerd's {"Warnings":…}, null when there are none.
import type { ApiCall } from "../api-context.js";
import { sendJson } from "../api-context.js";
import type { Route } from "../router.js";
import { optionalNumber, optionalObject, optionalString, readJsonBody } from "../request-body.js";
import { resourcesOf } from "../resources-body.js";
import { updateContainer, type UpdateRequest } from "../../engine/containers/update-container.js";

const T = "container.UpdateConfig";

export function updateRequestOf(body: Record<string, unknown>): UpdateRequest {
  const resources: UpdateRequest["resources"] = resourcesOf(body, T);
  for (const key of ["Memory", "MemorySwap", "NanoCpus"] as const) {
    const v = optionalNumber(body, key, T);
    if (v !== undefined) resources[key] = v;
  }
  const pids = optionalNumber(body, "PidsLimit", T);
  if (pids !== undefined) resources.PidsLimit = pids;
  const restart = optionalObject(body, "RestartPolicy", T);
  const name = restart ? (optionalString(restart, "Name", "container.RestartPolicy") ?? "") : "";
  return {
    resources,
    ...(name
      ? { restartPolicy: { Name: name, MaximumRetryCount: optionalNumber(restart!, "MaximumRetryCount", "container.RestartPolicy") ?? 0 } }
      : {}),
  };
}

async function update(call: ApiCall): Promise<void> {
  const body = (await readJsonBody(call.req, T)) ?? {};
  const { warnings } = await updateContainer(call.api.engine, call.params[0]!, updateRequestOf(body));
  sendJson(call, 200, { Warnings: warnings.length ? warnings : null });
}

export const updateRoutes: readonly Route[] = [{ method: "POST", pattern: /^\/containers\/([^/]+)\/update$/, handler: update }];
