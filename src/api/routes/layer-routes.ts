// berth's own endpoints for the store's layers (README, "Looking inside images"): the graph of
// every image's layers, shared layers once, and one layer's file changes.
import type { ApiCall } from "../api-context.js";
import { sendJson } from "../api-context.js";
import type { Route } from "../router.js";
import { layerGraph, layerGraphJson, layerNodeChanges } from "../../engine/images/layer-graph.js";

async function graph(call: ApiCall): Promise<void> {
  sendJson(call, 200, layerGraphJson(layerGraph(call.api.engine)));
}

async function changes(call: ApiCall): Promise<void> {
  const list = layerNodeChanges(call.api.engine, call.params[0]!);
  sendJson(
    call,
    200,
    list.map((c) => ({ Kind: c.kind, Path: c.path, Size: c.size })),
  );
}

export const layerRoutes: readonly Route[] = [
  { method: "GET", pattern: /^\/berth\/layers$/, handler: graph },
  { method: "GET", pattern: /^\/berth\/layers\/(sha256:[0-9a-f]{64})\/changes$/, handler: changes },
];
