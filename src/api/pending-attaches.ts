// Attaches that arrive before their container runs: `docker run` attaches to a created container
// and then starts it (DOCKER-API.md §5.1). conmon's attach socket exists only once the start has
// created the task, so the start route connects every waiting attach between create and start, and
// no output is lost.
import type { AttachConnection } from "../engine/containers/container-attach.js";

export interface PendingAttach {
  /** The container's attach socket is open and the process has not started yet. */
  begin(connection: AttachConnection): void;
  /** The start failed or the container was removed: the stream ends with `message`, if any. */
  cancel(message?: string): void;
}

export class PendingAttaches {
  private readonly waiting = new Map<string, Set<PendingAttach>>();

  /** Returns the function that withdraws it (the client hung up first). */
  add(containerId: string, attach: PendingAttach): () => void {
    let set = this.waiting.get(containerId);
    if (!set) this.waiting.set(containerId, (set = new Set()));
    set.add(attach);
    return () => {
      set.delete(attach);
      if (set.size === 0 && this.waiting.get(containerId) === set) this.waiting.delete(containerId);
    };
  }

  /** All attaches waiting for this container; they are no longer pending. */
  take(containerId: string): PendingAttach[] {
    const set = this.waiting.get(containerId);
    this.waiting.delete(containerId);
    return set ? [...set] : [];
  }

  get size(): number {
    let n = 0;
    for (const set of this.waiting.values()) n += set.size;
    return n;
  }
}
