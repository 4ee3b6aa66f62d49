// Reading an untrusted tar stream entry by entry. Every failure, of the source, of the parser or
// of the handler, ends the iteration as one error with the source torn down: a truncated archive
// can never become an uncaught exception (SECURITY-NOTES, App. B).
import type { Readable } from "node:stream";
import { readTar, type TarEntryHeader } from "./tar-reader.js";

export type { TarEntryHeader } from "./tar-reader.js";

/**
 * Calls `onEntry` for each entry in order; the handler consumes `body` or leaves it, and the
 * next entry is read only after the handler resolves.
 */
export async function readTarEntries(
  source: Readable,
  onEntry: (header: TarEntryHeader, body: Readable) => Promise<void>,
  opts: { signal?: AbortSignal } = {},
): Promise<void> {
  try {
    await readTar(source, onEntry, opts);
  } catch (err) {
    source.destroy();
    throw err;
  }
}
