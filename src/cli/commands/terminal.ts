// The local side of an attached container: raw mode on our terminal, its size sent to conmon,
// and signals passed on to the container (docker's --sig-proxy).
import type { Engine } from "../../engine/engine.js";
import type { TerminalControl } from "../../engine/containers/container-attach.js";

export interface TerminalSession {
  restore(): void;
}

/** Puts our stdin in raw mode and keeps the container's terminal as big as ours. */
export function startTerminal(terminal: TerminalControl): TerminalSession {
  const stdin = process.stdin;
  const wasRaw = stdin.isTTY ? stdin.isRaw : false;
  if (stdin.isTTY) stdin.setRawMode(true);
  const sendSize = () => {
    if (process.stdout.isTTY) void terminal.resize({ rows: process.stdout.rows, cols: process.stdout.columns }).catch(() => undefined);
  };
  sendSize();
  process.stdout.on("resize", sendSize);
  return {
    restore: () => {
      process.stdout.off("resize", sendSize);
      if (stdin.isTTY) stdin.setRawMode(wasRaw);
    },
  };
}

const PROXIED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

/** Forwards the signals berth receives to the container until the returned function is called. */
export function proxySignals(engine: Engine, id: string): () => void {
  const handlers = PROXIED.map((sig) => {
    const handler = () => {
      void import("../../engine/containers/container-lifecycle.js").then(({ killRunning }) =>
        killRunning(engine, id, sig).catch(() => undefined),
      );
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  return () => {
    for (const [sig, handler] of handlers) process.off(sig, handler);
  };
}
