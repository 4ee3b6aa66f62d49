// `login` and `logout`: credentials are checked against the registry before they are kept, and
// kept where Docker keeps them (config.json or its credential helper).
import type { Engine } from "../engine.js";
import { authKey, DOCKER_HUB_DOMAIN } from "../../registry/registry-options.js";
import { InvalidArgumentError } from "../../errors.js";
import type { Credentials } from "../../registry/credentials.js";

/** The user and password (or token) a client hands over, as the CLI and the API take them. */
export type { Credentials };

/** `https://index.docker.io/v1/`, `http://host:5000/`, `host:5000` → the registry's domain. */
export function registryDomain(server: string | undefined): string {
  if (!server) return DOCKER_HUB_DOMAIN;
  const text = server.trim();
  const withoutScheme = text.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  const host = withoutScheme.split("/")[0] ?? "";
  if (!host || /\s/.test(host)) throw new InvalidArgumentError(`invalid registry address ${JSON.stringify(server)}`);
  if (host === "index.docker.io" || host === "registry-1.docker.io" || host === "docker.io") return DOCKER_HUB_DOMAIN;
  return host.toLowerCase();
}

/** Checks credentials against the registry without keeping them (the API's POST /auth). */
export async function checkCredentials(engine: Engine, server: string | undefined, creds: Credentials): Promise<void> {
  const session = await engine.registry.session(registryDomain(server), creds);
  await session.checkLogin();
}

export async function login(
  engine: Engine,
  server: string | undefined,
  creds: Credentials,
): Promise<{ key: string; path: string; helper?: string }> {
  const domain = registryDomain(server);
  await checkCredentials(engine, server, creds);
  const key = authKey(domain);
  const stored = await engine.registry.credentials.store(key, creds);
  return { key, path: engine.registry.credentials.path, ...stored };
}

export async function logout(engine: Engine, server: string | undefined): Promise<{ key: string; removed: boolean }> {
  const key = authKey(registryDomain(server));
  return { key, removed: await engine.registry.credentials.erase(key) };
}
