// The sources of a COPY or ADD, found in the context as BuildKit finds them: each is cleaned
// against the context's root ("../x" and "/x" are the context's "x"), symlinks are followed inside
// the context, and a pattern (filepath.Match: "*" and "?" within one path element, "[...]"; "**"
// is no more than "*") is expanded element by element over what the ignore rules leave.
import { InvalidArgumentError, NotFoundError } from "../../errors.js";
import { type BuildContext, type ContextEntry, notInContext } from "./build-context.js";
import { cleanPath, containsWildcards, globMatch } from "./go-path.js";

/** One path a COPY takes from the context. */
export interface CopySource {
  /**
   * The path as the Dockerfile reached it, relative to the context root ("src/a.txt", or what a
   * pattern matched): its last element names the copy in a destination directory.
   */
  readonly path: string;
  /** Where it is, after symlinks: a walk or a read starts from here. */
  readonly entry: ContextEntry;
}

/**
 * The sources one COPY argument names, in name order for a pattern. A name with a trailing "/"
 * (or "/.") must be a directory. A literal that is missing (or ignored) fails with the classic
 * builder's words; a pattern that matches nothing fails with "no source files were specified".
 */
export async function resolveCopySource(context: BuildContext, source: string): Promise<CopySource[]> {
  const wantsDirectory = /\/\.?$/.test(source);
  const rel = cleanPath(`/${source}`).slice(1);
  const found = containsWildcards(rel) ? await expand(context, rel) : await literal(context, source, rel);
  if (found.length === 0) throw new NotFoundError("no source files were specified");
  if (wantsDirectory) {
    const file = found.find((f) => !f.entry.stat.isDirectory());
    if (file) throw new InvalidArgumentError(`${source}: not a directory`);
  }
  return found;
}

/** Several arguments' sources, in argument order (what one COPY instruction copies). */
export async function resolveCopySources(context: BuildContext, sources: readonly string[]): Promise<CopySource[]> {
  const out: CopySource[] = [];
  for (const source of sources) out.push(...(await resolveCopySource(context, source)));
  return out;
}

async function literal(context: BuildContext, source: string, rel: string): Promise<CopySource[]> {
  const entry = await context.resolve(rel);
  if (!entry) throw notInContext(source.replace(/^\/+/, "") || ".");
  return [{ path: rel, entry }];
}

/**
 * BuildKit's way: the elements before the first pattern are looked up like a literal source
 * (symlinks followed inside the context); from there on, elements are matched against what is
 * really there, without entering symlinked directories, and each final match is followed.
 */
async function expand(context: BuildContext, rel: string): Promise<CopySource[]> {
  const parts = rel.split("/");
  const first = parts.findIndex(containsWildcards);
  const prefix = parts.slice(0, first).join("/");
  const start = await context.resolve(prefix);
  if (!start) return [];
  let current: CopySource[] = [{ path: prefix, entry: start }];
  for (let i = first; i < parts.length; i++) {
    const part = parts[i]!;
    const next: CopySource[] = [];
    for (const at of current) {
      if (!at.entry.stat.isDirectory()) continue;
      const join = (name: string) => (at.path === "" ? name : `${at.path}/${name}`);
      const children = containsWildcards(part)
        ? (await context.list(at.entry.rel)).filter((c) => globMatch(part, c.rel.slice(c.rel.lastIndexOf("/") + 1)))
        : [await context.entry(at.entry.rel === "" ? part : `${at.entry.rel}/${part}`)].filter((c) => c !== undefined);
      for (const child of children) next.push({ path: join(child.rel.slice(child.rel.lastIndexOf("/") + 1)), entry: child });
    }
    current = next;
  }
  // A match that is a symlink is followed, inside the context, like a literal source.
  const out: CopySource[] = [];
  for (const match of current) {
    const entry = match.entry.stat.isSymbolicLink() ? await context.resolve(match.entry.rel) : match.entry;
    if (entry) out.push({ path: match.path, entry });
  }
  return out;
}
