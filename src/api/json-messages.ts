// JSON-message streams (DOCKER-API.md §4.4), as import, load, pull and push answer: the status
// line goes out with the first message, so a failure before it is still an ordinary HTTP error.
import type { ApiCall } from "./api-context.js";
import { response } from "./api-context.js";

/** A JSON-message stream (DOCKER-API.md §4.4): one object and "\r\n" per message. */
export function jsonMessages(call: ApiCall): { send(message: unknown): void; end(): void } {
  const res = response(call);
  let started = false;
  return {
    send(message) {
      if (!started) {
        res.writeHead(200, { "Content-Type": "application/json" });
        started = true;
      }
      res.write(JSON.stringify(message) + "\r\n");
    },
    end() {
      if (!started) res.writeHead(200, { "Content-Type": "application/json" });
      res.end();
    },
  };
}

/**
 * Runs an operation that reports as a JSON-message stream. A failure before the first message is
 * an ordinary HTTP error; once the stream has begun, dockerd ends it with an error message instead.
 */
export async function streamMessages(call: ApiCall, run: (send: (message: unknown) => void) => Promise<void>): Promise<void> {
  const messages = jsonMessages(call);
  try {
    await run((m) => messages.send(m));
  } catch (err) {
    if (!response(call).headersSent) throw err;
    const message = err instanceof Error ? err.message : String(err);
    messages.send({ errorDetail: { message }, error: message });
  }
  messages.end();
}
