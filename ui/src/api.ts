// The page's only way to the engine: the Docker Engine API on its own origin, under /api/ (the
// web view's server hands it to berth serve's handler), and berth's own /berth/… endpoints.
const BASE = "/api/v1.41";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function check(response: Response): Promise<Response> {
  if (response.ok) return response;
  let message = `${response.status} ${response.statusText}`;
  try {
    message = ((await response.json()) as { message?: string }).message ?? message;
  } catch {
    /* a body that is not Docker's {"message"} */
  }
  throw new ApiError(response.status, message);
}

export function apiPath(path: string, query: Record<string, string | number | boolean | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") params.set(k, String(v));
  const text = params.toString();
  return `${BASE}${path}${text ? `?${text}` : ""}`;
}

export async function getJson<T>(path: string, query: Record<string, string | number | boolean | undefined> = {}): Promise<T> {
  const response = await check(await fetch(apiPath(path, query), { credentials: "same-origin" }));
  return (await response.json()) as T;
}

/** POST or DELETE; the server checks the Origin the browser adds to them. */
export async function send(
  method: "POST" | "DELETE",
  path: string,
  query: Record<string, string | number | boolean | undefined> = {},
): Promise<unknown> {
  const response = await check(await fetch(apiPath(path, query), { method, credentials: "same-origin" }));
  const text = await response.text();
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/** A streaming GET: the response's body, as it comes. */
export async function stream(path: string, query: Record<string, string | number | boolean | undefined>, signal: AbortSignal) {
  const response = await check(await fetch(apiPath(path, query), { credentials: "same-origin", signal }));
  if (!response.body) throw new ApiError(0, "the response has no body");
  return response.body;
}

/** JSON documents, one a line (GET /events). */
export async function* jsonLines<T>(body: ReadableStream<Uint8Array>): AsyncGenerator<T> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of chunks(body)) {
    pending += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line) yield JSON.parse(line) as T;
    }
  }
}

export interface LogChunk {
  stream: "stdout" | "stderr";
  text: string;
}

/**
 * Docker's multiplexed log stream (a container without a TTY): frames of an 8-byte header — the
 * stream (1 stdout, 2 stderr), three zero bytes, the payload's length big-endian — and the payload.
 * Frames may arrive split across chunks, or several in one.
 */
export async function* demultiplex(body: ReadableStream<Uint8Array>): AsyncGenerator<LogChunk> {
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  let buffer = new Uint8Array(0);
  for await (const chunk of chunks(body)) {
    const joined = new Uint8Array(buffer.length + chunk.length);
    joined.set(buffer);
    joined.set(chunk, buffer.length);
    buffer = joined;
    while (buffer.length >= 8) {
      const size = new DataView(buffer.buffer, buffer.byteOffset).getUint32(4);
      if (buffer.length < 8 + size) break;
      const stream = buffer[0] === 2 ? "stderr" : "stdout";
      yield { stream, text: decoders[stream].decode(buffer.subarray(8, 8 + size), { stream: true }) };
      buffer = buffer.slice(8 + size);
    }
  }
}

/** A TTY container's logs: the bytes as they are. */
export async function* rawText(body: ReadableStream<Uint8Array>): AsyncGenerator<LogChunk> {
  const decoder = new TextDecoder();
  for await (const chunk of chunks(body)) yield { stream: "stdout", text: decoder.decode(chunk, { stream: true }) };
}

/** A body's chunks (the reader, not the stream's own async iteration, which older Chromiums lack). */
async function* chunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
