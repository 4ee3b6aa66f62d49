// /swarm, /nodes, /services, /tasks, /secrets, /configs: the swarm API of a dockerd outside any
// swarm (src/engine/swarm.ts). dockerd checks a request's own parameters first (a missing version,
// a bad body, a logs call without a stream) and only then finds no swarm; the order is kept so
// that every answer matches.
import type { ApiCall } from "../api-context.js";
import type { Route } from "../router.js";
import { boolValue, readJsonBody } from "../request-body.js";
import { notInSwarm, notSwarmManager, swarmNotImplemented } from "../../engine/system/swarm.js";
import { InvalidArgumentError, SystemError } from "../../errors.js";

const ID = "([^/]+)";

function noSwarm(): Promise<void> {
  return Promise.reject(notSwarmManager());
}

/** The body is decoded as dockerd decodes it, so malformed JSON is still a 400. */
function withBody(type: string, then: () => Error): (call: ApiCall) => Promise<void> {
  return async (call) => {
    await readJsonBody(call.req, type);
    throw then();
  };
}

/** Updates name the object's version (?version=N); without one dockerd answers 400 first. */
function update(kind: "swarm" | "node" | "service" | "secret" | "config", type: string): (call: ApiCall) => Promise<void> {
  return async (call) => {
    const version = call.query.get("version") ?? "";
    if (!/^\d+$/.test(version)) {
      throw new InvalidArgumentError(
        kind === "secret" || kind === "config"
          ? `invalid ${kind} version`
          : `invalid ${kind} version '${version}': strconv.ParseUint: parsing "${version}": invalid syntax`,
      );
    }
    await readJsonBody(call.req, type);
    throw notSwarmManager();
  };
}

async function logs(call: ApiCall): Promise<void> {
  if (!boolValue(call.query, "stdout") && !boolValue(call.query, "stderr"))
    throw new SystemError("Bad parameters: you must choose at least one stream");
  throw notSwarmManager();
}

function route(method: string, path: string, handler: (call: ApiCall) => Promise<void>): Route {
  return { method, pattern: new RegExp(`^${path}$`), handler };
}

export const swarmRoutes: readonly Route[] = [
  route("GET", "/swarm", noSwarm),
  route("GET", "/swarm/unlockkey", noSwarm),
  route("POST", "/swarm/init", withBody("swarm.InitRequest", swarmNotImplemented)),
  route("POST", "/swarm/join", withBody("swarm.JoinRequest", swarmNotImplemented)),
  route("POST", "/swarm/leave", () => Promise.reject(notInSwarm())),
  route("POST", "/swarm/update", update("swarm", "swarm.Spec")),
  route("POST", "/swarm/unlock", withBody("swarm.UnlockRequest", notSwarmManager)),
  route("GET", "/nodes", noSwarm),
  route("GET", `/nodes/${ID}`, noSwarm),
  route("DELETE", `/nodes/${ID}`, noSwarm),
  route("POST", `/nodes/${ID}/update`, update("node", "swarm.NodeSpec")),
  route("GET", "/services", noSwarm),
  route("POST", "/services/create", withBody("swarm.ServiceSpec", notSwarmManager)),
  route("GET", `/services/${ID}`, noSwarm),
  route("DELETE", `/services/${ID}`, noSwarm),
  route("POST", `/services/${ID}/update`, update("service", "swarm.ServiceSpec")),
  route("GET", `/services/${ID}/logs`, logs),
  route("GET", "/tasks", noSwarm),
  route("GET", `/tasks/${ID}`, noSwarm),
  route("GET", `/tasks/${ID}/logs`, logs),
  ...(["secret", "config"] as const).flatMap((kind) => [
    route("GET", `/${kind}s`, noSwarm),
    route("POST", `/${kind}s/create`, withBody(`swarm.${kind === "secret" ? "Secret" : "Config"}Spec`, notSwarmManager)),
    route("GET", `/${kind}s/${ID}`, noSwarm),
    route("DELETE", `/${kind}s/${ID}`, noSwarm),
    route("POST", `/${kind}s/${ID}/update`, update(kind, `swarm.${kind === "secret" ? "Secret" : "Config"}Spec`)),
  ]),
];
