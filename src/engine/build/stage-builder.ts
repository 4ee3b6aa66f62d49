// One stage of a build: its instructions applied in order to the image it starts from. Each step
// is looked up in the build cache first (its key: the parent image, the instruction, the build
// args in scope and, for COPY and ADD, the content copied); a hit reuses the image the step made
// before and runs nothing. A miss runs the step: metadata steps change the config, RUN runs a
// container, COPY/ADD/WORKDIR write into a step container's rootfs; each ends as an image.
import { posix } from "node:path";
import type { Engine } from "../engine.js";
import { readImage, type StoredImage } from "../images/read-image.js";
import { commitStepImage, type StepBase, type StepCommit } from "./step-image.js";
import { runStep } from "./run-step.js";
import { createStepContainer, removeStepContainer, withStepRootfs } from "./step-container.js";
import { stepCacheKey } from "./step-key.js";
import { metadataCreatedBy, runCreatedBy, workdirCreatedBy } from "./created-by.js";
import { applyMetadata, DEFAULT_SHELL } from "./metadata-step.js";
import { planCopy, applyCopy, type CopyStep, type PlannedCopy } from "./copy-files.js";
import { prepareRunMounts, type PreparedRunMounts } from "./run-mounts.js";
import { heredocCommand, PIPES_DIR } from "./run-heredoc.js";
import type { MountRequest } from "../containers/mount-specs.js";
import * as fs from "node:fs";
import type { BuildReporter, StepInfo } from "./build-events.js";
import type { BuildRequest } from "./build-request.js";
import { BuildStepError } from "./build-errors.js";
import { expandInstruction, proxyEnv, resolveArgs } from "../../build/dockerfile/expand.js";
import { envFrom, type EnvLookup } from "../../build/dockerfile/shell-lex.js";
import type { ArgInstruction, Instruction } from "../../build/dockerfile/instructions.js";
import { formatPlatform } from "../../build/dockerfile/dockerfile.js";
import type { BuildContext, FileDigestCache } from "../../build/context/index.js";
import type { ContainerConfig } from "../../image/config.js";
import { BerthError, CancelledError, InvalidArgumentError } from "../../errors.js";

/** What every stage of one build shares. */
export interface BuildSession {
  readonly engine: Engine;
  readonly request: BuildRequest;
  readonly context: BuildContext;
  readonly digests: FileDigestCache;
  readonly reporter: BuildReporter;
  readonly signal: AbortSignal;
  readonly escapeToken: string;
  readonly globalArgs: ReadonlyMap<string, string>;
  /** ARG names any built instruction declared: the rest of --build-arg is reported unused. */
  readonly declaredArgs: Set<string>;
  /** Image IDs --cache-from allows the cache to answer with; undefined: any. */
  readonly cacheAllowed: ReadonlySet<string> | undefined;
  /** The image another stage (by index) ended with, or a base image by reference. */
  stageImage(index: number): Promise<StoredImage | undefined>;
  /** The image a COPY --from or RUN --mount from= names: a stage's result, or an image (pulled when absent). */
  sourceImageId(from: string): Promise<string>;
  /** Mounts a stage's or an image's filesystem for reading (COPY --from, RUN --mount from=). */
  mountSource(from: string): Promise<{ path: string; imageId: string; release(): Promise<void> }>;
  /** Keys the cache answered: dated and counted in one write when the build ends. */
  readonly cacheHits: string[];
  /** A private directory for one step, removed by the caller. */
  stepWorkDir(): { path: string; remove(): void };
}

/** One instruction to run, with where the progress views show it. */
export interface PlannedStep {
  readonly info: StepInfo;
  readonly instruction: Instruction;
  /** Taken as written, never expanded (the --label steps). */
  readonly literal?: boolean;
}

export class StageBuilder {
  private base: StepBase;
  private config: ContainerConfig;
  private readonly args = new Map<string, string | undefined>();
  private cmdSet = false;
  private author: string | undefined;

  constructor(
    private readonly session: BuildSession,
    base: StepBase,
    /** Whether the cache answers this stage's steps (--no-cache, --no-cache-filter). */
    private readonly useCache: boolean,
  ) {
    this.base = base;
    this.config = base.kind === "image" ? structuredClone(base.image.config.config ?? {}) : {};
    this.author = base.kind === "image" ? base.image.config.author : undefined;
  }

  /** The image the stage stands on now (undefined: scratch with no step yet). */
  get image(): StoredImage | undefined {
    return this.base.kind === "image" ? this.base.image : undefined;
  }

  /** ONBUILD triggers of the base image, which run first and are not inherited. */
  takeTriggers(): string[] {
    const triggers = this.config.OnBuild ?? [];
    this.config.OnBuild = null;
    return [...triggers];
  }

  async apply(step: PlannedStep): Promise<void> {
    const { reporter, signal } = this.session;
    if (signal.aborted) throw new CancelledError("the build was cancelled");
    // A step that reads another stage starts once that stage is done, as BuildKit shows it.
    for (const from of stagesRead(step.instruction)) await this.session.sourceImageId(from);
    reporter.event({ kind: "step-start", step: step.info });
    try {
      await this.dispatch(step);
    } catch (err) {
      if (!(err instanceof CancelledError)) reporter.event({ kind: "step-error", step: step.info, message: errorText(err) });
      throw err instanceof BerthError || !(err instanceof Error) ? err : new BuildStepError(err.message, { step: step.info, cause: err });
    }
    reporter.event({ kind: "step-done", step: step.info, imageId: this.requireImage().record.id });
  }

  private requireImage(): StoredImage {
    const image = this.image;
    if (!image) throw new InvalidArgumentError("the stage has no image yet");
    return image;
  }

  private get shell(): string[] {
    return [...(this.config.Shell?.length ? this.config.Shell : DEFAULT_SHELL)];
  }

  /** The variables expansion sees: the stage's ARGs, then its ENV (ENV wins, as in the reference). */
  private get env(): EnvLookup {
    const values = new Map<string, string>();
    for (const [k, v] of this.args) if (v !== undefined) values.set(k, v);
    for (const entry of this.config.Env ?? []) {
      const at = entry.indexOf("=");
      values.set(at < 0 ? entry : entry.slice(0, at), at < 0 ? "" : entry.slice(at + 1));
    }
    return envFrom(values);
  }

  /** The build args in scope that have a value: the RUN environment's extra and every key's part. */
  private get argValues(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, v] of this.args) if (v !== undefined) out.set(k, v);
    return out;
  }

  private async dispatch(step: PlannedStep): Promise<void> {
    const raw = step.instruction;
    if (raw.kind === "ARG") return this.arg(step, raw);
    const instruction = step.literal ? raw : expandInstruction(raw, this.env, this.session.escapeToken).instruction;
    switch (instruction.kind) {
      case "RUN":
        return this.run(step, instruction);
      case "COPY":
      case "ADD":
        return this.copy(step, instruction);
      case "WORKDIR":
        return this.workdir(step, instruction.path);
      default:
        return this.metadata(step, instruction);
    }
  }

  private async arg(step: PlannedStep, instr: ArgInstruction): Promise<void> {
    const values = resolveArgs(instr, {
      buildArgs: this.session.request.buildArgs,
      globalArgs: envFrom(this.session.globalArgs),
      env: this.env,
      escapeToken: this.session.escapeToken,
    });
    for (const v of values) {
      this.args.set(v.key, v.value);
      this.session.declaredArgs.add(v.key);
    }
    const text = `ARG ${values.map((v) => (v.value === undefined ? v.key : `${v.key}=${v.value}`)).join(" ")}`;
    await this.commitMetadata(step, text, this.config);
  }

  /** Instructions that change only the config: one image each, with an empty layer. */
  private async metadata(step: PlannedStep, instr: Instruction): Promise<void> {
    const change = applyMetadata(this.config, instr, { cmdSet: this.cmdSet });
    this.cmdSet = change.cmdSet;
    if (change.author !== undefined) this.author = change.author;
    // SHELL's own history entry already starts with the new shell, as the classic builder writes it.
    if (instr.kind === "SHELL") this.config = change.config;
    await this.commitMetadata(step, change.text, change.config);
  }

  /**
   * A metadata step changes the config alone. Only when the request keeps intermediate containers
   * (rm=false: docker-py's default, BUILD-API §7) does it commit through a created, never-started
   * container, as the classic builder's do, so that what such a client finds matches dockerd; a
   * container made only to be removed again would cost every cold build its time for nothing.
   */
  private async commitMetadata(step: PlannedStep, text: string, next: ContainerConfig): Promise<void> {
    const { createdBy, cmd } = metadataCreatedBy(this.shell, text);
    const { engine, reporter, request } = this.session;
    await this.cached(step, [], async () => {
      const commit = (containerId?: string) =>
        this.commit({ config: next, containerCmd: cmd, createdBy, author: this.author, containerId });
      // On scratch before any layer there is no image to make a container from.
      const parent = this.image;
      if (!parent || request.rm) return commit();
      const id = createStepContainer(engine, { imageId: parent.record.id, cmd });
      reporter.event({ kind: "step-container", step: step.info, containerId: id });
      let succeeded = false;
      try {
        const image = await commit(id);
        succeeded = true;
        return image;
      } finally {
        const keep = succeeded ? !request.rm : !request.forceRm && !this.session.signal.aborted;
        if (!keep) {
          await removeStepContainer(engine, id);
          reporter.event({ kind: "step-container-removed", step: step.info, containerId: id });
        }
      }
    });
  }

  private async workdir(step: PlannedStep, path: string): Promise<void> {
    const resolved = posix.resolve(this.config.WorkingDir || "/", path);
    const next = { ...structuredClone(this.config), WorkingDir: resolved };
    const { createdBy, cmd } = workdirCreatedBy(this.shell, resolved);
    await this.cached(step, [], async () => {
      const parent = await this.containerBase();
      // create() makes the directory in the container's writable layer, root-owned 0755.
      const id = createStepContainer(this.session.engine, { imageId: parent.record.id, cmd, workingDir: resolved });
      try {
        return await this.commit({
          config: next,
          containerCmd: cmd,
          createdBy,
          author: this.author,
          upperDir: this.session.engine.store.layers.upperDir(id),
          containerId: id,
        });
      } finally {
        await removeStepContainer(this.session.engine, id);
      }
    });
  }

  private async run(step: PlannedStep, instr: Extract<Instruction, { kind: "RUN" }>): Promise<void> {
    const { request, engine } = this.session;
    if (instr.security === "insecure") {
      throw new InvalidArgumentError("RUN --security=insecure needs the security.insecure entitlement, which berth does not grant");
    }
    const { argv, script } = heredocCommand(instr, this.shell);
    const argValues = this.argValues;
    const { createdBy, cmd } = runCreatedBy(argv, argValues);
    const network = instr.network !== "default" ? instr.network : request.network;
    const mounts = instr.mounts ?? [];
    const env = [...[...argValues].map(([k, v]) => `${k}=${v}`), ...proxyEnv(request.buildArgs).map(([k, v]) => `${k}=${v}`)];
    // The mounts' own part of the key (ids, targets, sources' content) is known only once prepared.
    let prepared: PreparedRunMounts | undefined;
    const work = this.session.stepWorkDir();
    try {
      if (mounts.length > 0) {
        const parent = this.image;
        prepared = await withParentRootfs(engine, parent, async (rootfs) =>
          prepareRunMounts(mounts, {
            engine,
            context: this.session.context,
            mountSource: async (from) => this.session.mountSource(from),
            secrets: request.secrets,
            ...(request.clientEnv ? { clientEnv: request.clientEnv } : {}),
            rootfs,
            workingDir: this.config.WorkingDir || "/",
            workDir: work.path,
            digestCache: this.session.digests,
            signal: this.session.signal,
          }),
        );
      }
      const scriptMounts: MountRequest[] = [];
      if (script) {
        const file = `${work.path}/${script.name.replace(/\//g, "_")}`;
        fs.writeFileSync(file, script.data, { mode: 0o755 });
        scriptMounts.push(bindReadOnly(file, `${PIPES_DIR}/${script.name}`));
      }
      // A mount from another stage or image is keyed by what it names now: that image's ID.
      const sources = await Promise.all(
        mounts.filter((m) => m.from !== "" && m.type !== "cache").map(async (m) => `${m.from}=${await this.session.sourceImageId(m.from)}`),
      );
      const keyParts = [
        createdBy,
        `network=${network}`,
        ...(script ? [script.data] : []),
        ...(prepared ? [prepared.cacheKey] : []),
        ...sources,
      ];
      await this.cached(step, keyParts, async () =>
        runStep(
          engine,
          {
            imageId: (await this.containerBase()).record.id,
            cmd: argv,
            env: [...env, ...(prepared?.env ?? [])],
            user: this.config.User,
            workingDir: this.config.WorkingDir,
            network: network === "default" ? "bridge" : network,
            extraHosts: request.extraHosts,
            shmSize: request.shmSize,
            ulimits: request.ulimits,
            limits: request.stepHost,
            mounts: [...scriptMounts, ...(prepared?.mounts ?? [])],
            step: step.info,
            reporter: this.session.reporter,
            signal: this.session.signal,
            commandText: argv.join(" "),
            keepOnSuccess: !request.rm,
            keepOnFailure: !request.forceRm,
          },
          async (containerId) => {
            const upperDir = engine.store.layers.upperDir(containerId);
            await prepared?.scrubMountTargets(upperDir);
            return this.commit({ config: this.config, containerCmd: cmd, createdBy, author: this.author, upperDir, containerId });
          },
        ),
      );
    } finally {
      await prepared?.release();
      work.remove();
    }
  }

  private async copy(step: PlannedStep, instr: Extract<Instruction, { kind: "COPY" | "ADD" }>): Promise<void> {
    const from = instr.kind === "COPY" ? instr.from : "";
    const work = this.session.stepWorkDir();
    let source: { path: string; imageId: string; release(): Promise<void> } | undefined;
    const copyStep = (): CopyStep => ({
      instruction: instr,
      workingDir: this.config.WorkingDir || "/",
      from: source ? { kind: "rootfs", rootfs: source.path, imageId: source.imageId } : { kind: "context", context: this.session.context },
      digests: this.session.digests,
      signal: this.session.signal,
      progress: (message) => this.session.reporter.event({ kind: "step-progress", step: step.info, message }),
      workDir: work.path,
    });
    try {
      if (from) {
        // A copy from another stage or image is keyed by that image's ID: its files are read only on a miss.
        const imageId = await this.session.sourceImageId(from);
        await this.cached(step, [`from=${imageId}`], async () => {
          source = await this.session.mountSource(from);
          const planned = await withCopyPrefix(instr.kind, () => planCopy(copyStep()));
          return this.writeCopy(instr.kind, copyStep(), planned);
        });
      } else {
        const planned = await withCopyPrefix(instr.kind, () => planCopy(copyStep()));
        await this.cached(step, [planned.cacheKey], async () => this.writeCopy(instr.kind, copyStep(), planned));
      }
    } finally {
      await source?.release();
      work.remove();
    }
  }

  /** A COPY or ADD on a miss: the files written into a step container's rootfs, its writable layer committed. */
  private async writeCopy(kind: "COPY" | "ADD", copyStep: CopyStep, planned: PlannedCopy): Promise<StoredImage> {
    const { engine } = this.session;
    // The classic builder prefixes COPY and ADD, as every step, with the stage's SHELL.
    const text = planned.createdBy.replace(/^\/bin\/sh -c #\(nop\) /, "");
    const parent = await this.containerBase();
    return withStepRootfs(engine, { imageId: parent.record.id, cmd: ["#(nop)"] }, async (rootfs, id) => {
      await withCopyPrefix(kind, () => applyCopy(copyStep, planned, rootfs));
      return this.commit({
        config: this.config,
        containerCmd: [...this.shell, `#(nop) ${text}`],
        createdBy: `${this.shell.join(" ")} #(nop) ${text}`,
        author: this.author,
        upperDir: engine.store.layers.upperDir(id),
        containerId: id,
      });
    });
  }

  private async commit(commit: StepCommit): Promise<StoredImage> {
    return commitStepImage(this.session.engine, this.base, commit);
  }

  /**
   * The cache, then the step: `make` runs only on a miss (or with the cache off), and what it made
   * is recorded under the step's key. Either way the stage moves on to that image, and the config
   * with it.
   */
  private async cached(step: PlannedStep, keyParts: readonly string[], make: () => Promise<StoredImage>): Promise<void> {
    const { engine, reporter } = this.session;
    const { store } = engine;
    const parent = this.image?.record.id ?? `scratch:${this.base.kind === "scratch" ? formatPlatform(this.base.platform) : ""}`;
    const key = stepCacheKey({ parent, instruction: step.instruction, args: this.argValues, extra: keyParts });
    if (this.useCache) {
      const hit = store.buildCache.get(key);
      const image =
        hit && (!this.session.cacheAllowed || this.session.cacheAllowed.has(hit.imageId)) ? store.images.get(hit.imageId) : undefined;
      if (hit && image) {
        this.session.cacheHits.push(key);
        this.moveTo(readImage(store, image));
        reporter.event({ kind: "step-cached", step: step.info, imageId: image.id });
        return;
      }
    }
    const made = await make();
    store.write(() => store.buildCache.put(key, made.record.id, step.info.text, new Date().toISOString()));
    this.moveTo(made);
  }

  private moveTo(image: StoredImage): void {
    this.base = { kind: "image", image };
    this.config = structuredClone(image.config.config ?? {});
  }

  /** The stage's result: its last step's image (a stage of FROM scratch alone: an empty image). */
  async finish(): Promise<StoredImage> {
    return this.containerBase();
  }

  /**
   * The image a step's container is made from. On scratch with no step yet that is an image of no
   * layer and no history (a container needs an image; the build's result never shows it).
   */
  private async containerBase(): Promise<StoredImage> {
    if (this.base.kind === "image") return this.base.image;
    const image = await commitStepImage(this.session.engine, this.base, { config: this.config, containerCmd: [], createdBy: undefined });
    this.base = { kind: "image", image };
    return image;
  }
}

/** The parent's rootfs mounted for reading (what exists before a RUN), or an empty directory for scratch. */
async function withParentRootfs<T>(engine: Engine, parent: StoredImage | undefined, use: (rootfs: string) => Promise<T>): Promise<T> {
  if (!parent) {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const dir = mkdtempSync(`${engine.store.root}/tmp/scratch-`);
    try {
      return await use(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return withStepRootfs(engine, { imageId: parent.record.id, cmd: ["#(nop)"] }, async (rootfs) => use(rootfs));
}

function bindReadOnly(source: string, destination: string): MountRequest {
  return { type: "bind", source, destination, readOnly: true, copy: false, propagation: "", tmpfsOptions: [] };
}

/** The stages or images a step reads besides its own stage: COPY --from, RUN --mount from=. */
function stagesRead(instruction: Instruction): string[] {
  if (instruction.kind === "COPY") return instruction.from ? [instruction.from] : [];
  if (instruction.kind === "RUN") return (instruction.mounts ?? []).filter((m) => m.from !== "" && m.type !== "cache").map((m) => m.from);
  return [];
}

/** The classic builder names the failing instruction: "COPY failed: file not found in build context ...". */
async function withCopyPrefix<T>(kind: "COPY" | "ADD", work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof BerthError && !err.message.startsWith(`${kind} failed: `)) err.message = `${kind} failed: ${err.message}`;
    throw err;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
