// A build context as the build reads it: a directory on the host (the user's own, or a tar
// context staged by tar-context.ts) seen through the ignore rules. Every path is resolved inside
// the root with chroot semantics: ".." stops at the root, and a symlink, absolute or relative, is
// followed as if the root were "/", so no read ever lands outside the context. Files are read only
// when asked for (a walk yields stats; the copier or the checksummer opens the file).
import * as fs from "node:fs";
import { posix } from "node:path";
import { InvalidArgumentError, NotFoundError } from "../../errors.js";
import type { IgnoreMatcher, ParentMatch } from "./dockerignore.js";
import { cleanPath } from "./go-path.js";

/** One path of the context, as a walk or a resolution finds it. */
export interface ContextEntry {
  /** Relative to the context root, slash-separated, "" for the root itself. */
  readonly rel: string;
  /** The path on the host; open it with O_NOFOLLOW: its components were checked, not pinned. */
  readonly host: string;
  /** lstat of `host`: a symlink is an entry of its own, never followed by a walk. */
  readonly stat: fs.BigIntStats;
}

/**
 * Which paths the ignore rules take away. "all": every excluded path (a directory context, and
 * BuildKit's view of any local context). "build-files": only the Dockerfile and .dockerignore,
 * when the ignore file lists them, which is all dockerd does to a tar context its client sent
 * (the client already applied the rules).
 */
export type IgnoreScope = "all" | "build-files";

/** Linux's limit on symlinks followed in one lookup (MAXSYMLINKS since 4.2 is 40). */
const MAX_SYMLINKS = 40;

export interface BuildContextOptions {
  readonly ignore: IgnoreMatcher;
  readonly scope: IgnoreScope;
  /** The Dockerfile, when it is a path inside the context ("build-files" scope looks at it). */
  readonly dockerfileRel?: string;
  /** What close() must remove (a staged tar context); a directory context removes nothing. */
  readonly owned?: string;
}

export class BuildContext {
  readonly ignore: IgnoreMatcher;
  readonly scope: IgnoreScope;
  private readonly buildFiles: ReadonlySet<string>;
  private closed = false;

  constructor(
    /** The real path of the context's root directory (no symlink in it). */
    readonly root: string,
    private readonly opts: BuildContextOptions,
  ) {
    this.ignore = opts.ignore;
    this.scope = opts.scope;
    this.buildFiles = new Set([".dockerignore", ...(opts.dockerfileRel ? [opts.dockerfileRel] : [])]);
  }

  /** The host path of a context-relative path; `rel` must already be resolved (no symlinks). */
  hostPath(rel: string): string {
    return rel === "" ? this.root : `${this.root}/${rel}`;
  }

  /** Whether the ignore rules take `rel` (a real path, not through a symlink) out of the context. */
  excluded(rel: string): boolean {
    if (rel === "") return false;
    if (this.scope === "build-files") return this.buildFiles.has(rel) && this.ignore.excludes(rel);
    return this.ignore.excludes(rel);
  }

  /**
   * Whether a walk of the context reaches `rel`: none of its parents is excluded for good, and it
   * is not excluded itself (an excluded directory that a "!" pattern opens is reached too: what
   * it holds that comes back needs it).
   */
  reaches(rel: string, isDirectory: boolean): boolean {
    if (rel === "") return true;
    const parts = rel.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (this.excluded(dir) && !this.opensBelow(dir)) return false;
    }
    return !this.excluded(rel) || (isDirectory && this.opensBelow(rel));
  }

  private opensBelow(dir: string): boolean {
    return this.scope === "all" && this.ignore.mayReincludeBelow(dir);
  }

  /**
   * `path` looked up inside the context, as BuildKit resolves a COPY source: cleaned against "/"
   * (so "../x" and "/x" are the context's "x"), each symlink followed with the root as "/", and
   * the last one too when `followLast`. Undefined when nothing is there or the ignore rules took
   * it (or anything on the way) away; ELOOP after 40 links, as the kernel counts.
   */
  async resolve(path: string, opts: { followLast?: boolean } = {}): Promise<ContextEntry | undefined> {
    this.checkOpen();
    const pending = cleanPath(`/${path}`).split("/").filter(Boolean);
    const at: string[] = [];
    let links = 0;
    let stat = await fs.promises.lstat(this.root, { bigint: true });
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === "..") {
        at.pop();
        stat = await fs.promises.lstat(this.hostPath(at.join("/")), { bigint: true });
        continue;
      }
      if (!stat.isDirectory()) return undefined;
      const rel = [...at, part].join("/");
      let next: fs.BigIntStats;
      try {
        next = await fs.promises.lstat(this.hostPath(rel), { bigint: true });
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
      if (!this.reaches(rel, next.isDirectory())) return undefined;
      if (next.isSymbolicLink() && (pending.length > 0 || opts.followLast !== false)) {
        if (++links > MAX_SYMLINKS) throw new InvalidArgumentError(`${path}: too many levels of symbolic links`);
        const target = await fs.promises.readlink(this.hostPath(rel));
        if (target.startsWith("/")) at.length = 0;
        pending.unshift(...target.split("/").filter((p) => p !== "" && p !== "."));
        stat = await fs.promises.lstat(this.hostPath(at.join("/")), { bigint: true });
        continue;
      }
      at.push(part);
      stat = next;
    }
    const rel = at.join("/");
    return { rel, host: this.hostPath(rel), stat };
  }

  /**
   * The entry at `rel` itself, a symlink not followed; `rel` must name a real path whose parents
   * were reached without symlinks (a listing's child, a resolved directory's child).
   */
  async entry(rel: string): Promise<ContextEntry | undefined> {
    this.checkOpen();
    let stat: fs.BigIntStats;
    try {
      stat = await fs.promises.lstat(this.hostPath(rel), { bigint: true });
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    return this.reaches(rel, stat.isDirectory()) ? { rel, host: this.hostPath(rel), stat } : undefined;
  }

  /**
   * The names in directory `rel` (a resolved directory) that the ignore rules leave, sorted as Go
   * sorts them (by bytes), with their lstat.
   */
  async list(rel: string): Promise<ContextEntry[]> {
    this.checkOpen();
    const names = await fs.promises.readdir(this.hostPath(rel));
    names.sort(byBytes);
    const out: ContextEntry[] = [];
    for (const name of names) {
      const child = rel === "" ? name : `${rel}/${name}`;
      let stat: fs.BigIntStats;
      try {
        stat = await fs.promises.lstat(this.hostPath(child), { bigint: true });
      } catch (err) {
        if (isMissing(err)) continue; // removed while listed
        throw err;
      }
      if (this.reaches(child, stat.isDirectory())) out.push({ rel: child, host: this.hostPath(child), stat });
    }
    return out;
  }

  /**
   * `start` and everything below it, depth first in name order, with what the ignore rules
   * exclude left out; an excluded directory that a "!" pattern opens is entered but not yielded.
   * Symlinks are entries, never followed.
   */
  async *walk(start: ContextEntry): AsyncGenerator<ContextEntry> {
    this.checkOpen();
    yield start;
    if (!start.stat.isDirectory()) return;
    yield* this.walkBelow(start.rel, undefined);
  }

  private async *walkBelow(dir: string, parent: ParentMatch | undefined): AsyncGenerator<ContextEntry> {
    const names = await fs.promises.readdir(this.hostPath(dir));
    names.sort(byBytes);
    const above = parent ?? (this.scope === "all" ? this.parentMatch(dir) : undefined);
    for (const name of names) {
      const rel = dir === "" ? name : `${dir}/${name}`;
      let stat: fs.BigIntStats;
      try {
        stat = await fs.promises.lstat(this.hostPath(rel), { bigint: true });
      } catch (err) {
        if (isMissing(err)) continue;
        throw err;
      }
      const entry = { rel, host: this.hostPath(rel), stat };
      if (this.scope === "build-files") {
        if (!this.excluded(rel)) {
          yield entry;
          if (stat.isDirectory()) yield* this.walkBelow(rel, undefined);
        }
        continue;
      }
      const { excluded, info } = this.ignore.excludesInWalk(rel, above);
      if (!excluded) yield entry;
      if (stat.isDirectory() && (!excluded || this.ignore.mayReincludeBelow(rel))) yield* this.walkBelow(rel, info);
    }
  }

  /** A walk that starts below the root needs its start's answers, computed from the path alone. */
  private parentMatch(dir: string): ParentMatch | undefined {
    if (dir === "") return undefined;
    return this.ignore.excludesInWalk(dir, undefined).info;
  }

  /** Removes what the context owns (a staged tar); idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.opts.owned) await fs.promises.rm(this.opts.owned, { recursive: true, force: true });
  }

  private checkOpen(): void {
    if (this.closed) throw new InvalidArgumentError("the build context was closed");
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

export function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** A file the context does not hold, in the classic builder's words (BUILD-API §3). */
export function notInContext(path: string): NotFoundError {
  return new NotFoundError(
    `file not found in build context or excluded by .dockerignore: stat ${posix.normalize(path)}: file does not exist`,
  );
}
