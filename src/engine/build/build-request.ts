// What a build is asked to do, in one shape for the CLI (`berth build`) and the API (`POST /build`):
// both parse their flags or query into a BuildRequest and call buildImage() with it.
import type { OpenedContext } from "../../build/context/index.js";
import type { BuildReporter } from "./build-events.js";
import type { BuildStepHost } from "./step-host.js";

export type { BuildStepHost } from "./step-host.js";

/** A `--secret id=ID,src=FILE|env=VAR`: read when a RUN mounts it, never stored. */
export interface BuildSecret {
  readonly id: string;
  readonly source: { readonly kind: "file"; readonly path: string } | { readonly kind: "env"; readonly name: string };
}

/** Where the result goes (`--output`); an image unless told otherwise. */
export type BuildOutput =
  | { readonly type: "image" }
  /** The target stage's filesystem written into a host directory. */
  | { readonly type: "local"; readonly dest: string }
  /** The target stage's filesystem as a tar file, or into `stream` (dest "-": the CLI's stdout). */
  | { readonly type: "tar"; readonly dest: string; readonly stream?: NodeJS.WritableStream };

export interface BuildUlimit {
  readonly name: string;
  readonly soft: number;
  readonly hard: number;
}

export interface BuildRequest {
  readonly context: OpenedContext;
  /** `-t`, each checked as a tag name before anything is built. */
  readonly tags: readonly string[];
  /** `--build-arg`: a name with an undefined value was given without one and not set in the environment. */
  readonly buildArgs: ReadonlyMap<string, string | undefined>;
  readonly target?: string | undefined;
  /** `--label`: added to the target stage's image, as LABEL steps after its last instruction. */
  readonly labels: Readonly<Record<string, string>>;
  readonly noCache: boolean;
  /** `--no-cache-filter`: stages (by name) whose steps ignore the cache. */
  readonly noCacheFilter: readonly string[];
  /** `--pull`: base images are pulled even when present. */
  readonly pull: boolean;
  /** `--network` for RUN steps: "default" (the default bridge), "host" or "none". */
  readonly network: "default" | "host" | "none";
  /** `--add-host` entries as given ("name:ip"). */
  readonly extraHosts: readonly string[];
  /** `--platform`: this machine's platform only ("" when not given). */
  readonly platform: string;
  readonly output: BuildOutput;
  /** `--cache-from`: local images whose steps may answer the cache; when given, the local cache is not used otherwise. */
  readonly cacheFrom: readonly string[];
  readonly secrets: readonly BuildSecret[];
  /** The client's environment, which `--secret id=X,env=VAR` reads (the engine never reads its own). */
  readonly clientEnv?: Readonly<Record<string, string | undefined>> | undefined;
  /** `--shm-size` in bytes for RUN steps; 0 is the default (64 MiB). */
  readonly shmSize: number;
  readonly ulimits: readonly BuildUlimit[];
  /**
   * `-m`, `--memory-swap`, `-c`, `--cpu-period`, `--cpu-quota`, `--cpuset-cpus`, `--cpuset-mems`,
   * `--cgroup-parent`, `--security-opt`, `--isolation`: every RUN step's container gets them, as
   * `run` with the same flags would. Absent: none.
   */
  readonly stepHost?: BuildStepHost | undefined;
  /** The classic builder's intermediate containers: removed after success (rm) and after failure too (forceRm). */
  readonly rm: boolean;
  readonly forceRm: boolean;
  /** Cancels the build (client gone, Ctrl-C): the running step's container is killed and removed. */
  readonly signal?: AbortSignal | undefined;
  readonly reporter: BuildReporter;
}

export interface BuildResult {
  /** The target's image ID (sha256:...), also for `--output local|tar` (the image stays as cache). */
  readonly imageId: string;
  /** Each built stage's last image, in the order they finished (the API's aux messages). */
  readonly stageImages: readonly { readonly stage: number; readonly imageId: string }[];
  /** `--build-arg` names no instruction declared (the classic builder's warning). */
  readonly unusedArgs: readonly string[];
}
