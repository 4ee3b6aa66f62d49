// Who may use the web view. It listens on loopback only, and loopback is not enough: any page in
// the user's browser can send requests to 127.0.0.1, and a rebound DNS name can even read answers.
// So: a random token, printed by the command, is traded once for an HttpOnly, SameSite=Strict
// cookie; every request needs that cookie; the Host header must name a loopback host (a rebound
// name does not); a request that changes something must come from the page's own origin.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { InvalidArgumentError } from "../errors.js";
import { isLoopback } from "../api/server.js";

export { DEFAULT_UI_PORT };

import { DEFAULT_UI_PORT } from "./ui-port.js";

export interface UiAddress {
  host: string;
  port: number;
}

/** 32 random bytes, base64url: what the printed URL carries. */
export function newUiToken(): string {
  return randomBytes(32).toString("base64url");
}

/** `HOST:PORT`, `[::1]:PORT` or `HOST` (the default port); only loopback hosts are accepted. */
export function parseUiAddress(text: string): UiAddress {
  const found = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(text);
  if (!found) throw new InvalidArgumentError(`invalid address for the web view: ${text} (expected 127.0.0.1:PORT)`);
  const host = found[1] ?? found[2]!;
  const port = found[3] === undefined ? DEFAULT_UI_PORT : Number(found[3]);
  if (port > 65535) throw new InvalidArgumentError(`invalid port in ${text}`);
  if (!isLoopback(host)) {
    throw new InvalidArgumentError(
      `the web view listens on loopback only: ${host} is not a loopback address (use 127.0.0.1, ::1 or localhost)`,
    );
  }
  return { host, port };
}

/** The host part of a Host header (`127.0.0.1:7331`, `[::1]:7331`, `localhost`), or undefined. */
export function hostOfHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const found = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::\d+)?$/.exec(header);
  return found ? (found[1] ?? found[2]!).toLowerCase() : undefined;
}

/** Constant time whatever the lengths: both sides are hashed first. */
export function tokenMatches(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

export function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Cookies are not kept apart by port: two web views on one host must not overwrite each other's. */
export function cookieName(port: number): string {
  return `berth-ui-${port}`;
}

export type Refusal = { status: 401 | 403 | 421; message: string };

/**
 * Why a request is refused, or undefined when it may go on. A request with `?token=` is judged by
 * its token (the caller then sets the cookie); any other by its cookie.
 */
export function refusal(req: IncomingMessage, opts: { token: string; port: number; queryToken: string | null }): Refusal | undefined {
  const host = hostOfHeader(req.headers.host);
  if (host === undefined || !isLoopback(host)) {
    return { status: 421, message: `the web view answers only to a loopback host, not ${JSON.stringify(req.headers.host ?? "")}` };
  }
  const method = req.method ?? "GET";
  if (method !== "GET" && method !== "HEAD" && req.headers.origin !== `http://${req.headers.host}`) {
    return {
      status: 403,
      message: `a ${method} must come from the web view's own page (Origin ${JSON.stringify(req.headers.origin ?? "")})`,
    };
  }
  if (opts.queryToken !== null) {
    return tokenMatches(opts.queryToken, opts.token)
      ? undefined
      : { status: 401, message: "the token in the address is not this web view's" };
  }
  if (!tokenMatches(cookieValue(req, cookieName(opts.port)), opts.token)) {
    return { status: 401, message: "open the address that berth printed when it started the web view" };
  }
  return undefined;
}
