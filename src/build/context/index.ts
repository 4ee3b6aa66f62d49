// The build context: what a Dockerfile build may read besides its base images.
//
//   const { context, dockerfile } = await openDirectoryContext(dir, { dockerfile: "-f value" })
//                                 | await openDirectoryContext(dir, { dockerfileText: stdin })  // -f -
//                                 | await openTarContext(stream, { workDir: `${root}/tmp/<id>` }); // build -, POST /build
//   try {
//     const sources = await resolveCopySources(context, ["src/", "*.json"]);  // one COPY's arguments
//     const key = await digestSources(context, sources, cache);                // its cache key's content part
//     for (const s of sources) for await (const e of context.walk(s.entry)) ...  // what the copy writes
//   } finally { await context.close(); }                                        // removes a staged tar
//
// Contracts the build engine relies on:
// - No path of a context resolves outside its root: "../x", "/x" and symlinks pointing out are
//   looked up inside it (chroot semantics), as BuildKit does; a tar context with names that climb
//   out, writes through symlinks, devices, or hard links to non-members is refused while staged.
// - The ignore rules (`.dockerignore`, or `<Dockerfile>.dockerignore` beside the Dockerfile) hide
//   paths from resolution, listings, walks and digests alike. The Dockerfile itself is always read.
// - A walk yields lstat results in name order and never follows a symlink; callers open files with
//   O_NOFOLLOW. Nothing is read before it is needed; a staged tar is written to disk as it streams.
// - digestSources() covers names, types, modes, owners, bytes and link targets, never times, and
//   reads a file's bytes once per (path, device, inode, size, mtime) through a FileDigestCache.
export { BuildContext, type ContextEntry, type IgnoreScope } from "./build-context.js";
export {
  openDirectoryContext,
  openTarContext,
  type OpenedContext,
  type DirectoryContextOptions,
  type TarContextOptions,
} from "./open-context.js";
export { resolveCopySource, resolveCopySources, type CopySource } from "./copy-sources.js";
export { FileDigestCache, digestSources } from "./checksum.js";
export { IgnoreMatcher, parseDockerignore, DOCKERIGNORE } from "./dockerignore.js";
export { InvalidContextError, stageTarContext } from "./stage-tar.js";
export { BadPatternError, cleanPath, globMatch, containsWildcards } from "./go-path.js";
