// Request bodies and query strings, read the way dockerd reads them: JSON bodies only with
// Content-Type application/json (httputils.CheckForJSON), capped in size, unknown fields ignored
// as Go's decoder ignores them, and booleans by httputils.BoolValue.
import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { InvalidArgumentError } from "../errors.js";

/** JSON bodies (create, commit, exec) are small; a larger one is refused rather than buffered. */
export const MAX_JSON_BODY = 4 << 20;

export async function readBody(req: IncomingMessage, limit = MAX_JSON_BODY): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) {
    discard(req);
    throw new InvalidArgumentError(`request body of ${declared} bytes exceeds the limit of ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      discard(req);
      throw new InvalidArgumentError(`request body exceeds the limit of ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Reads and drops the rest of a refused body (up to a bound), so the client can read the answer. */
function discard(req: IncomingMessage): void {
  let dropped = 0;
  req.on("data", (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > 256 << 20) req.socket.destroy();
  });
  req.resume();
}

/**
 * The JSON object of a body, or undefined for an empty one. A body with another Content-Type gets
 * dockerd's 400; malformed JSON gets the Go decoder's wording.
 */
export function parseJsonBody(raw: Buffer, contentType: string | undefined, what: string): Record<string, unknown> | undefined {
  if (raw.length === 0 || raw.toString().trim() === "") return undefined;
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json")
    throw new InvalidArgumentError(`Content-Type specified (${contentType ?? ""}) must be 'application/json'`);
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
  } catch (err) {
    throw new InvalidArgumentError(goJsonError(raw.toString("utf8"), err as Error));
  }
  if (value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidArgumentError(`json: cannot unmarshal ${Array.isArray(value) ? "array" : typeof value} into Go value of type ${what}`);
  }
  return value as Record<string, unknown>;
}

export async function readJsonBody(req: IncomingMessage, what: string): Promise<Record<string, unknown> | undefined> {
  return parseJsonBody(await readBody(req), req.headers["content-type"], what);
}

/** Go's encoding/json messages for the two failures clients hit: bad characters and truncation. */
function goJsonError(text: string, err: Error): string {
  if (/end of JSON input/i.test(err.message)) return "unexpected EOF";
  const at = /position (\d+)/.exec(err.message);
  const pos = at ? Number(at[1]) : text.search(/\S/);
  const ch = text[pos] ?? "";
  return `invalid character '${ch}' looking for beginning of value`;
}

/** httputils.BoolValue: false when empty or one of 0, no, false, none (any case). */
export function boolValue(query: URLSearchParams, key: string): boolean {
  const v = (query.get(key) ?? "").trim().toLowerCase();
  return v !== "" && !["0", "no", "false", "none"].includes(v);
}

/** BoolValueOrDefault: absent keys take the default. */
export function boolOr(query: URLSearchParams, key: string, dflt: boolean): boolean {
  return query.has(key) ? boolValue(query, key) : dflt;
}

/** An integer query value, or 400 with strconv's wording. */
export function intValue(query: URLSearchParams, key: string): number | undefined {
  const v = query.get(key);
  if (v === null || v === "") return undefined;
  if (!/^-?\d+$/.test(v)) throw new InvalidArgumentError(`strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

/**
 * `filters={"status":["exited"]}` (or the old {"status":{"exited":true}}) as the key=value list
 * the engine's filter parsers take.
 */
export function filterFlags(query: URLSearchParams): string[] {
  const raw = query.get("filters");
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new InvalidArgumentError(`invalid filter: ${goJsonError(raw, err as Error)}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new InvalidArgumentError("invalid filter: filters must be a JSON object");
  const flags: string[] = [];
  for (const [key, values] of Object.entries(parsed as Record<string, unknown>)) {
    const list = Array.isArray(values)
      ? values
      : values && typeof values === "object"
        ? Object.keys(values).filter((k) => (values as Record<string, unknown>)[k])
        : [];
    for (const v of list) flags.push(`${key}=${String(v)}`);
  }
  return flags;
}

/** Strings of a JSON field that must be a string list or null (Go's []string). */
export function stringList(body: Record<string, unknown>, key: string, type: string): string[] | null | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v === "string") return [v]; // strslice.StrSlice accepts one string too
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw unmarshal(v, `${type}.${key}`, "[]string");
  return v as string[];
}

export function unmarshal(value: unknown, field: string, goType: string): InvalidArgumentError {
  const kind = Array.isArray(value) ? "array" : value === null ? "null" : typeof value === "object" ? "object" : typeof value;
  return new InvalidArgumentError(`json: cannot unmarshal ${kind} into Go struct field ${field} of type ${goType}`);
}

export function optionalString(body: Record<string, unknown>, key: string, type: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw unmarshal(v, `${type}.${key}`, "string");
  return v;
}

export function optionalBool(body: Record<string, unknown>, key: string, type: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw unmarshal(v, `${type}.${key}`, "bool");
  return v;
}

export function optionalNumber(body: Record<string, unknown>, key: string, type: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw unmarshal(v, `${type}.${key}`, "int64");
  return v;
}

export function optionalObject(body: Record<string, unknown>, key: string, type: string): Record<string, unknown> | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw unmarshal(v, `${type}.${key}`, "object");
  return v as Record<string, unknown>;
}

/**
 * The request body as a stream the engine may destroy on failure without destroying the
 * connection (extraction and import destroy their source when they refuse it): what is left of
 * the body is then read and dropped, and the error answer still reaches the client.
 */
export function bodyStream(req: IncomingMessage): Readable {
  // An error of the request (the client went away mid-body) fails the body's reader. A body
  // destroyed by its reader stops the iteration without destroying the request, whose rest is
  // then discarded (pipeline() would destroy it, and the connection with it).
  const body = Readable.from(relay(req), { objectMode: false });
  body.once("close", () => {
    if (!req.readableEnded) discard(req);
  });
  return body;
}

async function* relay(req: IncomingMessage): AsyncGenerator<Buffer> {
  for await (const chunk of req.iterator({ destroyOnReturn: false })) yield chunk as Buffer;
}
