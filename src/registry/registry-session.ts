// One conversation with one registry: the endpoint found by pinging /v2/ (HTTPS, or HTTP for
// insecure registries), the authentication scheme its challenge asks for, and requests that carry
// credentials only to the registry's own origin and follow redirects by hand.
import type { Readable } from "node:stream";
import { UnauthorizedError, UnavailableError, InvalidArgumentError, SystemError } from "../errors.js";
import type { Credentials } from "./credentials.js";
import { apiHost, isInsecureRegistry, type RegistryOptions } from "./registry-options.js";
import { parseWwwAuthenticate } from "./www-authenticate.js";
import { TokenCache, type BearerChallenge } from "./token-auth.js";
import { discard, goMethod, header, isCertificateProblem, type HttpResponse, type SendInit, type Transport } from "./transport.js";
import { statusText } from "./registry-errors.js";

const MAX_REDIRECTS = 10;

type AuthScheme = { kind: "none" } | { kind: "basic" } | { kind: "bearer"; challenge: BearerChallenge };

export interface RequestInit {
  method: SendInit["method"];
  /** A path below the endpoint (/v2/...) or an absolute URL the registry gave (upload locations). */
  path: string | URL;
  /** Token scopes this request needs, e.g. repository:library/busybox:pull. */
  scopes: readonly string[];
  headers?: Record<string, string>;
  body?: Buffer | Readable | null;
  signal?: AbortSignal | undefined;
}

export class RegistrySession {
  readonly host: string;
  readonly insecure: boolean;
  private base: URL | undefined;
  private auth: AuthScheme = { kind: "none" };
  private readonly tokens: TokenCache;

  constructor(
    private readonly transport: Transport,
    readonly domain: string,
    private readonly credentials: Credentials | undefined,
    options: RegistryOptions,
  ) {
    this.host = apiHost(domain);
    this.insecure = isInsecureRegistry(this.host, options);
    this.tokens = new TokenCache(transport, this.host, this.insecure, credentials);
  }

  get endpoint(): URL {
    if (!this.base) throw new SystemError("RegistrySession used before ping()");
    return this.base;
  }

  /**
   * GET /v2/ over HTTPS, then over HTTP when the registry is insecure and HTTPS failed, as Docker
   * does. Learns the authentication scheme from the answer.
   */
  async ping(signal?: AbortSignal): Promise<void> {
    if (this.base) return;
    const schemes = this.insecure ? ["https:", "http:"] : ["https:"];
    let lastError: unknown;
    for (const scheme of schemes) {
      const url = new URL(`${scheme}//${this.host}/v2/`);
      let res: HttpResponse;
      try {
        res = await this.transport.send(url, { method: "GET", signal });
      } catch (err) {
        if (isCertificateProblem(err)) throw err;
        lastError = err;
        continue;
      }
      await discard(res);
      if (res.status !== 200 && res.status !== 401) {
        lastError = new UnavailableError(
          `${goMethod("GET")} "${url.href}": unexpected status ${statusText(res.status)}: this is not a registry speaking the v2 API`,
        );
        continue;
      }
      this.base = new URL(`${scheme}//${this.host}`);
      if (res.status === 401) this.auth = authScheme(header(res, "www-authenticate"));
      return;
    }
    throw lastError;
  }

  /** Docker's login check: the credentials must get past /v2/ (basic) or earn a token (bearer). */
  async checkLogin(signal?: AbortSignal): Promise<void> {
    await this.ping(signal);
    const url = new URL("/v2/", this.endpoint);
    if (this.auth.kind === "bearer") {
      await this.tokens.token(this.auth.challenge, [], signal).catch((err: Error) => {
        throw new UnauthorizedError(`Get "${url.href}": ${err.message}`);
      });
      return;
    }
    const res = await this.request({ method: "GET", path: "/v2/", scopes: [], signal });
    await discard(res);
    if (res.status !== 200) throw new UnauthorizedError(`login attempt to ${url.href} failed with status: ${statusText(res.status)}`);
  }

  async request(init: RequestInit): Promise<HttpResponse> {
    await this.ping(init.signal);
    let url = typeof init.path === "string" ? new URL(init.path, this.endpoint) : init.path;
    const replayable = init.body === undefined || init.body === null || Buffer.isBuffer(init.body);
    let scopes = [...init.scopes];
    let retriedAuth = false;
    for (let hop = 0; ;) {
      const headers: Record<string, string> = { ...init.headers };
      if (url.origin === this.endpoint.origin) {
        const authorization = await this.authorization(scopes, init.signal);
        if (authorization) headers.authorization = authorization;
      }
      const res = await this.transport.send(url, { method: init.method, headers, body: init.body ?? null, signal: init.signal });
      if (res.status === 401 && replayable && !retriedAuth && url.origin === this.endpoint.origin) {
        // The challenge may name a scope we lacked (a cross-repository mount) or a new scheme.
        const challenge = header(res, "www-authenticate");
        const next = authScheme(challenge);
        if (next.kind !== "none") {
          await discard(res);
          this.auth = next;
          const wanted = challengeScope(challenge);
          if (wanted && !scopes.includes(wanted)) scopes = [...scopes, wanted];
          retriedAuth = true;
          continue;
        }
      }
      const location = header(res, "location");
      if ((init.method === "GET" || init.method === "HEAD") && res.status >= 300 && res.status < 400 && location) {
        await discard(res);
        if (++hop > MAX_REDIRECTS)
          throw new UnavailableError(`${goMethod(init.method)} "${url.href}": stopped after ${MAX_REDIRECTS} redirects`);
        url = new URL(location, url);
        if (url.protocol !== "https:" && url.protocol !== "http:") throw new InvalidArgumentError(`refusing redirect to ${url.href}`);
        continue;
      }
      return res;
    }
  }

  private async authorization(scopes: readonly string[], signal?: AbortSignal): Promise<string | undefined> {
    switch (this.auth.kind) {
      case "none":
        return undefined;
      case "basic":
        return this.credentials
          ? `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString("base64")}`
          : undefined;
      case "bearer":
        return `Bearer ${await this.tokens.token(this.auth.challenge, scopes, signal)}`;
    }
  }
}

function authScheme(header: string | undefined): AuthScheme {
  const challenges = parseWwwAuthenticate(header ?? "");
  const bearer = challenges.find((c) => c.scheme === "bearer" && c.params.realm);
  if (bearer) return { kind: "bearer", challenge: { realm: bearer.params.realm!, service: bearer.params.service } };
  if (challenges.some((c) => c.scheme === "basic")) return { kind: "basic" };
  return { kind: "none" };
}

function challengeScope(header: string | undefined): string | undefined {
  return parseWwwAuthenticate(header ?? "").find((c) => c.scheme === "bearer")?.params.scope;
}

export function repositoryScope(repository: string, actions: readonly string[]): string {
  return `repository:${repository}:${actions.join(",")}`;
}
