// The containers a build makes: one per RUN (started, followed, committed) and one per COPY, ADD or
// WORKDIR (never started: the builder writes into its mounted rootfs). Both are ordinary containers
// made by create(), so a step runs exactly as `run` would run it, and removed when the step ends.
import type { Engine } from "../engine.js";
import { createContainer } from "../containers/create-container.js";
import { removeContainer } from "../containers/remove-container.js";
import { borrowRootfs } from "../containers/container-rootfs.js";
import type { MountRequest } from "../containers/mount-specs.js";
import { isAbandoned } from "../../store/work-dir.js";
import { processStartTime } from "../../sys/process-start-time.js";
import { stepHostConfig, type BuildStepHost } from "./step-host.js";

/**
 * The label that marks a step container with the build process that made it ("<pid>.<start time>",
 * as work dirs are named): a build killed halfway leaves its step container, and the next build
 * removes the containers whose builder is gone.
 */
export const STEP_OWNER_LABEL = "berth.build.owner";
const OWNER = `${process.pid}.${processStartTime(process.pid) ?? "0"}`;

export interface StepContainerOptions {
  readonly imageId: string;
  readonly cmd: readonly string[];
  /** Variables besides the image's own (build args, proxies); the image's ENV wins over them. */
  readonly env?: readonly string[];
  readonly user?: string | undefined;
  readonly workingDir?: string | undefined;
  /** "bridge", "host" or "none". */
  readonly network?: string;
  readonly extraHosts?: readonly string[];
  readonly shmSize?: number;
  readonly ulimits?: readonly { name: string; soft: number; hard: number }[];
  readonly mounts?: readonly MountRequest[];
  /** RUN --security=insecure. */
  readonly privileged?: boolean;
  /** The build's limits and security options for RUN steps (step-host.ts); none when absent. */
  readonly limits?: BuildStepHost | undefined;
}

/** The 64 MiB /dev/shm Docker gives a container when nothing else is asked. */
const DEFAULT_SHM = 64 * 1024 * 1024;

export function createStepContainer(engine: Engine, opts: StepContainerOptions): string {
  const { id } = createContainer(engine, {
    image: opts.imageId,
    cmd: [...opts.cmd],
    entrypoint: "",
    env: [...(opts.env ?? [])],
    workdir: opts.workingDir || undefined,
    user: opts.user || undefined,
    labels: { [STEP_OWNER_LABEL]: OWNER },
    tty: false,
    openStdin: false,
    attachStdin: false,
    attachStdout: true,
    attachStderr: true,
    mounts: [...(opts.mounts ?? [])],
    exposedPorts: [],
    binds: [],
    host: {
      NetworkMode: opts.network ?? "none",
      ExtraHosts: opts.extraHosts?.length ? [...opts.extraHosts] : null,
      AutoRemove: false,
      CapAdd: null,
      CapDrop: null,
      Privileged: opts.privileged ?? false,
      ReadonlyRootfs: false,
      ...stepHostConfig(opts.limits),
      NanoCpus: 0,
      PidsLimit: null,
      Ulimits: opts.ulimits?.length ? opts.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })) : null,
      Init: null,
      ShmSize: opts.shmSize || DEFAULT_SHM,
      Devices: null,
      Runtime: "runc",
    },
  });
  return id;
}

/** Removes the step containers of builds that were killed (their process is gone). */
export async function removeAbandonedStepContainers(engine: Engine): Promise<void> {
  for (const record of engine.store.containers.list()) {
    const owner = record.spec.config.Labels?.[STEP_OWNER_LABEL];
    if (owner !== undefined && isAbandoned(`${owner}.x`)) await removeStepContainer(engine, record.spec.id).catch(() => undefined);
  }
}

/** Removes a step's container, whatever state it is in; a build that failed keeps going to its error. */
export async function removeStepContainer(engine: Engine, id: string): Promise<void> {
  await removeContainer(engine, id, { force: true, volumes: true });
}

/**
 * Runs `use` with a never-started container's rootfs mounted (writes land in its writable layer,
 * `engine.store.layers.upperDir(id)`, which `use` commits), then removes the container.
 */
export async function withStepRootfs<T>(
  engine: Engine,
  opts: StepContainerOptions,
  use: (rootfs: string, id: string) => Promise<T>,
): Promise<T> {
  const id = createStepContainer(engine, opts);
  try {
    const borrowed = await borrowRootfs(engine, id);
    try {
      return await use(borrowed.rootfs, id);
    } finally {
      borrowed.giveBack();
    }
  } finally {
    await removeStepContainer(engine, id);
  }
}
