// Real registries for tests: Debian's docker-registry (CNCF Distribution 2.8) on a free loopback
// port, in plain HTTP, TLS with a test CA, htpasswd Basic auth, or token auth with a token issuer
// written here in Node. Each registry gets its own temp dir; processes and dirs go away in stop()
// and, as a backstop, when the test process exits.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as os from "node:os";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { httpRequest } from "./registry-fixtures.js";

export type RegistryMode = "http" | "tls" | "basic" | "token";

export interface StartRegistryOptions {
  mode: RegistryMode;
  /** basic and token modes: serve HTTPS (and, for token, the token endpoint too). "tls" implies it. */
  tls?: boolean;
  /** basic and token modes. Defaults: "tester" / "t3st-passw0rd". */
  username?: string;
  password?: string;
  /** token mode: may a request without credentials get a pull token? Default true. */
  anonymousPull?: boolean;
  /** token mode: `expires_in` and the JWT lifetime. Default 300. */
  tokenTtlSeconds?: number;
  /**
   * token mode: where the realm lives. "separate-port" (default): the issuer on its own loopback
   * port. "same-origin": a Node front on the registry's own host:port serves /token and proxies
   * everything else to the registry, for clients that (per SECURITY-NOTES (d).5) refuse a loopback
   * realm that is not the registry's own host:port.
   */
  tokenRealm?: "separate-port" | "same-origin";
}

/** One request to the token issuer, for tests to assert scopes. */
export interface TokenRequest {
  method: string;
  url: string;
  service: string | undefined;
  /** Every scope asked for, one entry per scope (`repository:NAME:pull,push`). */
  scopes: string[];
  /** The user name when valid credentials came along. */
  account: string | undefined;
  /** "anonymous", "valid" credentials, or "invalid" credentials (answered 401). */
  credentials: "anonymous" | "valid" | "invalid";
  /** What the token grants. */
  granted: ResourceAccess[];
}

export interface ResourceAccess {
  type: string;
  name: string;
  actions: string[];
}

export interface RegistryHandle {
  mode: RegistryMode;
  /** "127.0.0.1:PORT", what an image reference starts with. */
  host: string;
  /** "http://127.0.0.1:PORT" or "https://…". */
  url: string;
  /** This registry's temp dir (storage, config, log, certs). */
  dir: string;
  /** TLS: Docker-style certs.d dir, holding `<certsDir>/127.0.0.1:PORT/ca.crt`. */
  certsDir?: string;
  /** TLS: the test CA's certificate (PEM); shared by all registries of the process, removed at exit. */
  caPath?: string;
  username?: string;
  password?: string;
  /** basic and token: a Docker config.json with the credentials (its dir works as DOCKER_CONFIG). */
  authFile?: string;
  /** token: the realm: http(s)://127.0.0.1:OTHERPORT/token, or `${url}/token` when same-origin. */
  tokenRealm?: string;
  /** token: the service name the registry expects as audience. */
  tokenService?: string;
  /** token: every request the issuer saw, in order. */
  tokenRequests: TokenRequest[];
  /** The registry's stdout+stderr: the access log (combined log format) and its own logs. */
  logPath: string;
  stop(): Promise<void>;
}

const DEFAULT_USER = "tester";
const DEFAULT_PASSWORD = "t3st-passw0rd";
const TOKEN_ISSUER = "berth-test-issuer";
const TOKEN_SERVICE = "berth-test-registry";

// ---------------------------------------------------------------------------------------------
// Process-exit backstop: kill what is still running and remove temp dirs, even if a test threw.

const live = new Set<{ child?: ChildProcess; dir: string; servers: net.Server[] }>();
let exitHookInstalled = false;

function track(entry: { child?: ChildProcess; dir: string; servers: net.Server[] }): void {
  live.add(entry);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Death by signal skips "exit" handlers: clean up, then die of the same signal as before.
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      cleanupAll();
      process.kill(process.pid, sig);
    });
  }
  process.on("exit", cleanupAll);
}

function cleanupAll(): void {
  for (const e of live) {
    if (e.child?.pid && e.child.exitCode === null) {
      try {
        process.kill(e.child.pid, "SIGKILL");
      } catch {
        /* gone already */
      }
    }
    fs.rmSync(e.dir, { recursive: true, force: true });
  }
  live.clear();
  if (pki) fs.rmSync(pki.dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// PKI, made once per test process by openssl: EC P-256 keys generate in milliseconds. The server
// cert names IP:127.0.0.1 and DNS:localhost, not a port, so every registry can share it.

interface Pki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** Self-signed; the registry's token `rootcertbundle`. */
  signingCert: string;
  signingKey: string;
}

let pki: Pki | undefined;

function openssl(args: string[], cwd: string): void {
  const r = spawnSync("openssl", args, { cwd });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr?.toString() ?? r.error}`);
}

function getPki(): Pki {
  if (pki) return pki;
  const dir = fs.mkdtempSync(`${os.tmpdir()}/berth-test-pki-`);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(
    [
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      "3650",
      "-subj",
      "/CN=berth test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  openssl(["req", "-new", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"], dir);
  fs.writeFileSync(
    `${dir}/server.ext`,
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
  );
  openssl(
    [
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-set_serial",
      "0x" + crypto.randomBytes(8).toString("hex"),
      "-days",
      "3650",
      "-extfile",
      "server.ext",
      "-out",
      "server.crt",
    ],
    dir,
  );
  // The token signer: self-signed, and itself the registry's rootcertbundle (see signToken).
  openssl(
    ["req", "-x509", ...ec, "-keyout", "signing.key", "-out", "signing.crt", "-days", "3650", "-subj", "/CN=berth test token signer"],
    dir,
  );
  pki = {
    dir,
    caCert: `${dir}/ca.crt`,
    serverCert: `${dir}/server.crt`,
    serverKey: `${dir}/server.key`,
    signingCert: `${dir}/signing.crt`,
    signingKey: `${dir}/signing.key`,
  };
  return pki;
}

// ---------------------------------------------------------------------------------------------
// Token issuer

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

/**
 * A JWT that Distribution 2.8 accepts (registry/auth/token/token.go): `aud` a single string equal
 * to the service, `iss` the configured issuer, exp/nbf as integers (60 s leeway), and a header
 * `x5c` whose first cert chains to the rootcertbundle. A self-signed cert that IS the bundle
 * verifies (Go's x509 returns the one-element chain when the leaf is itself a root). ES256
 * signatures must be raw r||s (JOSE), not DER: hence dsaEncoding "ieee-p1363".
 */
function signToken(p: Pki, claims: { sub: string; access: ResourceAccess[]; ttl: number }): string {
  const der = new crypto.X509Certificate(fs.readFileSync(p.signingCert)).raw;
  const header = { typ: "JWT", alg: "ES256", x5c: [der.toString("base64")] };
  const now = Math.floor(Date.now() / 1000);
  const body = {
    iss: TOKEN_ISSUER,
    sub: claims.sub,
    aud: TOKEN_SERVICE,
    exp: now + claims.ttl,
    nbf: now - 1,
    iat: now,
    jti: crypto.randomUUID(),
    access: claims.access,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(body))}`;
  const sig = crypto.sign("sha256", Buffer.from(input), { key: fs.readFileSync(p.signingKey), dsaEncoding: "ieee-p1363" });
  return `${input}.${b64url(sig)}`;
}

/** `repository:NAME:pull,push` → { type, name, actions }. The name may not hold ':', the type may. */
export function parseScope(scope: string): ResourceAccess | undefined {
  const first = scope.indexOf(":");
  const last = scope.lastIndexOf(":");
  if (first < 0 || last === first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(",")
      .filter(Boolean),
  };
}

function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, "base64").toString();
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

interface IssuerConfig {
  username: string;
  password: string;
  anonymousPull: boolean;
  ttl: number;
  log: TokenRequest[];
}

/**
 * GET /token?service=&scope=… (scope repeated or space-separated), Basic credentials optional;
 * also POST /token with an OAuth2 password grant form, as some clients try that first.
 */
function tokenHandler(cfg: IssuerConfig) {
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname !== "/token") return void res.writeHead(404).end();
    let params = url.searchParams;
    let creds = basicCredentials(req.headers.authorization);
    if (req.method === "POST") {
      params = new URLSearchParams(await readBody(req));
      if (params.get("grant_type") === "password") creds = { user: params.get("username") ?? "", password: params.get("password") ?? "" };
    }
    const scopes = params
      .getAll("scope")
      .flatMap((s) => s.split(" "))
      .filter(Boolean);
    const credentials = !creds ? "anonymous" : creds.user === cfg.username && creds.password === cfg.password ? "valid" : "invalid";
    const record: TokenRequest = {
      method: req.method ?? "",
      url: req.url ?? "",
      service: params.get("service") ?? undefined,
      scopes,
      account: credentials === "valid" ? creds!.user : undefined,
      credentials,
      granted: [],
    };
    cfg.log.push(record);
    if (credentials === "invalid") {
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ details: "invalid username or password" }));
      return;
    }
    record.granted = grant(scopes, credentials === "valid", cfg.anonymousPull);
    const token = signToken(getPki(), { sub: record.account ?? "", access: record.granted, ttl: cfg.ttl });
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ token, access_token: token, expires_in: cfg.ttl, issued_at: new Date().toISOString() }));
  };
}

/** Valid credentials get what they ask for; anonymous gets at most `pull`, and only if allowed. */
function grant(scopes: string[], authenticated: boolean, anonymousPull: boolean): ResourceAccess[] {
  const out: ResourceAccess[] = [];
  for (const s of scopes) {
    const access = parseScope(s);
    if (!access) continue;
    const actions = authenticated ? access.actions : anonymousPull ? access.actions.filter((a) => a === "pull") : [];
    if (actions.length) out.push({ ...access, actions });
  }
  return out;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString()));
    req.on("error", reject);
  });
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    (server as http.Server).closeAllConnections?.();
    server.close(() => resolve());
  });
}

// ---------------------------------------------------------------------------------------------
// The registry process

/** A port that was free a moment ago. The registry binds it later, so startRegistry retries on a clash. */
async function freePort(): Promise<number> {
  const s = net.createServer();
  const port = await listen(s);
  await closeServer(s);
  return port;
}

function htpasswdLine(user: string, password: string): string {
  const r = spawnSync("htpasswd", ["-Bbn", user, password]);
  if (r.status !== 0) throw new Error(`htpasswd failed (is apache2-utils installed?): ${r.stderr?.toString() ?? r.error}`);
  return r.stdout.toString().trim() + "\n";
}

/** Distribution reads YAML, and JSON is YAML: no YAML writer needed. */
function registryConfig(dir: string, port: number, tls: boolean, auth: Record<string, unknown> | undefined): string {
  const p = tls ? getPki() : undefined;
  const config = {
    version: "0.1",
    log: { level: "info", formatter: "text", accesslog: { disabled: false } },
    storage: {
      filesystem: { rootdirectory: `${dir}/storage` },
      delete: { enabled: true },
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: {
      addr: `127.0.0.1:${port}`,
      secret: crypto.randomBytes(16).toString("hex"),
      headers: { "X-Content-Type-Options": ["nosniff"] },
      ...(p ? { tls: { certificate: p.serverCert, key: p.serverKey } } : {}),
    },
    ...(auth ? { auth } : {}),
  };
  const path = `${dir}/config-${port}.yml`;
  fs.writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

async function waitReady(url: string, child: ChildProcess, ca: Buffer | undefined, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const res = await httpRequest(`${url}/v2/`, ca ? { ca } : {});
      if (res.status === 200 || res.status === 401) return true;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 40));
  }
  throw new Error(`registry at ${url} did not answer /v2/ within ${timeoutMs} ms`);
}

async function launch(
  dir: string,
  logPath: string,
  tls: boolean,
  auth: Record<string, unknown> | undefined,
): Promise<{ child: ChildProcess; port: number }> {
  const ca = tls ? fs.readFileSync(getPki().caCert) : undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const config = registryConfig(dir, port, tls, auth);
    const log = fs.openSync(logPath, "a");
    // A clean environment: REGISTRY_* variables would override the config file.
    const child = spawn("docker-registry", ["serve", config], {
      stdio: ["ignore", log, log],
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" },
    });
    fs.closeSync(log);
    const spawned = await new Promise<boolean>((resolve) => {
      child.once("spawn", () => resolve(true));
      child.once("error", () => resolve(false));
    });
    if (!spawned) throw new Error("cannot run docker-registry (is the docker-registry package installed?)");
    if (await waitReady(`${tls ? "https" : "http"}://127.0.0.1:${port}`, child, ca)) return { child, port };
    // Exited: most likely another process took the port in between; anything else is fatal.
    const text = fs.readFileSync(logPath, "utf8");
    if (!/address already in use/.test(text)) throw new Error(`docker-registry exited early:\n${text.slice(-2000)}`);
  }
  throw new Error("docker-registry: no free port after 5 attempts");
}

function writeAuthFile(dir: string, host: string, user: string, password: string): string {
  fs.mkdirSync(`${dir}/docker-config`, { mode: 0o700 });
  const path = `${dir}/docker-config/config.json`;
  const auth = Buffer.from(`${user}:${password}`).toString("base64");
  fs.writeFileSync(path, JSON.stringify({ auths: { [host]: { auth } } }, null, 2) + "\n", { mode: 0o600 });
  return path;
}

function writeCertsDir(dir: string, host: string): string {
  const certsDir = `${dir}/certs.d`;
  fs.mkdirSync(`${certsDir}/${host}`, { recursive: true });
  fs.copyFileSync(getPki().caCert, `${certsDir}/${host}/ca.crt`);
  return certsDir;
}

export async function startRegistry(opts: StartRegistryOptions): Promise<RegistryHandle> {
  const { mode } = opts;
  const tls = mode === "tls" || opts.tls === true;
  const dir = fs.mkdtempSync(`${os.tmpdir()}/berth-registry-`);
  const entry: { child?: ChildProcess; dir: string; servers: net.Server[] } = { dir, servers: [] };
  track(entry);
  const stop = async () => {
    live.delete(entry);
    await Promise.all(entry.servers.map(closeServer));
    await killChild(entry.child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    return await startIn(dir, entry, opts, tls, stop);
  } catch (err) {
    await stop();
    throw err;
  }
}

async function startIn(
  dir: string,
  entry: { child?: ChildProcess; servers: net.Server[] },
  opts: StartRegistryOptions,
  tls: boolean,
  stop: () => Promise<void>,
): Promise<RegistryHandle> {
  const { mode } = opts;
  const username = opts.username ?? DEFAULT_USER;
  const password = opts.password ?? DEFAULT_PASSWORD;
  const withCreds = mode === "basic" || mode === "token";
  const logPath = `${dir}/registry.log`;
  const tokenRequests: TokenRequest[] = [];
  let tokenRealm: string | undefined;

  // same-origin: the registry itself runs plain HTTP behind the Node front, which holds the
  // public port (and TLS, if any).
  const front = mode === "token" && opts.tokenRealm === "same-origin";
  let backendPort = 0;
  let frontPort: number | undefined;

  if (mode === "basic") fs.writeFileSync(`${dir}/htpasswd`, htpasswdLine(username, password));
  if (mode === "token") {
    // The issuer speaks TLS when the registry does, so a client that insists on an https realm
    // for a TLS registry is satisfied.
    const issue = tokenHandler({
      username,
      password,
      anonymousPull: opts.anonymousPull ?? true,
      ttl: opts.tokenTtlSeconds ?? 300,
      log: tokenRequests,
    });
    const handler = front
      ? frontHandler(issue, () => backendPort, tls)
      : (q: http.IncomingMessage, s: http.ServerResponse) => void issue(q, s);
    const p = tls ? getPki() : undefined;
    const server = p
      ? https.createServer({ cert: fs.readFileSync(p.serverCert), key: fs.readFileSync(p.serverKey) }, handler)
      : http.createServer(handler);
    entry.servers.push(server);
    const port = await listen(server);
    if (front) frontPort = port;
    tokenRealm = `${tls ? "https" : "http"}://127.0.0.1:${port}/token`;
  }
  const auth =
    mode === "basic"
      ? { htpasswd: { realm: "berth-test", path: `${dir}/htpasswd` } }
      : mode === "token"
        ? { token: { realm: tokenRealm, service: TOKEN_SERVICE, issuer: TOKEN_ISSUER, rootcertbundle: getPki().signingCert } }
        : undefined;

  const { child, port } = await launch(dir, logPath, tls && !front, auth);
  entry.child = child;
  backendPort = port;
  const host = `127.0.0.1:${frontPort ?? port}`;
  return {
    mode,
    host,
    url: `${tls ? "https" : "http"}://${host}`,
    dir,
    ...(tls ? { certsDir: writeCertsDir(dir, host), caPath: getPki().caCert } : {}),
    ...(withCreds ? { username, password, authFile: writeAuthFile(dir, host, username, password) } : {}),
    ...(tokenRealm ? { tokenRealm, tokenService: TOKEN_SERVICE } : {}),
    tokenRequests,
    logPath,
    stop,
  };
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "upgrade"]);

/**
 * The same-origin front: /token to the issuer, anything else streamed to the registry. Host goes
 * through unchanged and X-Forwarded-Proto tells the scheme, so the registry's Location headers
 * and challenge name the front's origin (Distribution builds them from the request).
 */
function frontHandler(issue: (q: http.IncomingMessage, s: http.ServerResponse) => Promise<void>, backendPort: () => number, tls: boolean) {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (new URL(req.url ?? "/", "http://x").pathname === "/token") return void issue(req, res);
    const headers: http.OutgoingHttpHeaders = { "x-forwarded-proto": tls ? "https" : "http" };
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
    const upstream = http.request(
      { host: "127.0.0.1", port: backendPort(), method: req.method, path: req.url, headers, agent: false },
      (up) => {
        const out: string[] = [];
        for (let i = 0; i + 1 < up.rawHeaders.length; i += 2) {
          if (!HOP_BY_HOP.has(up.rawHeaders[i]!.toLowerCase())) out.push(up.rawHeaders[i]!, up.rawHeaders[i + 1]!);
        }
        res.writeHead(up.statusCode ?? 502, out);
        up.pipe(res);
      },
    );
    upstream.on("error", () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(upstream);
  };
}

function killChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL"); // nothing to flush: storage is only what the test pushed
  });
}

// ---------------------------------------------------------------------------------------------
// Access log

export interface AccessLogEntry {
  remote: string;
  user: string;
  method: string;
  /** Path and query, as sent. */
  url: string;
  status: number;
  size: number;
  userAgent: string;
}

// Distribution 2.8 wraps its handler in gorilla/handlers.CombinedLoggingHandler(os.Stdout, …)
// (registry/registry.go): Apache combined format on stdout, whatever `log.formatter` says:
// 127.0.0.1 - - [27/Nov/2026:05:01:02 +0000] "GET /v2/ HTTP/1.1" 401 87 "" "Go-http-client/1.1"
const COMBINED = /^(\S+) \S+ (\S+) \[[^\]]+\] "(\S+) (\S+) [^"]*" (\d{3}) (\d+|-) "[^"]*" "([^"]*)"$/;

export function readAccessLog(handle: Pick<RegistryHandle, "logPath">): AccessLogEntry[] {
  const text = fs.existsSync(handle.logPath) ? fs.readFileSync(handle.logPath, "utf8") : "";
  const out: AccessLogEntry[] = [];
  for (const line of text.split("\n")) {
    const m = COMBINED.exec(line);
    if (!m) continue;
    out.push({
      remote: m[1]!,
      user: m[2]!,
      method: m[3]!,
      url: m[4]!,
      status: Number(m[5]),
      size: m[6] === "-" ? 0 : Number(m[6]),
      userAgent: m[7]!,
    });
  }
  return out;
}

/**
 * How many requests with `method` and a URL (path+query) matching `pathRegex` the registry logged.
 * The line is written after the handler returns, which can be a moment after the client saw the
 * response end, so this waits until the log stops growing (≥ 60 ms unchanged) before counting.
 */
export async function countRequests(
  handle: Pick<RegistryHandle, "logPath">,
  method: string,
  pathRegex: RegExp,
  opts: { status?: number } = {},
): Promise<number> {
  await logSettled(handle.logPath);
  return readAccessLog(handle).filter(
    (e) => e.method === method && pathRegex.test(e.url) && (opts.status === undefined || e.status === opts.status),
  ).length;
}

async function logSettled(path: string, quietMs = 60, maxMs = 2000): Promise<void> {
  const size = () => (fs.existsSync(path) ? fs.statSync(path).size : 0);
  const deadline = Date.now() + maxMs;
  let last = size();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, quietMs));
    const now = size();
    if (now === last) return;
    last = now;
  }
}
