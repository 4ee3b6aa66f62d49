// Docker's detach keys: the `--detach-keys` syntax and the byte filter that spots them in stdin.
// Detaching is the client's business (conmon knows nothing of it), so berth does it on its side of
// the attach socket, as podman does (containers/common pkg/detach).
import { InvalidArgumentError } from "../errors.js";

/** ctrl-p, ctrl-q: Docker's default. */
export const DEFAULT_DETACH_KEYS: readonly number[] = [16, 17];

/**
 * Parses Docker's syntax: comma-separated keys, each a single character or `ctrl-<x>` with x one of
 * a-z @ [ \ ] ^ _ (Docker's pkg/term ToBytes). An empty string means "no detach keys".
 */
export function parseDetachKeys(spec: string): number[] {
  if (spec === "") return [];
  const keys: number[] = [];
  for (const key of spec.split(",")) {
    const lower = key.toLowerCase();
    if (lower.length > 1 && lower.startsWith("ctrl-")) {
      const rest = lower.slice("ctrl-".length);
      const c = rest.charCodeAt(0);
      if (rest.length !== 1) throw new InvalidArgumentError(`Unknown character: '${key}'`);
      if (c >= 0x61 && c <= 0x7a) keys.push(c - 0x61 + 1);
      else if (rest === "@") keys.push(0);
      else if (rest === "[") keys.push(27);
      else if (rest === "\\") keys.push(28);
      else if (rest === "]") keys.push(29);
      else if (rest === "^") keys.push(30);
      else if (rest === "_") keys.push(31);
      else throw new InvalidArgumentError(`Unknown character: '${key}'`);
    } else if (key.length === 1) {
      keys.push(key.charCodeAt(0));
    } else {
      throw new InvalidArgumentError(`Unknown character: '${key}'`);
    }
  }
  return keys;
}

/**
 * Passes stdin through, holding back a possible detach sequence until it either completes
 * (→ detached) or breaks (→ the held bytes go out after all). Matches across chunk boundaries,
 * since a paste or a pipe delivers several keys in one read.
 */
export class DetachFilter {
  private matched = 0;

  constructor(private readonly keys: readonly number[]) {}

  push(chunk: Buffer): { out: Buffer; detached: boolean } {
    if (this.keys.length === 0) return { out: chunk, detached: false };
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) {
          this.matched = 0;
          return { out: Buffer.from(out), detached: true };
        }
        continue;
      }
      if (this.matched > 0) {
        out.push(...this.keys.slice(0, this.matched));
        this.matched = 0;
        // The breaking byte may itself start a new sequence.
        if (byte === this.keys[0]) {
          this.matched = 1;
          if (this.keys.length === 1) return { out: Buffer.from(out), detached: true };
          continue;
        }
      }
      out.push(byte);
    }
    return { out: Buffer.from(out), detached: false };
  }

  /** Bytes held back when stdin ends in the middle of a sequence. */
  flush(): Buffer {
    const held = Buffer.from(this.keys.slice(0, this.matched));
    this.matched = 0;
    return held;
  }
}
