// Bearer tokens from a registry's token service (the Docker Hub flow): the realm named in the
// registry's challenge is checked before berth connects to it, tokens are cached per scope set,
// and credentials go only to the realm the registry named.
import { isIP } from "node:net";
import { UnauthorizedError, ForbiddenError } from "../errors.js";
import type { Credentials } from "./credentials.js";
import { hostname, isLinkLocal, isLoopback, isPrivate } from "./registry-options.js";
import { discard, header, readLimited, type Transport } from "./transport.js";
import { describe } from "./registry-errors.js";

const TOKEN_RESPONSE_LIMIT = 1 << 20;
const MAX_REDIRECTS = 5;

export interface BearerChallenge {
  realm: string;
  service?: string | undefined;
}

interface CachedToken {
  token: string;
  expires: number;
}

/**
 * Refuses a realm that would turn the registry into a way to reach internal addresses: plain
 * HTTP unless the registry itself is insecure, link-local addresses always (cloud metadata), and
 * loopback or private IP literals unless the registry lives in that same class.
 */
export function checkRealm(realm: URL, registryHost: string, insecure: boolean): void {
  if (realm.protocol !== "https:" && !(realm.protocol === "http:" && insecure)) {
    throw new ForbiddenError(`refusing token realm ${shown(realm)}: it must be https for a secure registry`);
  }
  const host = realm.hostname.replace(/^\[|\]$/g, "");
  if (realm.host === registryHost) return;
  const registry = hostname(registryHost);
  if (isLinkLocal(host)) throw new ForbiddenError(`refusing token realm ${shown(realm)}: link-local address`);
  if (isIP(host) && isLoopback(host) && !isLoopback(registry) && registry !== "localhost") {
    throw new ForbiddenError(`refusing token realm ${shown(realm)}: loopback address for a remote registry`);
  }
  if (isIP(host) && isPrivate(host) && !isPrivate(registry)) {
    throw new ForbiddenError(`refusing token realm ${shown(realm)}: private address for a public registry`);
  }
}

export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();

  constructor(
    private readonly transport: Transport,
    private readonly registryHost: string,
    private readonly insecure: boolean,
    private readonly credentials: Credentials | undefined,
  ) {}

  async token(challenge: BearerChallenge, scopes: readonly string[], signal?: AbortSignal): Promise<string> {
    const key = `${challenge.realm} ${challenge.service ?? ""} ${[...scopes].sort().join(" ")}`;
    const cached = this.tokens.get(key);
    if (cached && cached.expires > Date.now() + 5_000) return cached.token;
    const fresh = await this.fetchToken(challenge, scopes, signal);
    this.tokens.set(key, fresh);
    return fresh.token;
  }

  private async fetchToken(challenge: BearerChallenge, scopes: readonly string[], signal?: AbortSignal): Promise<CachedToken> {
    let url: URL;
    try {
      url = new URL(challenge.realm);
    } catch {
      throw new UnauthorizedError(`invalid token realm ${JSON.stringify(challenge.realm)}`);
    }
    if (challenge.service) url.searchParams.set("service", challenge.service);
    for (const scope of scopes) url.searchParams.append("scope", scope);
    const origin = url.origin;
    for (let hop = 0; ; hop++) {
      checkRealm(url, this.registryHost, this.insecure);
      const headers: Record<string, string> = {};
      // Credentials go to the realm the registry named, never to where that realm redirects.
      if (this.credentials && url.origin === origin) {
        headers.authorization = `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString("base64")}`;
      }
      const res = await this.transport.send(url, { method: "GET", headers, signal, trustFrom: this.registryHost });
      if (res.status >= 300 && res.status < 400 && header(res, "location")) {
        await discard(res);
        if (hop >= MAX_REDIRECTS) throw new UnauthorizedError(`token service at ${origin} redirected too many times`);
        url = new URL(header(res, "location")!, url);
        continue;
      }
      const body = await readLimited(res, TOKEN_RESPONSE_LIMIT, "token response");
      if (res.status === 401 || res.status === 403) {
        const detail = tokenErrorText(body) ?? describe(res.status, body).text;
        throw new UnauthorizedError(`unauthorized: ${detail.replace(/^unauthorized: /, "")}`);
      }
      if (res.status !== 200)
        throw new UnauthorizedError(`token service at ${origin} answered ${res.status}: ${describe(res.status, body).text}`);
      let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
      try {
        parsed = JSON.parse(body.toString("utf8")) as typeof parsed;
      } catch {
        throw new UnauthorizedError(`token service at ${origin} sent a response that is not JSON`);
      }
      const token =
        typeof parsed.token === "string" && parsed.token
          ? parsed.token
          : typeof parsed.access_token === "string"
            ? parsed.access_token
            : "";
      if (!token) throw new UnauthorizedError(`token service at ${origin} sent no token`);
      const seconds = typeof parsed.expires_in === "number" && parsed.expires_in > 0 ? parsed.expires_in : 60;
      return { token, expires: Date.now() + seconds * 1000 };
    }
  }
}

/** Token services answer {"details": "..."} (Docker Hub) or distribution's errors array. */
function tokenErrorText(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { details?: unknown };
    return typeof parsed.details === "string" ? parsed.details : undefined;
  } catch {
    return undefined;
  }
}

/** The realm as the registry named it, without the query berth added. */
function shown(realm: URL): string {
  return `${realm.origin}${realm.pathname}`;
}
