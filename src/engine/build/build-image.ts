// `build`: a Dockerfile built on berth's own engine. The Dockerfile is parsed (build/dockerfile),
// the stages the target needs are chosen, and each runs as soon as what it reads is ready, so that
// independent stages build at once. Every step ends as an image (stage-builder.ts); the target's
// last image is tagged, or its filesystem written out (--output).
import type { Engine } from "../engine.js";
import { readImage, type StoredImage } from "../images/read-image.js";
import { parseTagName } from "../images/image-names.js";
import { StageBuilder, type BuildSession, type PlannedStep } from "./stage-builder.js";
import { createStepContainer, removeAbandonedStepContainers, removeStepContainer } from "./step-container.js";
import { borrowRootfs } from "../containers/container-rootfs.js";
import { exportImageFilesystem } from "./build-export.js";
import { checkSecretSources } from "./run-mounts.js";
import { checkBuildStepHost } from "./step-host.js";
import type { BuildRequest, BuildResult } from "./build-request.js";
import type { StepInfo } from "./build-events.js";
import { FileDigestCache } from "../../build/context/index.js";
import {
  formatPlatform,
  hostPlatform,
  parseDockerfile,
  stagesForTarget,
  type Dockerfile,
  type Stage,
} from "../../build/dockerfile/dockerfile.js";
import type { Instruction } from "../../build/dockerfile/instructions.js";
import { PROXY_ARGS } from "../../build/dockerfile/expand.js";
import { CancelledError, ImageNotFoundError, InvalidArgumentError, NotFoundError } from "../../errors.js";
import { tagImage } from "../images/tag-image.js";

/** What a build is about to do, known before anything runs: the API answers 400 before its 200 with this. */
export interface PreparedBuild {
  readonly dockerfile: Dockerfile;
  readonly stages: readonly Stage[];
  readonly target: Stage;
  readonly tags: readonly string[];
}

/** Parses the Dockerfile and checks the target, tags and platform: every refusal that needs no step. */
export function prepareBuild(
  req: Pick<BuildRequest, "context" | "buildArgs" | "target" | "tags" | "platform" | "stepHost">,
): PreparedBuild {
  const tags = req.tags.map(parseTagName);
  checkBuildStepHost(req.stepHost ?? {});
  checkPlatform(req.platform, "--platform");
  const text = req.context.dockerfile.toString("utf8");
  if (text.trim() === "") throw new InvalidArgumentError(`the Dockerfile (${req.context.dockerfileName}) cannot be empty`);
  const dockerfile = parseDockerfile(text, { buildArgs: req.buildArgs, ...(req.target ? { target: req.target } : {}) });
  const plan = stagesForTarget(dockerfile, req.target);
  for (const stage of plan.stages) if (stage.platform !== "") checkPlatform(stage.platform, `FROM --platform`);
  return { dockerfile, stages: plan.stages, target: plan.target, tags };
}

export async function buildImage(engine: Engine, req: BuildRequest): Promise<BuildResult> {
  const prepared = prepareBuild(req);
  checkSecretSources(req.secrets);
  const { dockerfile, stages, target } = prepared;
  const { reporter } = req;
  for (const d of dockerfile.directives) {
    if (d.name === "syntax")
      reporter.event({ kind: "warning", message: `the syntax directive (${d.value}) is ignored: berth reads the Dockerfile itself` });
  }

  const labelSteps = Object.keys(req.labels)
    .sort()
    .map((key) => labelInstruction(key, req.labels[key]!));
  const steps = planSteps(dockerfile, stages, target, labelSteps);

  await removeAbandonedStepContainers(engine);
  const controller = new AbortController();
  const cancel = () => controller.abort();
  req.signal?.addEventListener("abort", cancel, { once: true });
  const digests = await FileDigestCache.open(`${engine.config.root}/build/file-digests.json`);
  const declaredArgs = new Set<string>(dockerfile.metaArgs.flatMap((a) => a.args.map((x) => x.key)));
  const stageResults = new Map<number, Promise<StoredImage>>();
  const finished: { stage: number; imageId: string }[] = [];
  const byIndex = new Map(stages.map((s) => [s.index, s]));
  const names = new Map(dockerfile.stages.filter((s) => s.name !== "").map((s) => [s.name, s.index]));

  const session: BuildSession = {
    engine,
    request: req,
    context: req.context.context,
    digests,
    reporter,
    signal: controller.signal,
    escapeToken: dockerfile.escapeToken,
    globalArgs: dockerfile.globalArgs,
    declaredArgs,
    cacheHits: [],
    cacheAllowed: req.cacheFrom.length > 0 ? cacheFromImages(engine, req.cacheFrom) : undefined,
    stageImage: (index) => stageImage(index),
    sourceImageId: async (from) => (await sourceImage(from)).record.id,
    mountSource: async (from) => mountSource(from),
    stepWorkDir: () => engine.store.workDir(),
  };

  const stageImage = (index: number): Promise<StoredImage> => {
    let result = stageResults.get(index);
    if (!result) {
      const stage = byIndex.get(index);
      if (!stage) throw new InvalidArgumentError(`stage ${index} is not part of this build`);
      result = buildStage(session, stage, steps.stages.get(index)!, req.noCache || req.noCacheFilter.includes(stage.name), stageImage);
      stageResults.set(index, result);
      result.then(
        (image) => {
          finished.push({ stage: index, imageId: image.record.id });
          reporter.event({ kind: "stage-done", stage: index, imageId: image.record.id });
        },
        () => controller.abort(),
      );
    }
    return result;
  };

  /** COPY --from and RUN --mount from=: a stage by name or index, else an image (pulled when absent). */
  const sourceImage = async (from: string): Promise<StoredImage> => {
    const index = /^\d+$/.test(from) ? Number(from) : names.get(from.toLowerCase());
    return index !== undefined && byIndex.has(index) ? stageImage(index) : baseImage(engine, from, req, () => undefined);
  };

  const mountSource = async (from: string) => {
    const image = await sourceImage(from);
    const id = createStepContainer(engine, { imageId: image.record.id, cmd: ["#(nop)"] });
    try {
      const borrowed = await borrowRootfs(engine, id);
      return {
        path: borrowed.rootfs,
        imageId: image.record.id,
        release: async () => {
          borrowed.giveBack();
          await removeStepContainer(engine, id);
        },
      };
    } catch (err) {
      await removeStepContainer(engine, id);
      throw err;
    }
  };

  try {
    for (const meta of steps.meta) reporter.event({ kind: "step-start", step: meta });
    // Every stage starts now; each waits only for the stages it reads.
    const all = stages.map((s) => stageImage(s.index));
    const results = await Promise.allSettled(all);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected" && !(r.reason instanceof CancelledError));
    if (failure) throw failure.reason;
    if (req.signal?.aborted) throw new CancelledError("the build was cancelled");
    const cancelled = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (cancelled) throw cancelled.reason;
    const final = await stageImage(target.index);
    const usedAt = new Date().toISOString();
    if (session.cacheHits.length > 0)
      engine.store.write(() => session.cacheHits.forEach((key) => engine.store.buildCache.touch(key, usedAt)));
    reporter.event({ kind: "built", imageId: final.record.id });

    if (req.output.type === "image") {
      for (const tag of prepared.tags) {
        tagImage(engine, final.record.id, tag);
        reporter.event({ kind: "tagged", name: tag });
      }
    } else {
      await exportImageFilesystem(engine, final.record.id, req.output);
      reporter.event({ kind: "exported", dest: req.output.dest });
    }
    await digests.save().catch(() => undefined);
    const unusedArgs = [...req.buildArgs.keys()].filter((k) => !declaredArgs.has(k) && !isProxyArg(k)).sort();
    if (unusedArgs.length > 0)
      reporter.event({ kind: "warning", message: `One or more build-args [${unusedArgs.join(" ")}] were not consumed` });
    return { imageId: final.record.id, stageImages: finished, unusedArgs };
  } finally {
    req.signal?.removeEventListener("abort", cancel);
  }
}

async function buildStage(
  session: BuildSession,
  stage: Stage,
  planned: StagePlan,
  noCache: boolean,
  stageImage: (index: number) => Promise<StoredImage>,
): Promise<StoredImage> {
  const { engine, reporter, request } = session;
  const { from, steps: rest } = planned;
  reporter.event({ kind: "step-start", step: from.info });
  let builder: StageBuilder;
  if (stage.baseStage !== undefined) {
    builder = new StageBuilder(session, { kind: "image", image: await stageImage(stage.baseStage) }, !noCache);
  } else if (stage.base.toLowerCase() === "scratch") {
    builder = new StageBuilder(session, { kind: "scratch", platform: hostPlatform() }, !noCache);
  } else {
    const image = await baseImage(engine, stage.base, request, (message) =>
      reporter.event({ kind: "step-progress", step: from.info, message }),
    );
    builder = new StageBuilder(session, { kind: "image", image }, !noCache);
  }
  reporter.event({ kind: "step-done", step: from.info, imageId: builder.image?.record.id ?? "" });
  // ONBUILD triggers of the base run first, inside the FROM step, and the child does not keep them.
  const triggers = builder.takeTriggers();
  if (triggers.length > 0) reporter.event({ kind: "step-triggers", step: from.info, count: triggers.length });
  for (const [i, text] of triggers.entries()) {
    const instruction = parseTrigger(text);
    await builder.apply({ info: { ...from.info, id: `${from.info.id}:onbuild:${i}`, text: instruction.original }, instruction });
  }
  for (const step of rest) await builder.apply(step);
  return builder.finish();
}

/** The image a FROM names: here already, or pulled (always with --pull). */
async function baseImage(
  engine: Engine,
  ref: string,
  req: Pick<BuildRequest, "pull" | "signal">,
  progress: (message: { id?: string; status: string; progressDetail?: { current: number; total?: number } }) => void,
): Promise<StoredImage> {
  const { store } = engine;
  const local = (): StoredImage | undefined => {
    try {
      return readImage(store, store.images.resolve(ref));
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  };
  if (!req.pull) {
    const found = local();
    if (found) return found;
  }
  // The registry client loads only when a base must be pulled: a build from local images never needs it.
  const { pullImage } = await import("../images/pull-image.js");
  const pulled = await pullImage(engine, ref, { progress, signal: req.signal });
  const record = store.images.get(pulled.imageId);
  if (!record) throw new ImageNotFoundError(`No such image: ${ref}`);
  return readImage(store, record);
}

const FILESYSTEM_STEPS: ReadonlySet<string> = new Set(["RUN", "COPY", "ADD", "WORKDIR"]);

/** A stage's FROM step and its instructions, numbered. */
interface StagePlan {
  readonly from: { readonly info: StepInfo };
  readonly steps: readonly PlannedStep[];
}

/** Step numbers as both views count them: global ARGs, then each built stage's FROM and instructions, --label steps last. */
function planSteps(
  df: Dockerfile,
  stages: readonly Stage[],
  target: Stage,
  labels: readonly Instruction[],
): { meta: StepInfo[]; stages: Map<number, StagePlan> } {
  const total = df.metaArgs.length + stages.reduce((n, s) => n + 1 + s.instructions.length, 0) + labels.length;
  const out = new Map<number, StagePlan>();
  let number = 0;
  const info = (stage: Stage | undefined, index: string, stageStep: number, stageSteps: number, text: string): StepInfo => ({
    id: `${stage?.index ?? -1}:${index}`,
    stage: stage?.index ?? -1,
    stageName: stage?.name ?? "",
    number: ++number,
    total,
    stageStep,
    stageSteps,
    text,
  });
  const meta = df.metaArgs.map((a, i) => info(undefined, String(i), i + 1, df.metaArgs.length, a.original));
  for (const stage of stages) {
    const own = [...stage.instructions, ...(stage.index === target.index ? labels : [])];
    // BuildKit's "[k/n]" counts the steps that make a filesystem vertex: FROM, RUN, COPY, ADD, WORKDIR.
    const count = 1 + own.filter((i) => FILESYSTEM_STEPS.has(i.kind)).length;
    const from = { info: info(stage, "from", 1, count, stage.from.original) };
    let at = 1;
    const steps = own.map((instruction, i) => {
      if (FILESYSTEM_STEPS.has(instruction.kind)) at++;
      return {
        info: info(stage, String(i), at, count, instruction.original),
        instruction,
        ...(i >= stage.instructions.length ? { literal: true } : {}),
      };
    });
    out.set(stage.index, { from, steps });
  }
  return { meta, stages: out };
}

/** A --label as the classic builder adds it: one LABEL step per label, its value taken literally. */
function labelInstruction(key: string, value: string): Instruction {
  return { kind: "LABEL", labels: [{ key, value, noDelim: false }], original: `LABEL ${key}=${value}`, startLine: 0, endLine: 0 };
}

function parseTrigger(text: string): Instruction {
  // Lazily: only a base with ONBUILD triggers needs the parser's node form.
  const parsed = parseDockerfile(`FROM scratch\n${text}\n`);
  const instruction = parsed.stages[0]?.instructions[0];
  if (!instruction) throw new InvalidArgumentError(`the base image's ONBUILD trigger cannot be read: ${text}`);
  return instruction;
}

/** berth builds for the machine it runs on: another platform is refused, not emulated. */
function checkPlatform(platform: string, what: string): void {
  if (platform === "") return;
  const host = hostPlatform();
  const [os, arch, variant] = platform.toLowerCase().split("/");
  const same =
    os === host.os && (arch === undefined || arch === host.architecture) && (variant === undefined || variant === (host.variant ?? ""));
  if (!same) {
    throw new InvalidArgumentError(`${what}=${platform}: berth builds for this machine's platform (${formatPlatform(host)}) only`);
  }
}

function isProxyArg(name: string): boolean {
  return (PROXY_ARGS as readonly string[]).includes(name.toUpperCase());
}

/** --cache-from: the images named and every image they were built on. */
function cacheFromImages(engine: Engine, refs: readonly string[]): Set<string> {
  const { store } = engine;
  const allowed = new Set<string>();
  for (const ref of refs) {
    let record;
    try {
      record = store.images.resolve(ref);
    } catch (err) {
      if (err instanceof NotFoundError) continue; // docker build goes on without a cache source it cannot find
      throw err;
    }
    for (let at: typeof record | undefined = record; at && !allowed.has(at.id); at = at.parent ? store.images.get(at.parent) : undefined) {
      allowed.add(at.id);
    }
  }
  return allowed;
}
