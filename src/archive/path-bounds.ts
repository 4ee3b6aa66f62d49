// How long and how deep a path inside a layer may be: one rule for what berth unpacks (import,
// load, pull, cp into a container) and what it packs (commit, export, cp out), so that every layer
// berth writes it can read again, and a hostile archive is refused before it fills the disk with
// directories that nothing can open or remove by name.

/**
 * Linux refuses a path of PATH_MAX (4096) bytes or more, the terminating NUL included. Inside a
 * container an entry is "/" + its name, so a longer name could still be made (by relative steps)
 * but never opened again by name, by the container or by berth. Docker 20.10 fails the same
 * archive at the same point ("mkdir /d/d/…: file name too long").
 */
export const MAX_PATH_BYTES = 4094;
/**
 * Real images stay far below this: their deepest paths are a few dozen levels (node_modules
 * chains, Go module caches, Java packages). With one-letter names the byte bound alone would let
 * an archive make 2,047 levels; this stops it after 1,024 directories.
 */
export const MAX_PATH_DEPTH = 1024;

/** Why `name` (relative, cleaned, "a/b/c") cannot be in a layer; undefined when it can. */
export function pathBoundsProblem(name: string): string | undefined {
  let depth = 1;
  for (let i = name.indexOf("/"); i >= 0; i = name.indexOf("/", i + 1)) depth++;
  if (depth > MAX_PATH_DEPTH) return `${quoteShort(name)} is ${depth} directories deep, more than the ${MAX_PATH_DEPTH} a layer may hold`;
  const bytes = Buffer.byteLength(name);
  if (bytes > MAX_PATH_BYTES)
    return `${quoteShort(name)} is ${bytes} bytes long, more than the ${MAX_PATH_BYTES} a path in a layer may have`;
  return undefined;
}

/** A name thousands of bytes long is shown by its start, which is what tells one archive from another. */
function quoteShort(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
}
