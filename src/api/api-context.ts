// What every route handler gets: the engine, the server's shared state (exec sessions, attaches
// waiting for a start), and the request, already split into path parameters, query and version.
import { SystemError } from "../errors.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Engine } from "../engine/engine.js";
import type { ExecSessions } from "./exec-sessions.js";
import type { PendingAttaches } from "./pending-attaches.js";
import { SERVER_VERSION } from "../version.js";

export interface ApiLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ApiState {
  readonly engine: Engine;
  readonly log: ApiLog;
  readonly execs: ExecSessions;
  readonly attaches: PendingAttaches;
}

export interface ApiCall {
  readonly api: ApiState;
  readonly req: IncomingMessage;
  /** Absent when the client asked to upgrade: the socket is the route's (see hijack.ts). */
  readonly res: ServerResponse | undefined;
  readonly upgrade: { socket: Duplex; head: Buffer } | undefined;
  /** The route's captures, percent-decoded: the container ID or name, the image name… */
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  /** The API version of the request (its /vX.Y prefix, or the newest). */
  readonly version: number;
  /** Aborted when the client goes away before the response is complete. */
  readonly signal: AbortSignal;
}

/** The headers dockerd puts on every response. */
export function standardHeaders(): Record<string, string> {
  return { "Api-Version": API_VERSION, "Docker-Experimental": "false", Ostype: "linux", Server: `Berth/${SERVER_VERSION} (linux)` };
}

/** The version berth advertises (DOCKER-API.md §1: the CLI then talks /v1.41). */
export const API_VERSION = "1.41";
export const MIN_API_VERSION = "1.24";
/** The newest prefix accepted: clients that do not negotiate (docker-py 7 defaults to 1.44). */
export const MAX_ACCEPTED_VERSION = "1.50";
export { SERVER_VERSION };

export function response(call: ApiCall): ServerResponse {
  if (!call.res) throw new SystemError("this route cannot answer an upgrade request");
  return call.res;
}

export function sendJson(call: ApiCall, status: number, value: unknown): void {
  const body = JSON.stringify(value) + "\n";
  response(call)
    .writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) })
    .end(body);
}

export function sendEmpty(call: ApiCall, status: number): void {
  response(call).writeHead(status, { "Content-Length": 0 }).end();
}
