// berth serve's listeners: a unix socket (root's, mode 0660, as dockerd's) and TCP only where asked.
// One request handler serves plain requests and upgrades alike; every response carries dockerd's
// headers; a client that goes away aborts what its request was doing.
import * as fs from "node:fs";
import * as net from "node:net";
import * as http from "node:http";
import type { Duplex } from "node:stream";
import { spawnSync } from "node:child_process";
import type { Engine } from "../engine/engine.js";
import { InvalidArgumentError, SystemError } from "../errors.js";
import { standardHeaders, type ApiCall, type ApiLog, type ApiState } from "./api-context.js";
import { sendError, statusFor, writeRawError } from "./errors.js";
import { Router } from "./router.js";
import { layerRoutes } from "./routes/layer-routes.js";
import { socketAnswers } from "../engine/system/serve-socket.js";
import { ExecSessions } from "./exec-sessions.js";
import { PendingAttaches } from "./pending-attaches.js";
import { systemRoutes } from "./routes/system-routes.js";
import { containerRoutes } from "./routes/container-routes.js";
import { updateRoutes } from "./routes/update-route.js";
import { attachRoutes } from "./routes/attach-routes.js";
import { execRoutes } from "./routes/exec-routes.js";
import { imageRoutes } from "./routes/image-routes.js";
import { volumeRoutes } from "./routes/volume-routes.js";
import { networkRoutes } from "./routes/network-routes.js";
import { registryRoutes } from "./routes/registry-routes.js";
import { swarmRoutes } from "./routes/swarm-routes.js";
import { buildRoutes } from "./routes/build-routes.js";

export type ListenAddress = { kind: "unix"; path: string } | { kind: "tcp"; host: string; port: number };

export const DEFAULT_SOCKET = "unix:///run/berth/berth.sock";

/** -H values: unix:///path (or a bare /path), tcp://HOST:PORT. */
export function parseListenAddress(text: string): ListenAddress {
  if (text.startsWith("/")) return { kind: "unix", path: text };
  const unix = /^unix:\/\/(\/.+)$/.exec(text);
  if (unix) return { kind: "unix", path: unix[1]! };
  const tcp = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[^:/]+):(\d+)\/?$/.exec(text);
  if (tcp) {
    const port = Number(tcp[2]);
    if (port > 65535) throw new InvalidArgumentError(`invalid port in ${text}`); // 0: the kernel picks one (tests)
    return { kind: "tcp", host: tcp[1]!.replace(/^\[|\]$/g, ""), port };
  }
  throw new InvalidArgumentError(`invalid bind address format: ${text}`);
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

export interface ApiServer {
  readonly state: ApiState;
  /** Where each listener ended up (a TCP port of 0 becomes the one the kernel gave). */
  readonly addresses: readonly string[];
  /** Stops accepting, ends open connections after `graceMs`, removes the unix sockets. */
  close(opts?: { graceMs?: number }): Promise<void>;
}

/** The API's request handling, apart from any listener: `berth serve` and the web view (under /api) share it. */
export interface ApiHandler {
  readonly state: ApiState;
  /** Answers a request, or takes over an upgraded connection; never throws, never rejects. */
  dispatch(req: http.IncomingMessage, res: http.ServerResponse | undefined, upgrade: { socket: Duplex; head: Buffer } | undefined): void;
}

export function apiRouter(): Router {
  return new Router().add([
    ...systemRoutes,
    ...attachRoutes,
    ...execRoutes,
    ...containerRoutes,
    ...updateRoutes,
    ...imageRoutes,
    ...layerRoutes,
    ...registryRoutes,
    ...volumeRoutes,
    ...networkRoutes,
    ...swarmRoutes,
    ...buildRoutes,
  ]);
}

/** No handler may ever take the server down: a failure becomes an error response. */
export function createApiHandler(engine: Engine, log: ApiLog): ApiHandler {
  const state: ApiState = { engine, log, execs: new ExecSessions(), attaches: new PendingAttaches() };
  const router = apiRouter();
  const dispatch = (
    req: http.IncomingMessage,
    res: http.ServerResponse | undefined,
    upgrade: { socket: Duplex; head: Buffer } | undefined,
  ): void => {
    const started = Date.now();
    const controller = new AbortController();
    const socket = upgrade?.socket ?? req.socket;
    const onClose = (): void => {
      if (!res || !res.writableFinished) controller.abort();
    };
    if (res) res.once("close", onClose);
    else socket.once("close", onClose);
    const fail = (err: unknown): void => {
      if (res) sendError(res, err, log.error);
      else if (!socket.destroyed) writeRawError(socket, err, standardHeaders());
    };
    let path: string;
    let query: URLSearchParams;
    try {
      const url = new URL(req.url ?? "/", "http://berth");
      path = url.pathname;
      query = url.searchParams;
    } catch {
      fail(new InvalidArgumentError(`invalid request URL: ${req.url}`));
      return;
    }
    const logDone = (): void => log.debug(`${req.method} ${req.url} → ${res?.statusCode ?? "upgraded"} (${Date.now() - started} ms)`);
    res?.once("finish", logDone);
    let call: ApiCall;
    try {
      const match = router.match(req.method ?? "GET", path);
      if (upgrade && !match.route.hijack) throw new InvalidArgumentError(`${req.method} ${path} cannot be upgraded`);
      call = { api: state, req, res, upgrade, params: match.params, query, version: match.version, signal: controller.signal };
      match.route.handler(call).catch((err: unknown) => {
        if (statusFor(err) >= 500) log.warn(`${req.method} ${req.url}: ${err instanceof Error ? err.message : String(err)}`);
        fail(err);
      });
    } catch (err) {
      fail(err);
    }
  };
  return { state, dispatch };
}

/** Only clients that can reach the socket are trusted. */
export async function startApiServer(
  engine: Engine,
  opts: { hosts: readonly ListenAddress[]; log: ApiLog; handler?: ApiHandler },
): Promise<ApiServer> {
  const { state, dispatch } = opts.handler ?? createApiHandler(engine, opts.log);
  const servers: http.Server[] = [];
  const sockets = new Set<Duplex>();
  const addresses: string[] = [];
  const unixPaths: string[] = [];

  for (const host of opts.hosts) {
    // No request timeout: an import or a PUT archive may upload for longer than Node's default 300 s.
    const server = http.createServer({ requestTimeout: 0, headersTimeout: 60_000 });
    server.on("request", (req, res) => {
      for (const [k, v] of Object.entries(standardHeaders())) res.setHeader(k, v);
      dispatch(req, res, undefined);
    });
    server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      // Nothing may read the client's bytes (early stdin) before the route wants them.
      socket.pause();
      dispatch(req, undefined, { socket, head });
    });
    server.on("connection", (socket: net.Socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    });
    server.on("clientError", (err, socket) => {
      if (!socket.writable) return socket.destroy();
      const status = (err as { code?: string }).code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : "400 Bad Request";
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    });
    if (host.kind === "unix") {
      await listenUnix(server, host.path);
      unixPaths.push(host.path);
      addresses.push(`unix://${host.path}`);
    } else {
      addresses.push(`tcp://${await listenTcp(server, host.host, host.port)}`);
      if (!isLoopback(host.host)) {
        opts.log.warn(
          `Binding to IP address without --tlsverify is insecure and gives root access on this machine to everyone who has access to your network. host="tcp://${host.host}:${host.port}"`,
        );
      }
    }
    servers.push(server);
  }

  return {
    state,
    addresses,
    close: async ({ graceMs = 2_000 } = {}) => {
      const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
      for (const s of servers) s.closeIdleConnections();
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      await Promise.all(closed);
      clearTimeout(timer);
      for (const path of unixPaths) fs.rmSync(path, { force: true });
    },
  };
}

/** Listens on HOST:PORT (0: the kernel picks); resolves to where it ended up, `HOST:PORT` or `[V6]:PORT`. */
export async function listenTcp(server: http.Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.removeListener("error", reject);
      resolve();
    });
  });
  const bound = server.address() as net.AddressInfo;
  return `${bound.family === "IPv6" ? `[${bound.address}]` : bound.address}:${bound.port}`;
}

/**
 * Listens on a unix socket: a stale socket file (nobody accepts on it) is replaced, a live one is
 * an error. The socket is made root's and mode 0660 (group `docker` when that group exists, as
 * dockerd does), before any client can connect: it is created under a umask of 0o117.
 */
async function listenUnix(server: http.Server, path: string): Promise<void> {
  fs.mkdirSync(dirnameOf(path), { recursive: true, mode: 0o755 });
  if (fs.existsSync(path)) {
    if (!fs.lstatSync(path).isSocket()) throw new SystemError(`cannot listen on ${path}: it exists and is not a socket`);
    if (await socketAnswers(path)) throw new SystemError(`cannot listen on ${path}: another daemon is listening on it`);
    fs.rmSync(path);
  }
  const oldMask = process.umask(0o117);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => {
        server.removeListener("error", reject);
        resolve();
      });
    });
  } finally {
    process.umask(oldMask);
  }
  fs.chmodSync(path, 0o660);
  fs.chownSync(path, 0, dockerGroup());
}

function dirnameOf(path: string): string {
  return path.replace(/\/[^/]*$/, "") || "/";
}

function dockerGroup(): number {
  const found = spawnSync("getent", ["group", "docker"]);
  const gid = Number(found.stdout?.toString().split(":")[2]);
  return found.status === 0 && Number.isInteger(gid) ? gid : 0;
}
