// The web view's listener: the page's files (dist/ui, built by scripts/bundle.mjs) and, under
// /api/, the Docker Engine API's own handler, so that every button of the page is one of the
// engine's use cases. Loopback only, behind the checks of ui-access.ts.
import * as fs from "node:fs";
import * as http from "node:http";
import type * as net from "node:net";
import type { Duplex } from "node:stream";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SystemError } from "../errors.js";
import { listenTcp, type ApiHandler } from "../api/server.js";
import { standardHeaders, type ApiLog } from "../api/api-context.js";
import { cookieName, refusal, type UiAddress } from "./ui-access.js";

export interface UiServer {
  /** The address to open: it carries the token, once. */
  readonly url: string;
  /** Where the listener ended up (a port of 0 becomes the kernel's). */
  readonly origin: string;
  close(opts?: { graceMs?: number }): Promise<void>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".map": "application/json",
};

/** The page runs its own script and talks to its own origin, and nothing else: no frame, no inline script. */
const PAGE_HEADERS = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};

/**
 * dist/ui of this checkout or package: this module runs from dist/src/ui/ (tsc's output) or from
 * dist/cli/ (the CLI's bundle); the package root is the first directory above with bin/berth.js.
 */
export function uiAssetsDir(): string {
  const from = dirname(fileURLToPath(import.meta.url));
  for (let dir = from; ; dir = dirname(dir)) {
    if (fs.existsSync(join(dir, "bin", "berth.js"))) return join(dir, "dist", "ui");
    if (dirname(dir) === dir) throw new SystemError(`cannot find the web view's files: no bin/berth.js above ${from}`);
  }
}

/** The page's files, read once: a fixed set of names, so no request path ever reaches the file system. */
function readAssets(dir: string): Map<string, { type: string; body: Buffer }> {
  if (!fs.existsSync(join(dir, "index.html"))) {
    throw new SystemError(`the web view's files are missing from ${dir}: run npm run build`);
  }
  const assets = new Map<string, { type: string; body: Buffer }>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const type = TYPES[/\.[a-z]+$/.exec(entry.name)?.[0] ?? ""];
    if (entry.isFile() && type) assets.set(`/${entry.name}`, { type, body: fs.readFileSync(join(dir, entry.name)) });
  }
  return assets;
}

export async function startUiServer(
  api: ApiHandler,
  opts: { address: UiAddress; token: string; log: ApiLog; assetsDir?: string },
): Promise<UiServer> {
  const assets = readAssets(opts.assetsDir ?? uiAssetsDir());
  const server = http.createServer({ requestTimeout: 0, headersTimeout: 60_000 });
  const sockets = new Set<net.Socket>();
  let port = opts.address.port;

  /** Refuses the request, trades its token for the cookie, hands it to the API, or serves a file. */
  const route = (req: http.IncomingMessage, res: http.ServerResponse | undefined, upgrade?: { socket: Duplex; head: Buffer }): void => {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://berth-ui");
    } catch {
      return refuse(res, upgrade, 400, "invalid request URL");
    }
    const queryToken = url.searchParams.get("token");
    const refused = refusal(req, { token: opts.token, port, queryToken });
    if (refused) {
      opts.log.debug(`web view: ${req.method} ${url.pathname} refused (${refused.status}): ${refused.message}`);
      return refuse(res, upgrade, refused.status, refused.message, url.pathname.startsWith("/api/"));
    }
    if (queryToken !== null) {
      // The token leaves the address bar (and the history) at once; the cookie stands for it from now on.
      if (!res) return refuse(res, upgrade, 400, "an upgrade cannot carry the token");
      res
        .writeHead(303, {
          ...PAGE_HEADERS,
          "Set-Cookie": `${cookieName(port)}=${opts.token}; HttpOnly; SameSite=Strict; Path=/`,
          Location: "/",
          "Content-Length": 0,
        })
        .end();
      return;
    }
    if (url.pathname.startsWith("/api/")) {
      req.url = req.url!.slice("/api".length);
      if (res) for (const [k, v] of Object.entries(standardHeaders())) res.setHeader(k, v);
      api.dispatch(req, res, upgrade);
      return;
    }
    const asset = assets.get(url.pathname === "/" ? "/index.html" : url.pathname);
    if (!res || !asset || (req.method !== "GET" && req.method !== "HEAD")) return refuse(res, upgrade, 404, "not found");
    res.writeHead(200, { ...PAGE_HEADERS, "Content-Type": asset.type, "Content-Length": asset.body.length });
    res.end(req.method === "HEAD" ? undefined : asset.body);
  };

  server.on("request", (req, res) => route(req, res));
  server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.pause();
    route(req, undefined, { socket, head });
  });
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("clientError", (_err, socket) => {
    if (!socket.writable) return socket.destroy();
    socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });
  const bound = await listenTcp(server, opts.address.host, opts.address.port);
  port = Number(bound.slice(bound.lastIndexOf(":") + 1));
  const origin = `http://${bound}`;
  return {
    url: `${origin}/?token=${opts.token}`,
    origin,
    close: async ({ graceMs = 2_000 } = {}) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // The page's event stream and followed logs never end by themselves.
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}

function refuse(
  res: http.ServerResponse | undefined,
  upgrade: { socket: Duplex } | undefined,
  status: number,
  message: string,
  json = false,
): void {
  if (!res) {
    upgrade?.socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    return;
  }
  const body = json
    ? JSON.stringify({ message }) + "\n"
    : `<!doctype html><meta charset="utf-8"><title>berth</title><h1>berth</h1><p>${escapeHtml(message)}.</p>\n`;
  res
    .writeHead(status, {
      ...PAGE_HEADERS,
      "Content-Type": json ? "application/json" : "text/html; charset=utf-8",
      "Content-Length": Buffer.byteLength(body),
    })
    .end(body);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
