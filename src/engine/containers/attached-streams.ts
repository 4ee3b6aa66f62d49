// Output on its way to attached clients. conmon sends a container's last output to every attach
// socket before it writes the exit file, but a server that was held back (a loaded machine) can
// see that exit file before it has read the output still queued in those sockets: a wait that
// answered then would reach the client first, and `docker run`-style clients (dockerode's run(),
// docker-py's) stop reading when their wait returns. dockerd reports an exit only after its
// stream copiers are done (daemon/monitor.go: StreamConfig.Wait before SetStopped); the wait
// here does the same with the attaches registered by whoever streams them (the API server).
import { setTimeout as sleep } from "node:timers/promises";

/** How long a wait gives attaches to deliver: a client that stops reading must not hold it forever. */
const DELIVERY_LIMIT_MS = 2000;

export class AttachedStreams {
  private readonly streaming = new Map<string, Set<Promise<unknown>>>();

  /** An attach to `containerId` streams until `delivered` settles (its output sent, or given up). */
  add(containerId: string, delivered: Promise<unknown>): void {
    let set = this.streaming.get(containerId);
    if (!set) this.streaming.set(containerId, (set = new Set()));
    set.add(delivered);
    const forget = (): void => {
      set.delete(delivered);
      if (set.size === 0 && this.streaming.get(containerId) === set) this.streaming.delete(containerId);
    };
    delivered.then(forget, forget);
  }

  /** Settles when every attach to the container that streams now has delivered, or after the limit. */
  async delivered(containerId: string, limitMs = DELIVERY_LIMIT_MS): Promise<void> {
    const set = this.streaming.get(containerId);
    if (!set || set.size === 0) return;
    const timeout = new AbortController();
    await Promise.race([Promise.allSettled([...set]), sleep(limitMs, undefined, { signal: timeout.signal }).catch(() => undefined)]);
    timeout.abort();
  }
}
