// Registry endpoints: pull (POST /images/create?fromImage=), push and /auth. Credentials come
// with each request in X-Registry-Auth, as dockerd takes them; without them the registry is
// asked anonymously.
import type { ApiCall } from "../api-context.js";
import { sendJson } from "../api-context.js";
import type { Route } from "../router.js";
import { streamMessages } from "../json-messages.js";
import { readJsonBody } from "../request-body.js";
import { InvalidArgumentError, NotImplementedError } from "../../errors.js";
import { pullImage as enginePull } from "../../engine/images/pull-image.js";
import { pullAllTags } from "../../engine/images/pull-all-tags.js";
import { pushImage as enginePush } from "../../engine/images/push-image.js";
import { checkCredentials } from "../../engine/images/login.js";
import type { ProgressMessage } from "../../engine/progress.js";
import { parsePlatform } from "../../image/config.js";
import type { Credentials } from "../../engine/images/login.js";

/** X-Registry-Auth: base64url JSON {username, password, serveraddress}; empty or {} is anonymous. */
export function registryAuth(header: string | string[] | undefined): Credentials | null {
  const text = Array.isArray(header) ? header[0] : header;
  if (!text) return null;
  let parsed: { username?: unknown; password?: unknown; identitytoken?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8")) as typeof parsed;
  } catch {
    throw new InvalidArgumentError("invalid X-Registry-Auth header: not base64-encoded JSON");
  }
  if (typeof parsed !== "object" || parsed === null) throw new InvalidArgumentError("invalid X-Registry-Auth header: not a JSON object");
  if (typeof parsed.identitytoken === "string" && parsed.identitytoken) {
    throw new NotImplementedError("identity tokens in X-Registry-Auth are not supported by berth; send a username and password");
  }
  if (typeof parsed.username !== "string" || !parsed.username) return null;
  return { username: parsed.username, password: typeof parsed.password === "string" ? parsed.password : "" };
}

/** The engine's progress as dockerd's JSON messages: layer lines always carry progressDetail. */
function toJson(m: ProgressMessage): Record<string, unknown> {
  return m.id === undefined ? { status: m.status } : { status: m.status, progressDetail: m.progressDetail ?? {}, id: m.id };
}

export async function pullImage(call: ApiCall): Promise<void> {
  const image = call.query.get("fromImage") ?? "";
  const tag = call.query.get("tag") ?? "";
  const platformText = call.query.get("platform");
  const platform = platformText ? parsePlatform(platformText) : undefined;
  const credentials = registryAuth(call.req.headers["x-registry-auth"]);
  await streamMessages(call, async (send) => {
    const progress = (m: ProgressMessage) => send(toJson(m));
    const common = { progress, platform, credentials, signal: call.signal };
    if (!tag) {
      await pullAllTags(call.api.engine, image, common);
      return;
    }
    const name = tag.startsWith("sha256:") ? `${image}@${tag}` : `${image}:${tag}`;
    const result = await enginePull(call.api.engine, name, common);
    call.api.log.info(`image ${result.reference} pulled (${result.digest})`);
  });
}

async function pushImage(call: ApiCall): Promise<void> {
  const name = call.params[0]!;
  const tag = call.query.get("tag") ?? "";
  const credentials = registryAuth(call.req.headers["x-registry-auth"]);
  await streamMessages(call, async (send) => {
    const pushed = await enginePush(call.api.engine, tag ? `${name}:${tag}` : name, {
      allTags: !tag,
      credentials,
      signal: call.signal,
      progress: (m) => send(toJson(m)),
    });
    for (const p of pushed) send({ progressDetail: {}, aux: { Tag: p.tag, Digest: p.digest, Size: p.size } });
  });
}

async function login(call: ApiCall): Promise<void> {
  const body = (await readJsonBody(call.req, "auth config")) ?? {};
  if (typeof body.identitytoken === "string" && body.identitytoken) {
    throw new NotImplementedError("identity tokens are not supported by berth; log in with a username and password");
  }
  if (typeof body.username !== "string" || !body.username) throw new InvalidArgumentError("username is required");
  const server = typeof body.serveraddress === "string" && body.serveraddress ? body.serveraddress : undefined;
  await checkCredentials(call.api.engine, server, {
    username: body.username,
    password: typeof body.password === "string" ? body.password : "",
  });
  sendJson(call, 200, { Status: "Login Succeeded", IdentityToken: "" });
}

export const registryRoutes: readonly Route[] = [
  { method: "POST", pattern: /^\/images\/(.+)\/push$/, handler: pushImage },
  { method: "POST", pattern: /^\/auth$/, handler: login },
  {
    method: "GET",
    pattern: /^\/images\/search$/,
    handler: async () => {
      throw new NotImplementedError(
        "search is not supported by berth: registries have no standard search API, and Docker Hub's is Docker's own",
      );
    },
  },
];
