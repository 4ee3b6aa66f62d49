// What went wrong when the OCI runtime could not create or exec a process, in words the engine can
// map to Docker's exit codes (127 command not found, 126 cannot invoke).
import { SystemError } from "../errors.js";

export type StartErrorReason = "not-found" | "not-executable" | "other";

/**
 * Recognises runc 1.1's messages for a process that could not be started. runc looks the command up
 * in `runc init` before `create` returns, so these arrive with create/exec:
 *   exec: "nope": executable file not found in $PATH           → not-found
 *   exec: "/x/y": stat /x/y: no such file or directory         → not-found
 *   exec: "/etc/passwd": permission denied                    → not-executable (also directories)
 * The substrings are the ones Docker's CLI tests (cli/command/container/run.go,
 * runStartContainerErr), including its newer EISDIR case, so berth gives the codes Docker gives.
 */
export function classifyStartError(message: string): StartErrorReason {
  if (
    message.includes("executable file not found") ||
    message.includes("no such file or directory") ||
    message.includes("system cannot find the file specified")
  ) {
    return "not-found";
  }
  if (message.includes("permission denied") || message.includes("is a directory")) return "not-executable";
  return "other";
}

/** The runtime refused to create or exec the process; `message` is runc's own text. */
export class ContainerStartError extends SystemError {
  readonly reason: StartErrorReason;
  constructor(
    readonly runtimeMessage: string,
    options?: { cause?: unknown },
  ) {
    super(runtimeMessage, options);
    this.reason = classifyStartError(runtimeMessage);
  }
}

/**
 * Pulls the human message out of runc's stderr. runc logs through logrus: logfmt by default
 * (`time="…" level=error msg="runc create failed: …"`), JSON with --log-format=json. Plain text
 * (e.g. from a runtime that is not runc) is returned trimmed.
 */
export function runtimeErrorMessage(stderr: string): string {
  const messages: string[] = [];
  for (const line of stderr.split("\n")) {
    const msg = lineMessage(line.trim());
    if (msg !== undefined) messages.push(msg);
  }
  return messages.length > 0 ? messages.join("; ") : stderr.trim();
}

function lineMessage(line: string): string | undefined {
  if (line.startsWith("{")) {
    try {
      const parsed = JSON.parse(line) as { level?: unknown; msg?: unknown };
      if (typeof parsed.msg === "string" && isErrorLevel(parsed.level)) return parsed.msg;
    } catch {
      // not JSON after all: fall through to logfmt
    }
  }
  const level = /(?:^|\s)level=(\w+)/.exec(line)?.[1];
  if (level === undefined || !isErrorLevel(level)) return undefined;
  const start = line.indexOf('msg="');
  if (start < 0) return undefined;
  return unquoteGo(line, start + 'msg="'.length);
}

function isErrorLevel(level: unknown): boolean {
  return level === "error" || level === "fatal" || level === "panic";
}

/** Reads a Go %q-style string body starting at `from` up to its closing quote. */
function unquoteGo(text: string, from: number): string {
  let out = "";
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"') break;
    if (c === "\\" && i + 1 < text.length) {
      const next = text[++i];
      out += next === "n" ? "\n" : next === "t" ? "\t" : next;
      continue;
    }
    out += c;
  }
  return out;
}
