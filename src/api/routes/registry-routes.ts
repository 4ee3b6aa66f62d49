// Registry endpoints: pull (POST /images/create?fromImage=), push and /auth. The registry client is
// being built in src/registry; until it is wired, these answer in one place with Docker's error
// shape and 501, so the CLI prints a clear "Error response from daemon: …".
import type { ApiCall } from "../api-context.js";
import type { Route } from "../router.js";
import { NotImplementedError } from "../../errors.js";

export async function pullImage(call: ApiCall): Promise<void> {
  const image = call.query.get("fromImage") ?? "";
  const tag = call.query.get("tag");
  throw new NotImplementedError(`pull is not available yet: berth cannot pull ${image}${tag ? `:${tag}` : ""} from a registry`);
}

async function pushImage(call: ApiCall): Promise<void> {
  throw new NotImplementedError(`push is not available yet: berth cannot push ${call.params[0]} to a registry`);
}

async function login(): Promise<void> {
  throw new NotImplementedError("login is not available yet: berth has no registry client");
}

export const registryRoutes: readonly Route[] = [
  { method: "POST", pattern: /^\/images\/(.+)\/push$/, handler: pushImage },
  { method: "POST", pattern: /^\/auth$/, handler: login },
  { method: "GET", pattern: /^\/images\/search$/, handler: async () => { throw new NotImplementedError("search is not available yet: berth has no registry client"); } },
];
