// attach and exec start take over the connection (DOCKER-API.md §4.1). With `Upgrade: tcp` the
// answer is `101 UPGRADED` and the socket carries raw bytes both ways; without it (dockerode's
// plain attach) a bare `200 OK` head is written on the socket and output runs until it closes.
// Either way the route validates first, so failures before the take-over are normal JSON errors.
import { Socket } from "node:net";
import { Writable, type Duplex, type Readable } from "node:stream";
import { standardHeaders, type ApiCall } from "./api-context.js";
import { readBody, MAX_JSON_BODY } from "./request-body.js";
import { encodeOutput, type StreamId } from "./stream-frames.js";
import { InvalidArgumentError } from "../errors.js";

export interface Hijacked {
  /** The client's bytes after the request (stdin); only on an upgraded connection. */
  readonly input: Readable | undefined;
  /** Aborted when the client has gone (the socket closed or failed). */
  readonly closed: AbortSignal;
  /** A writable for one of the container's streams: framed unless the container has a TTY. */
  output(stream: StreamId): Writable;
  /** Writes bytes as they are (errors shown to the user as text, as dockerd does). */
  writeRaw(data: Buffer | string): void;
  /** Half-closes our side: the client sees the end of the stream. Settles once all is sent; never rejects. */
  end(): Promise<void>;
}

/**
 * The request body of a hijack request. On an upgraded connection Node leaves it unparsed: its
 * Content-Length bytes start `head` or follow on the socket, and anything after them is early
 * stdin, pushed back for whoever reads the socket next.
 */
export async function readHijackBody(call: ApiCall): Promise<Buffer> {
  if (!call.upgrade) return readBody(call.req);
  const length = Number(call.req.headers["content-length"] ?? 0);
  if (!Number.isInteger(length) || length < 0 || length > MAX_JSON_BODY) throw new InvalidArgumentError("invalid Content-Length");
  const { socket } = call.upgrade;
  let buffered = call.upgrade.head;
  while (buffered.length < length) {
    const chunk = await nextChunk(socket);
    if (!chunk) break;
    buffered = Buffer.concat([buffered, chunk]);
  }
  const body = buffered.subarray(0, length);
  const rest = buffered.subarray(length);
  if (rest.length > 0) socket.unshift(rest);
  return body;
}

function nextChunk(socket: Duplex): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const onData = (chunk: Buffer): void => {
      cleanup();
      socket.pause();
      resolve(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(undefined);
    };
    const cleanup = (): void => {
      socket.removeListener("data", onData);
      socket.removeListener("end", onEnd);
      socket.removeListener("close", onEnd);
    };
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("close", onEnd);
    socket.resume();
  });
}

/** Writes the status line and takes the connection. `stdin`: the client's bytes are wanted. */
export function takeOver(call: ApiCall, opts: { tty: boolean; stdin: boolean }): Hijacked {
  const socket: Duplex = call.upgrade?.socket ?? call.req.socket;
  const framed = !opts.tty;
  // API 1.42 and later name the framing in the Content-Type; 1.41 says raw-stream for both.
  const type = framed && call.version >= 1042 ? "application/vnd.docker.multiplexed-stream" : "application/vnd.docker.raw-stream";
  const head = call.upgrade
    ? [
        "HTTP/1.1 101 UPGRADED",
        `Content-Type: ${type}`,
        "Connection: Upgrade",
        "Upgrade: tcp",
        ...Object.entries(standardHeaders()).map(([k, v]) => `${k}: ${v}`),
      ]
    : ["HTTP/1.1 200 OK", `Content-Type: ${type}`, ...Object.entries(standardHeaders()).map(([k, v]) => `${k}: ${v}`)];
  socket.write(head.join("\r\n") + "\r\n\r\n");
  const controller = new AbortController();
  const gone = (): void => controller.abort();
  socket.once("close", gone);
  socket.on("error", gone);
  if (socket instanceof Socket) socket.setNoDelay(true); // TCP: each frame goes out as written
  call.api.log.debug(`${call.req.method} ${call.req.url} → ${call.upgrade ? "101" : "200"}, connection taken over`);
  const input = call.upgrade && opts.stdin ? socket : undefined;
  // Bytes nobody wants are read and dropped, so that the client's FIN and close are seen.
  if (!input) socket.resume();
  let ended = false;
  let flushed: Promise<void> = Promise.resolve();
  const writeRaw = (data: Buffer | string): void => {
    if (!ended && !socket.destroyed && socket.writable) socket.write(data);
  };
  return {
    input,
    closed: controller.signal,
    output: (stream) =>
      new Writable({
        write(chunk: Buffer, _enc, done) {
          writeRaw(encodeOutput(opts.tty, stream, chunk));
          done();
        },
      }),
    writeRaw,
    end: () => {
      if (ended || socket.destroyed) return flushed;
      ended = true;
      // An upgraded socket is ours: FIN, and close once the client closes too. A plain 200 has no
      // length, so its end is the end of the connection.
      flushed = new Promise((resolve) => {
        socket.once("close", resolve);
        socket.end(resolve);
      });
      if (!call.upgrade) setTimeout(() => socket.destroy(), 5_000).unref();
      return flushed;
    },
  };
}
