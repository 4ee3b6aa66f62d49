// The one place where failures become HTTP statuses and Docker's error bodies (moby
// api/server/httpstatus/status.go): {"message":"…"} with Content-Type exactly application/json.
import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { BerthError, resourceFault, type ErrorKind } from "../errors.js";
import { ContainerCommandError } from "../engine/containers/start-container.js";

const STATUS: Record<ErrorKind, number> = {
  "invalid-argument": 400,
  "not-found": 404,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  unavailable: 503,
  "not-implemented": 501,
  cancelled: 500,
  system: 500,
};

/** A status with no body of its own: 304 for start and stop with nothing to do. */
export class HttpStatus extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

export function statusFor(failure: unknown): number {
  const err = resourceFault(failure) ?? failure;
  if (err instanceof HttpStatus) return err.status;
  // dockerd answers OCI runtime start failures with 400; the CLI derives 126/127 from the text.
  if (err instanceof ContainerCommandError) return 400;
  if (err instanceof BerthError) return STATUS[err.kind];
  return 500;
}

export function errorMessage(failure: unknown): string {
  // A full or read-only file system met by a system call: Go's words, never Node's.
  const err = resourceFault(failure) ?? failure;
  return err instanceof Error ? err.message : String(err);
}

export function errorBody(err: unknown): string {
  return JSON.stringify({ message: errorMessage(err) }) + "\n";
}

/** A plain Error reaching the API is a bug: it is logged with its stack and answered as a 500. */
export function sendError(res: ServerResponse, failure: unknown, log: (line: string) => void): void {
  const err = resourceFault(failure) ?? failure;
  const status = statusFor(err);
  if (!(err instanceof BerthError) && !(err instanceof HttpStatus))
    log(`internal error: ${err instanceof Error ? err.stack : String(err)}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof HttpStatus) {
    res.writeHead(status).end();
    return;
  }
  const body = errorBody(err);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body);
}

/** The same, written by hand on a socket taken over from Node's HTTP parser (upgrade requests). */
export function writeRawError(socket: Duplex, err: unknown, headers: Readonly<Record<string, string>>): void {
  const status = statusFor(err);
  const body = err instanceof HttpStatus ? "" : errorBody(err);
  const lines = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ...(body ? ["Content-Type: application/json"] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
  ];
  socket.end(lines.join("\r\n") + "\r\n\r\n" + body);
}

const REASONS: Record<number, string> = {
  200: "OK",
  304: "Not Modified",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Payload Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
};
