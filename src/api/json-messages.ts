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

