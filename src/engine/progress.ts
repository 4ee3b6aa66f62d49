// Progress of long transfers as Docker's JSON messages (pkg/jsonmessage): the engine emits them,
// the CLI draws them on a terminal or prints their plain lines, and the API streams them as JSON.

export interface ProgressMessage {
  /** A layer's short ID, or a tag; absent for lines about the whole operation. */
  id?: string;
  status: string;
  progressDetail?: { current: number; total?: number };
}

export type ProgressSink = (message: ProgressMessage) => void;

export const noProgress: ProgressSink = () => undefined;

/** Calls `sink` with byte progress at most every `intervalMs`, and always for the last byte. */
export function throttledBytes(
  sink: ProgressSink,
  id: string,
  status: string,
  total: number | undefined,
  intervalMs = 100,
): (current: number) => void {
  let last = 0;
  return (current) => {
    const now = Date.now();
    if (now - last < intervalMs && current !== total) return;
    last = now;
    sink({ id, status, progressDetail: total === undefined ? { current } : { current, total } });
  };
}
