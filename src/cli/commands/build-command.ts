// `berth build` (= `image build`, `builder build`, and buildx's `buildx build`): flags and the
// context argument read as the docker CLI and buildx read them, into one BuildRequest for the
// engine's buildImage(). Progress is drawn on stderr by the build-progress view; -q prints the
// image ID alone. A failed build exits 1, as the docker CLI does with BuildKit.
import * as fs from "node:fs";
import { resolve as resolvePath } from "node:path";
import type { Command } from "commander";
import { collect, parseBool, type CommandSpec } from "../command-spec.js";
import { checkBuildContentTrust } from "../content-trust.js";
import { ClientError } from "../errors.js";
import type { CliContext } from "../context.js";
import { BerthError } from "../../errors.js";
import { parseReference } from "../../image/reference.js";
import { parseAddHostFlag } from "../../engine/containers/hosts-file.js";
import { checkBuildPlatform } from "../../engine/build/build-platform.js";
import type { BuildOutput, BuildRequest, BuildSecret, BuildStepHost, BuildUlimit } from "../../engine/build/build-request.js";
import type { BuildContextHandle } from "../../engine/build/open-build-context.js";
import type { ProgressMode as BuildProgressMode } from "../format/build-progress.js";
import { parseBytes, parseSwap, parseUlimit } from "./run-flags.js";
import { parseInt64 } from "./resource-flags.js";
import {
  collectValues,
  flagValue,
  isUrlContext,
  parseBuildArgs,
  parseBuildNetwork,
  parseLabelFlags,
  parseOutputFlag,
  parseProgressFlag,
  parseSecretFlag,
} from "./build-flags.js";

const USAGE = "[OPTIONS] PATH | URL | -";

/** The value's form is checked as it is parsed; an `id=` alone looks at the environment later. */
function checkSecretFlag(spec: string): string {
  parseSecretFlag(spec, {});
  return spec;
}

function checkTag(tag: string): string {
  parseReference(tag);
  return tag;
}

function buildOptions(cmd: Command): Command {
  return (
    cmd
      .option("--add-host <list>", 'Add a custom host-to-IP mapping ("host:ip")', collectValues(parseAddHostFlag), [])
      .option("--build-arg <list>", "Set build-time variables (NAME=VALUE, or NAME to take its value from the environment)", collect, [])
      .option("--cache-from <strings>", "Images to consider as cache sources", collect, [])
      .option("--cgroup-parent <string>", 'Set the parent cgroup for the "RUN" instructions during build')
      .option("--cpu-period <int>", "Limit the CPU CFS (Completely Fair Scheduler) period", parseInt64)
      .option("--cpu-quota <int>", "Limit the CPU CFS (Completely Fair Scheduler) quota", parseInt64)
      .option("-c, --cpu-shares <int>", "CPU shares (relative weight)", parseInt64)
      .option("--cpuset-cpus <string>", "CPUs in which to allow execution (0-3, 0,1)")
      .option("--cpuset-mems <string>", "MEMs in which to allow execution (0-3, 0,1)")
      // No default: unset, DOCKER_CONTENT_TRUST decides (docker's default is its negation).
      .option("--disable-content-trust [bool]", "Skip image verification (default true)", parseBool)
      .option("-f, --file <string>", 'Name of the Dockerfile (Default is "PATH/Dockerfile"; "-" reads it from stdin)')
      .option("--force-rm", "Always remove intermediate containers")
      .option("--iidfile <string>", "Write the image ID to the file")
      .option("--isolation <string>", "Container isolation technology")
      .option("--label <list>", "Set metadata for an image", collect, [])
      .option("--load", "Shorthand for --output=type=image (buildx's type=docker)")
      .option("-m, --memory <bytes>", "Memory limit", parseBytes)
      .option("--memory-swap <bytes>", "Swap limit equal to memory plus swap: -1 to enable unlimited swap", parseSwap)
      .option(
        "--network <string>",
        'Set the networking mode for the RUN instructions during build: "default", "host" or "none"',
        flagValue(parseBuildNetwork),
        "default",
      )
      .option("--no-cache", "Do not use cache when building the image")
      .option("--no-cache-filter <stages>", "Do not cache the given stages", collect, [])
      .option(
        "-o, --output <spec>",
        'Output destination: "type=local,dest=DIR", "type=tar,dest=FILE" ("-": stdout) or "type=image" (default); a bare DIR is type=local',
        collectValues(parseOutputFlag),
        [],
      )
      .option("--platform <string>", "Set the target platform (berth builds only for this machine's)")
      .option("--progress <string>", 'Set type of progress output ("auto", "plain", "tty", "quiet")', flagValue(parseProgressFlag), "auto")
      .option("--pull", "Always attempt to pull a newer version of the image")
      .option("-q, --quiet", "Suppress the build output and print image ID on success")
      .option("--rm", "Remove intermediate containers after a successful build", true)
      .option("--security-opt <strings>", "Security options", collect, [])
      .option(
        "--secret <spec>",
        'Secret to expose to the build ("id=mysecret[,src=/local/secret]" or "id=ID,env=VAR")',
        collectValues(checkSecretFlag),
        [],
      )
      .option("--shm-size <bytes>", 'Size of "/dev/shm" for RUN instructions', flagValue(parseBytes))
      .option(
        "--squash",
        "Accepted for compatibility: berth already writes one minimal layer per filesystem step, so there is nothing to squash",
      )
      .option("-t, --tag <list>", 'Name and optionally a tag in the "name:tag" format', collectValues(checkTag), [])
      .option("--target <string>", "Set the target build stage to build.")
      .option("--ulimit <ulimit>", "Ulimit options for RUN instructions", collectValues(parseBuildUlimit), [])
  );
}

function parseBuildUlimit(spec: string): BuildUlimit {
  try {
    const { Name, Soft, Hard } = parseUlimit(spec);
    return { name: Name, soft: Soft, hard: Hard };
  } catch (err) {
    // parseUlimit words the whole flag error; the flag parser adds the "invalid argument" part again.
    throw new Error((err as Error).message.replace(/^invalid argument "[^"]*" for "--ulimit" flag: /, ""));
  }
}

/** What the flags ask, before the context is opened: every value checked, nothing read yet. */
export type BuildFlags = Omit<BuildRequest, "context" | "reporter" | "signal" | "clientEnv" | "target"> & {
  readonly target: string | undefined;
  readonly progress: BuildProgressMode;
  readonly quiet: boolean;
  readonly iidfile: string | undefined;
  readonly file: string | undefined;
};

/** The parsed flags as the request's parts; refusals here are the client's (exit 1, no prefix). */
export function buildFlags(opts: Record<string, unknown>, env: NodeJS.ProcessEnv): BuildFlags {
  const outputs = opts.output as BuildOutput[];
  if (outputs.length > 1) throw new ClientError("multiple outputs are not supported: give one --output");
  if (opts.load && outputs.length > 0 && outputs[0]!.type !== "image")
    throw new ClientError("--load and --output are the same choice: give one of them");
  let platform: string;
  try {
    platform = checkBuildPlatform((opts.platform as string | undefined) ?? "");
  } catch (err) {
    throw new ClientError((err as Error).message);
  }
  const quiet = Boolean(opts.quiet);
  return {
    tags: opts.tag as string[],
    buildArgs: parseBuildArgs(opts.buildArg as string[], env),
    target: opts.target as string | undefined,
    labels: parseLabelFlags(opts.label as string[]),
    noCache: opts.cache === false,
    // Commander files `--no-cache-filter` under "cacheFilter" (it reads "no-" as a negation).
    noCacheFilter: ((opts.cacheFilter as string[] | undefined) ?? []).flatMap((s) => s.split(",")).filter(Boolean),
    pull: Boolean(opts.pull),
    network: opts.network as "default" | "host" | "none",
    extraHosts: opts.addHost as string[],
    platform,
    output: absoluteOutput(outputs[0] ?? { type: "image" }),
    cacheFrom: (opts.cacheFrom as string[]).flatMap((s) => s.split(",")).filter(Boolean),
    secrets: (opts.secret as string[]).map((spec) => absoluteSecret(parseSecretFlag(spec, env))),
    shmSize: (opts.shmSize as number | undefined) ?? 0,
    ulimits: opts.ulimit as BuildUlimit[],
    stepHost: stepHostFlags(opts),
    rm: opts.rm !== false,
    forceRm: Boolean(opts.forceRm),
    progress: quiet ? "quiet" : (opts.progress as BuildProgressMode),
    quiet,
    iidfile: opts.iidfile as string | undefined,
    file: opts.file as string | undefined,
  };
}

/** The RUN steps' HostConfig flags, as the docker CLI sends them (`--security-opt` is a comma list). */
function stepHostFlags(opts: Record<string, unknown>): BuildStepHost {
  const securityOpt = (opts.securityOpt as string[]).flatMap((s) => s.split(",")).filter(Boolean);
  return {
    Memory: (opts.memory as number | undefined) ?? 0,
    MemorySwap: (opts.memorySwap as number | undefined) ?? 0,
    CpuShares: (opts.cpuShares as number | undefined) ?? 0,
    CpuPeriod: (opts.cpuPeriod as number | undefined) ?? 0,
    CpuQuota: (opts.cpuQuota as number | undefined) ?? 0,
    CpusetCpus: (opts.cpusetCpus as string | undefined) ?? "",
    CpusetMems: (opts.cpusetMems as string | undefined) ?? "",
    CgroupParent: (opts.cgroupParent as string | undefined) ?? "",
    SecurityOpt: securityOpt.length ? securityOpt : null,
    Isolation: (opts.isolation as string | undefined) ?? "",
  };
}

/** Paths the user gave are the working directory's, whoever reads them later. */
function absoluteOutput(output: BuildOutput): BuildOutput {
  if (output.type === "image" || (output.type === "tar" && output.dest === "-")) return output;
  return { ...output, dest: resolvePath(output.dest) };
}

function absoluteSecret(secret: BuildSecret): BuildSecret {
  return secret.source.kind === "file" ? { ...secret, source: { kind: "file", path: resolvePath(secret.source.path) } } : secret;
}

/**
 * The context argument: a directory (its Dockerfile, `-f PATH` relative to the working directory,
 * or `-f -` from stdin) or `-` (stdin: a tar, plain or compressed, or a bare Dockerfile). The
 * docker CLI's own refusals (a missing Dockerfile, a missing directory) are printed as it prints
 * them, without "Error response from daemon".
 */
async function openContext(ctx: CliContext, arg: string, file: string | undefined): Promise<BuildContextHandle> {
  const { openDirectoryBuildContext, openStreamBuildContext } = await import("../../engine/build/open-build-context.js");
  if (arg === "-") {
    if (file === "-") throw new ClientError("invalid argument: can't use stdin for both build context and dockerfile");
    // The docker CLI sends stdin as it is; what is wrong in it is the daemon's to say.
    return openStreamBuildContext(await ctx.engine({ sweep: true }), process.stdin, {
      bareDockerfile: true,
      ...(file !== undefined ? { dockerfile: file } : {}),
    });
  }
  try {
    if (file === "-") return await openDirectoryBuildContext(arg, { dockerfileText: await readAll(process.stdin) });
    return await openDirectoryBuildContext(arg, file !== undefined ? { dockerfile: file } : {});
  } catch (err) {
    if (err instanceof BerthError) throw new ClientError(err.message);
    throw err;
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

async function runBuild(ctx: CliContext, [contextArg]: string[], opts: Record<string, unknown>): Promise<number> {
  const arg = contextArg!;
  if (isUrlContext(arg))
    throw new ClientError(
      `unable to prepare context: berth does not fetch URL contexts (${arg}): clone or download it, then build the directory`,
    );
  const flags = buildFlags(opts, ctx.env);
  if (flags.output.type === "tar" && flags.output.dest === "-" && process.stdout.isTTY)
    throw new ClientError("refusing to write the tar output to a terminal: redirect stdout or give dest=FILE");
  if (flags.iidfile !== undefined) fs.rmSync(flags.iidfile, { force: true });

  const handle = await openContext(ctx, arg, flags.file);
  try {
    checkBuildContentTrust(handle.opened.dockerfile.toString("utf8"), opts, ctx.env);
  } catch (err) {
    await handle.close();
    throw err;
  }
  const { createBuildProgress } = await import("../format/build-progress.js");
  const progress = createBuildProgress(flags.progress, process.stderr, { output: flags.output.type, env: ctx.env });
  const abort = new AbortController();
  // Ctrl-C cancels the build: the running step's container is stopped and removed by the engine.
  const onSignal = () => abort.abort(new Error("build cancelled"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const { buildImage } = await import("../../engine/build/build-image.js");
    const request: BuildRequest = {
      context: handle.opened,
      tags: flags.tags,
      buildArgs: flags.buildArgs,
      target: flags.target,
      labels: flags.labels,
      noCache: flags.noCache,
      noCacheFilter: flags.noCacheFilter,
      pull: flags.pull,
      network: flags.network,
      extraHosts: flags.extraHosts,
      platform: flags.platform,
      output: flags.output.type === "tar" && flags.output.dest === "-" ? { ...flags.output, stream: process.stdout } : flags.output,
      cacheFrom: flags.cacheFrom,
      secrets: flags.secrets,
      clientEnv: ctx.env,
      shmSize: flags.shmSize,
      ulimits: flags.ulimits,
      stepHost: flags.stepHost,
      rm: flags.rm,
      // BuildKit leaves no container of a failed step; --rm=false keeps them (classic), unless --force-rm.
      forceRm: flags.forceRm || flags.rm,
      signal: abort.signal,
      reporter: progress.reporter,
    };
    let result;
    try {
      result = await buildImage(await ctx.engine({ sweep: true }), request);
    } catch (err) {
      const excerpt = dockerfileExcerpt(err, handle.opened.dockerfileName, handle.opened.dockerfile);
      if (excerpt) process.stderr.write(excerpt);
      progress.fail(err);
      return 1;
    }
    progress.finish(result);
    if (flags.quiet) ctx.line(result.imageId);
    if (flags.iidfile !== undefined) fs.writeFileSync(flags.iidfile, result.imageId, { mode: 0o666 });
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await handle.close();
  }
}

export const buildCommand: CommandSpec = {
  path: ["image", "build"],
  aliases: [["build"], ["builder", "build"], ["buildx", "build"]],
  usage: USAGE,
  description: "Build an image from a Dockerfile",
  args: { min: 1, max: 1 },
  options: buildOptions,
  action: runBuild,
};

/** Lines shown around a Dockerfile error, before and after. */
const EXCERPT_CONTEXT = 2;

/**
 * BuildKit's view of a Dockerfile error: the file and line, then the lines around it with the
 * faulty ones marked ">>>", before the "ERROR: failed to solve" line. Only errors that carry the
 * lines they concern (the parser's) get one.
 */
export function dockerfileExcerpt(err: unknown, name: string, text: Buffer): string | undefined {
  const at = err as { startLine?: unknown; endLine?: unknown };
  if (typeof at.startLine !== "number" || at.startLine < 1) return undefined;
  const start = at.startLine;
  const end = typeof at.endLine === "number" && at.endLine >= start ? at.endLine : start;
  const lines = text.toString("utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  if (start > lines.length) return undefined;
  const rule = "--------------------\n";
  let out = `${name === "-" ? "Dockerfile" : name}:${start === end ? start : `${start}-${end}`}\n${rule}`;
  for (let n = Math.max(1, start - EXCERPT_CONTEXT); n <= Math.min(lines.length, end + EXCERPT_CONTEXT); n++) {
    out += ` ${String(n).padStart(3)} | ${n >= start && n <= end ? ">>>" : "   "} ${lines[n - 1]}\n`;
  }
  return out + rule;
}
