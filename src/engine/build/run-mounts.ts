// A RUN's `--mount`s made real for its container: what each type needs on the host (a cache
// directory, a context path or a copy of it, a tmpfs, a secret file in memory), as MountRequests
// for createContainer(), the part of them that belongs in the step's cache key, and the clean-up
// afterwards (locks, sources, secrets, and the mount points runc left in the step's layer).
//
//   const prepared = await prepareRunMounts(step.mounts, ctx);
//   try {
//     key = stepKey(..., prepared.cacheKey);  ... create (mounts: prepared.mounts, env: +prepared.env), start, wait
//   } finally { await prepared.release(); }
//   await prepared.scrubMountTargets(upperDir);  ... commit the upper
//
// Semantics follow the Dockerfile reference ("RUN --mount") and BuildKit's dockerfile2llb.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { posix } from "node:path";
import { InvalidArgumentError, NotFoundError, NotImplementedError, SystemError } from "../../errors.js";
import { FileDigestCache, digestSources, type BuildContext } from "../../build/context/index.js";
import type { RunMount } from "../../build/dockerfile/run-mount.js";
import type { MountRequest } from "../containers/mount-specs.js";
import type { Engine } from "../engine.js";
import type { BuildSecret } from "./build-request.js";
import { acquireCacheMount } from "./cache-mounts.js";
import { contextBindable, copyContextEntry, copyTree, resolveContextSource, resolveFromSource } from "./bind-sources.js";
import { recordMountStubs, scrubMountStubs } from "./mount-stubs.js";
import { MAX_SECRET_BYTES, SecretDir } from "./secret-files.js";

export { listCacheMounts, removeCacheMount, type CacheMountInfo } from "./cache-mounts.js";

export interface RunMountContext {
  readonly engine: Engine;
  /** The build context (type=bind without from=, the default source). */
  readonly context: BuildContext;
  /** Mounts another stage's or an image's filesystem read-only and says where (from=stage|image). */
  readonly mountSource: (from: string) => Promise<{ path: string; release(): Promise<void> }>;
  /** --secret values of the build. */
  readonly secrets: readonly BuildSecret[];
  /**
   * The environment `--secret id=x,env=VAR` reads VAR from: the client's (the CLI passes its
   * process.env; engine code never reads process.env itself). Absent: no env source resolves.
   */
  readonly clientEnv?: Readonly<Record<string, string | undefined>>;
  /** The RUN step's rootfs as its container will see it (mounted, read-only use): what exists before the run. */
  readonly rootfs: string;
  /** The step's WORKDIR: a relative target is below it, as BuildKit joins them. Default "/". */
  readonly workingDir?: string;
  /** A private directory for this step (removed by the caller after release()). */
  readonly workDir: string;
  /** The build's file digests, so that a bind of the context hashes each unchanged file once per build. */
  readonly digestCache?: FileDigestCache;
  readonly signal?: AbortSignal;
}

export interface PreparedRunMounts {
  readonly mounts: MountRequest[];
  /** `NAME=value` for each secret mounted with env=: for the RUN's process only, never the image's config. */
  readonly env: string[];
  /** What of the mounts belongs in the step's cache key (never a secret's content: only ids/targets). */
  readonly cacheKey: string;
  /** After the container ran (success or not): unlock cache mounts, unmount sources, wipe secrets. */
  release(): Promise<void>;
  /** Removes from the step's writable layer (`upperDir`) the mount points runc created there for
   *  these mounts that did not exist in the image before (BuildKit leaves no trace of a mount target),
   *  so that no empty /run/secrets/x or /cache dir reaches the layer. */
  scrubMountTargets(upperDir: string): Promise<void>;
}

type Cleanup = () => void | Promise<void>;

export async function prepareRunMounts(mounts: readonly RunMount[], ctx: RunMountContext): Promise<PreparedRunMounts> {
  const requests: MountRequest[] = [];
  const env: string[] = [];
  const keyParts: unknown[] = [];
  const cleanups: Cleanup[] = [];
  let secretDir: SecretDir | undefined;
  let copies = 0;
  const copyDir = () => {
    fs.mkdirSync(`${ctx.workDir}/mounts`, { recursive: true, mode: 0o700 });
    return `${ctx.workDir}/mounts/${copies++}`;
  };

  const release = async () => {
    const errors: unknown[] = [];
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0)
      throw new SystemError(`releasing the RUN's mounts: ${String((errors[0] as Error).message)}`, { cause: errors[0] });
  };

  try {
    for (const m of mounts) {
      const target = targetOf(m, ctx);
      switch (m.type) {
        case "ssh":
          throw new NotImplementedError("RUN --mount=type=ssh is not supported: berth has no SSH agent forwarding yet");

        case "tmpfs":
          requests.push(request("tmpfs", "", mustTarget(target, m), m.readOnly, m.sizeLimit > 0 ? [`size=${m.sizeLimit}`] : []));
          keyParts.push({ type: "tmpfs", target, size: m.sizeLimit, ro: m.readOnly });
          break;

        case "bind": {
          const dest = mustTarget(target, m);
          if (m.from === "") {
            const entry = await resolveContextSource(ctx.context, m.source);
            const content = await digestSources(ctx.context, [{ path: entry.rel, entry }], ctx.digestCache ?? FileDigestCache.memory());
            let source = entry.host;
            if (!m.readOnly || !contextBindable(ctx.context)) {
              // Writes must not reach the user's files, and ignored files must not reach the step.
              source = copyDir();
              await copyContextEntry(ctx.context, entry, source);
            }
            requests.push(request("bind", source, dest, m.readOnly));
            keyParts.push({ type: "bind", target: dest, source: entry.rel, rw: !m.readOnly, content });
          } else {
            const from = await ctx.mountSource(m.from);
            let keep = true;
            try {
              let source = resolveFromSource(from.path, m.source, m.from);
              if (!m.readOnly) {
                const copy = copyDir();
                await copyTree(source, copy);
                source = copy;
                keep = false;
              }
              requests.push(request("bind", source, dest, m.readOnly));
            } finally {
              if (keep) cleanups.push(() => from.release());
              else await from.release();
            }
            // The stage's or image's identity is the caller's to add: only it knows what from= resolved to.
            keyParts.push({ type: "bind", target: dest, from: m.from, source: posix.join("/", m.source), rw: !m.readOnly });
          }
          break;
        }

        case "cache": {
          const dest = mustTarget(target, m);
          const id = m.id || m.target;
          const sharing = m.sharing || "shared";
          const acquired = await acquireCacheMount(ctx.engine.config.root, {
            id,
            sharing,
            from: m.from,
            source: m.from === "" ? "" : posix.join("/", m.source),
            mode: m.mode,
            uid: m.uid,
            gid: m.gid,
            seed: m.from === "" ? undefined : (data) => seedCache(ctx, m, data),
            now: () => ctx.engine.clock.now(),
            signal: ctx.signal,
          });
          cleanups.push(() => acquired.release());
          requests.push(request("bind", acquired.path, dest, m.readOnly));
          keyParts.push({
            type: "cache",
            target: dest,
            id,
            sharing,
            from: m.from,
            source: m.source,
            ro: m.readOnly,
            mode: m.mode,
            uid: m.uid,
            gid: m.gid,
          });
          break;
        }

        case "secret": {
          const id = m.id || m.source || (m.target ? posix.basename(m.target) : "");
          // Only env= and no target: the secret is a variable, not a file (BuildKit's rule).
          const fileTarget = m.target !== "" ? target : m.env === undefined ? `/run/secrets/${posix.basename(id)}` : undefined;
          keyParts.push({
            type: "secret",
            id,
            target: fileTarget ?? null,
            env: m.env ?? null,
            required: m.required,
            mode: m.mode,
            uid: m.uid,
            gid: m.gid,
          });
          const content = await readSecret(ctx, id);
          if (content === undefined) {
            if (m.required) throw new NotFoundError(`secret ${id}: not found`);
            break; // an optional secret that is missing is left out
          }
          if (m.env !== undefined) env.push(`${m.env}=${content.toString("utf8")}`);
          if (fileTarget !== undefined) {
            if (!secretDir) {
              const dir = SecretDir.create(ctx.workDir);
              secretDir = dir;
              cleanups.push(() => dir.wipe());
            }
            const file = secretDir.write({ content, mode: m.mode ?? 0o400, uid: m.uid ?? 0, gid: m.gid ?? 0 });
            requests.push(request("bind", file, mustTarget(fileTarget, m), true));
          }
          break;
        }
      }
    }
  } catch (err) {
    await release().catch(() => undefined);
    throw err;
  }

  const taken = new Set<string>();
  for (const r of requests) {
    if (taken.has(r.destination)) {
      await release().catch(() => undefined);
      throw new InvalidArgumentError(`duplicate mount target ${r.destination}`);
    }
    taken.add(r.destination);
  }

  const stubs = recordMountStubs(
    ctx.rootfs,
    requests.map((r) => r.destination),
  );
  return {
    mounts: requests,
    env,
    cacheKey: createHash("sha256").update(JSON.stringify(keyParts)).digest("hex"),
    release,
    scrubMountTargets: (upperDir) => {
      scrubMountStubs(upperDir, stubs);
      return Promise.resolve();
    },
  };
}

/** The target as the container sees it: relative ones are below WORKDIR, as BuildKit joins them. */
function targetOf(m: RunMount, ctx: RunMountContext): string {
  if (m.target === "") return "";
  return posix.isAbsolute(m.target) ? posix.normalize(m.target) : posix.join("/", ctx.workingDir ?? "/", m.target);
}

function mustTarget(target: string, m: RunMount): string {
  if (target === "") throw new InvalidArgumentError(`invalid mount target for type ${m.type}: target is required`);
  if (target === "/") throw new InvalidArgumentError(`invalid mount target for type ${m.type}: cannot mount over "/"`);
  return target;
}

function request(
  type: "bind" | "tmpfs",
  source: string,
  destination: string,
  readOnly: boolean,
  tmpfsOptions: string[] = [],
): MountRequest {
  return { type, source, destination, readOnly, copy: false, propagation: "rprivate", tmpfsOptions };
}

async function seedCache(ctx: RunMountContext, m: RunMount, data: string): Promise<void> {
  const from = await ctx.mountSource(m.from);
  try {
    const source = resolveFromSource(from.path, m.source, m.from);
    if (!fs.statSync(source).isDirectory())
      throw new InvalidArgumentError(`cache mount source ${posix.join("/", m.source)} in ${m.from} is not a directory`);
    await copyTree(source, data);
  } finally {
    await from.release();
  }
}

/**
 * The --secret files, checked before anything is built, as buildx's secret store checks them when
 * it is made: a file that cannot be read, or is too big, fails the build even when no RUN mounts it.
 */
export function checkSecretSources(secrets: readonly BuildSecret[]): void {
  for (const secret of secrets) {
    if (secret.source.kind !== "file") continue;
    let st: fs.Stats;
    try {
      st = fs.statSync(secret.source.path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === "ENOENT" ? "no such file or directory" : (err as Error).message;
      throw new InvalidArgumentError(`secret ${secret.id}: failed to stat ${secret.source.path}: ${why}`);
    }
    if (!st.isFile()) throw new InvalidArgumentError(`secret ${secret.id}: ${secret.source.path} is not a regular file`);
    if (st.size > MAX_SECRET_BYTES) throw new InvalidArgumentError(`secret ${secret.id}: too big (max ${MAX_SECRET_BYTES / 1024}KB)`);
  }
}

/** A secret's bytes from its file or variable; undefined when the build has no such secret. */
async function readSecret(ctx: RunMountContext, id: string): Promise<Buffer | undefined> {
  const secret = ctx.secrets.find((s) => s.id === id);
  if (!secret) return undefined;
  let content: Buffer;
  if (secret.source.kind === "env") {
    const value = ctx.clientEnv?.[secret.source.name];
    if (value === undefined) return undefined;
    content = Buffer.from(value);
  } else {
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(secret.source.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new SystemError(`secret ${id}: ${(err as Error).message}`, { cause: err });
    }
    if (!st.isFile()) throw new InvalidArgumentError(`secret ${id}: not a regular file`);
    if (st.size > MAX_SECRET_BYTES) throw new InvalidArgumentError(`secret ${id}: too big (max ${MAX_SECRET_BYTES / 1024}KB)`);
    content = await fs.promises.readFile(secret.source.path);
  }
  if (content.length > MAX_SECRET_BYTES) throw new InvalidArgumentError(`secret ${id}: too big (max ${MAX_SECRET_BYTES / 1024}KB)`);
  return content;
}
