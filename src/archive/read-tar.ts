// Reading an untrusted tar stream entry by entry (tar-stream underneath). Every failure, of the
// source, of the parser or of the handler, ends the iteration as one error, and the streams are
// torn down: a truncated archive can never become an uncaught exception (SECURITY-NOTES, App. B).
import type { Readable } from "node:stream";
import tarStream from "tar-stream";

/** tar-stream's async iterator yields each entry's body stream with its header attached. */
type Entry = Readable & { header: tarStream.Header };

/**
 * Calls `onEntry` for each entry in order; the handler must consume or drain `body` before it
 * resolves (tar-stream's rule: the next entry is parsed only once this one's body is read).
 */
export async function readTarEntries(
  source: Readable,
  onEntry: (header: tarStream.Header, body: Readable) => Promise<void>,
  opts: { signal?: AbortSignal } = {},
): Promise<void> {
  const extract = tarStream.extract();
  // The listeners exist before any data flows, or an early error would be unhandled.
  const failure = new Promise<never>((_, reject) => {
    extract.on("error", reject);
    source.on("error", reject);
  });
  failure.catch(() => undefined);
  source.pipe(extract);
  try {
    const iterator = (extract as unknown as AsyncIterable<Entry>)[Symbol.asyncIterator]();
    for (;;) {
      opts.signal?.throwIfAborted();
      const next = await Promise.race([iterator.next(), failure]);
      if (next.done) break;
      next.value.on("error", () => undefined);
      await onEntry(next.value.header, next.value);
    }
  } catch (err) {
    source.unpipe(extract);
    extract.destroy();
    source.destroy();
    throw err;
  }
}
