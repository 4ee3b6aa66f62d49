// HTTP to registries through undici: one connection pool per registry host with that host's CA
// from certs.d, network failures worded as Docker words them (Go's net/http), and bodies read with
// a size cap so that a hostile server cannot make berth buffer without end.
import * as fs from "node:fs";
import * as tls from "node:tls";
import type { Readable } from "node:stream";
import { Agent, request, type Dispatcher } from "undici";
import { UnavailableError, InvalidArgumentError } from "../errors.js";
import { isLoopback, type RegistryOptions } from "./registry-options.js";

export type Headers = Record<string, string>;

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable & { dump(opts?: { limit: number }): Promise<void> };
  url: URL;
}

export interface SendInit {
  method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
  headers?: Headers;
  body?: Buffer | Readable | null;
  signal?: AbortSignal | undefined;
  /** Also trust this registry's CA (for its token service). */
  trustFrom?: string;
}

export class Transport {
  private readonly agents = new Map<string, Agent>();

  constructor(readonly options: RegistryOptions) {}

  /**
   * A pool for `host[:port]`: TLS trusts the system CAs plus the certs.d entries of the host and of
   * `trustFrom` (a registry's token service is trusted with the registry's CA), and presents the
   * host's client.cert/key.
   */
  private agentFor(hostPort: string, trustFrom: string): Agent {
    const key = `${hostPort} ${trustFrom}`;
    let agent = this.agents.get(key);
    if (agent) return agent;
    const connect: { timeout: number; ca?: string[]; cert?: Buffer; key?: Buffer } = { timeout: 30_000 };
    const cas = [...new Set([hostPort, trustFrom])].flatMap((h) =>
      this.certFiles(h)
        .filter((f) => f.endsWith(".crt"))
        .map((f) => fs.readFileSync(f, "utf8")),
    );
    if (cas.length) connect.ca = [...tls.rootCertificates, ...cas];
    const files = this.certFiles(hostPort);
    const cert = files.find((f) => f.endsWith(".cert"));
    if (cert) {
      const keyFile = `${cert.slice(0, -".cert".length)}.key`;
      if (!files.includes(keyFile)) throw new InvalidArgumentError(`missing key ${keyFile} for client certificate ${cert}`);
      connect.cert = fs.readFileSync(cert);
      connect.key = fs.readFileSync(keyFile);
    }
    agent = new Agent({ connect, connections: 8, headersTimeout: 60_000, bodyTimeout: 120_000, keepAliveTimeout: 10_000 });
    this.agents.set(key, agent);
    return agent;
  }

  /** Paths in <certsDir>/<host[:port]>/, as Docker's certs.d holds them. */
  private certFiles(hostPort: string): string[] {
    const dir = `${this.options.certsDir}/${hostPort}`;
    try {
      return fs.readdirSync(dir).map((f) => `${dir}/${f}`);
    } catch {
      return [];
    }
  }

  async send(url: URL, init: SendInit): Promise<HttpResponse> {
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (this.options.loopbackOnly && !isLoopback(host) && host !== "localhost") {
      throw new UnavailableError(`${goMethod(init.method)} "${url.href}": refused: this berth may reach loopback registries only`);
    }
    try {
      const res = await request(url, {
        method: init.method,
        headers: { "user-agent": USER_AGENT, ...init.headers },
        body: init.body ?? null,
        dispatcher: this.agentFor(url.host, init.trustFrom ?? url.host) as Dispatcher,
        ...(init.signal ? { signal: init.signal } : {}),
      });
      return { status: res.statusCode, headers: res.headers, body: res.body as unknown as HttpResponse["body"], url };
    } catch (err) {
      throw networkError(init.method, url, err);
    }
  }

  /** Drops every connection at once, idle or not. */
  async destroy(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map((a) => a.destroy().catch(() => undefined)));
  }
}

export const USER_AGENT = "berth/0.1 (linux)";

/** Go's `Get "https://host/v2/": dial tcp host:port: connect: connection refused`. */
export function networkError(method: string, url: URL, err: unknown): UnavailableError {
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const inner = e.cause ?? e;
  const code = inner.code ?? e.code ?? "";
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const addr = `${url.hostname.includes(":") ? `[${url.hostname}]` : url.hostname}:${port}`;
  let reason: string;
  if (code === "ECONNREFUSED") reason = `dial tcp ${addr}: connect: connection refused`;
  else if (code === "ENOTFOUND" || code === "EAI_AGAIN") reason = `dial tcp: lookup ${url.hostname}: no such host`;
  else if (code === "ETIMEDOUT" || code === "UND_ERR_CONNECT_TIMEOUT") reason = `dial tcp ${addr}: i/o timeout`;
  else if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") reason = `read tcp ${addr}: connection reset by peer`;
  else if (/wrong version number|packet length too long|EPROTO/i.test(`${code} ${inner.message}`))
    reason = "http: server gave HTTP response to HTTPS client";
  else if (/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT|CERT_UNTRUSTED/.test(code))
    reason = "tls: failed to verify certificate: x509: certificate signed by unknown authority";
  else if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
    reason = `tls: failed to verify certificate: x509: certificate is valid for other names, not ${url.hostname}`;
  else if (code === "CERT_HAS_EXPIRED") reason = "tls: failed to verify certificate: x509: certificate has expired or is not yet valid";
  else if (code === "UND_ERR_ABORTED" || e.name === "AbortError") reason = "context canceled";
  else reason = inner.message || String(err);
  const error = new UnavailableError(`${goMethod(method)} "${url.href}": ${reason}`, { cause: err });
  return Object.assign(error, { certificateProblem: reason.startsWith("tls: failed to verify certificate") });
}

/** The server speaks TLS but its certificate is not trusted: falling back to HTTP would not help. */
export function isCertificateProblem(err: unknown): boolean {
  return Boolean((err as { certificateProblem?: boolean }).certificateProblem);
}

export function goMethod(method: string): string {
  return method.charAt(0) + method.slice(1).toLowerCase();
}

/** The whole body, refusing more than `limit` bytes (CVE-2020-1702). */
export async function readLimited(res: HttpResponse, limit: number, what: string): Promise<Buffer> {
  const declared = Number(header(res, "content-length") ?? NaN);
  if (declared > limit) {
    res.body.destroy();
    throw new InvalidArgumentError(`${what} is larger than ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      res.body.destroy();
      throw new InvalidArgumentError(`${what} is larger than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Discards a body we do not need, so its connection returns to the pool. */
export async function discard(res: HttpResponse): Promise<void> {
  await res.body.dump({ limit: 1 << 20 }).catch(() => undefined);
}

export function header(res: HttpResponse, name: string): string | undefined {
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
