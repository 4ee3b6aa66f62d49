// `start` (and the second half of `run`): mount the rootfs, build the OCI spec, have the runtime
// create the task, and then start it. Split in two so that `run` and `start -a` can connect to
// the attach socket between create and start and lose no output.
import { BERTH_ENTRY } from "./berth-entry.js";
import { DeviceLookupError } from "../../runtime/spec/cgroup-tuning.js";
import { DeviceDriverError, selectDeviceDrivers } from "./device-requests.js";
import { tuningOf } from "./resource-tuning.js";
import { keepsLog } from "./log-config.js";
import type { NamespaceMode, OciMount, SeccompSetting } from "../../runtime/spec/spec-input.js";
import type { OciSpec } from "../../runtime/spec/runtime-spec.js";
import type { AttachConnection, TerminalControl } from "../../runtime/runtime.js";
import { namespaceMode, sharesHostShm } from "./namespace-modes.js";
import { recordContainerEvent } from "../events.js";
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { Engine } from "../engine.js";
import { processStartTime } from "../../sys/process-start-time.js";
import { resolveContainer } from "./container-state.js";
import { containerPaths } from "./container-paths.js";
import { lockRootfs, mountRootfs, unmountRootfs } from "./container-rootfs.js";
import { joinNetwork, type RuntimeNetwork } from "../network/container-network.js";
import { linkEnv as envOfLink, linkedContainers } from "../network/links.js";
import { containerEnv } from "./container-env.js";
import { NetworkSetupError, teardownSandbox } from "../network/sandbox.js";
import { setupWorkingDirectory, WorkingDirectoryError } from "./working-directory.js";
import { containerRuntime } from "./container-runtime.js";
import { removeContainer } from "./remove-container.js";
import { healthOnStart, spawnRunMonitor } from "./run-monitor-process.js";
import { conmonLogSizeMax } from "./log-rotation.js";
import { canFollowExits, followExit, type ExitFollower } from "./exit-follower.js";
import { buildOciSpec } from "../../runtime/spec/oci-spec.js";
import { parseCapabilityMask } from "../../runtime/spec/capabilities.js";
import { parseProcLimits } from "../../runtime/spec/rlimits.js";
import { resolveUser, withGroupAdd } from "../../runtime/user.js";
import { containerCgroupsPath } from "./share-options.js";
import { resolveInRoot } from "../../runtime/resolve-in-root.js";
import { ContainerStartError, classifyStartError } from "../../runtime/start-error.js";
import { formatTimestamp } from "../../image/config.js";
import { ConflictError, InvalidArgumentError, NotFoundError, SystemError } from "../../errors.js";
import type { ContainerRecord, ContainerSpec, ContainerState } from "../../store/container-store.js";

/** 126 and 127 as Docker decides them: the runtime could not invoke, or could not find, the command. */
export class ContainerCommandError extends SystemError {
  constructor(
    message: string,
    readonly reason: "not-found" | "not-executable" | "other",
    /** What any other failure exits with: run and start exit 125 where the container records 128. */
    private readonly otherExit = 128,
  ) {
    super(message);
  }
  get exitCode(): number {
    return this.reason === "not-found" ? 127 : this.reason === "not-executable" ? 126 : this.otherExit;
  }
}

export interface CreatedTask {
  record: ContainerRecord;
  /** Connects to the task's output and stdin; made before start() so nothing is missed. */
  attach(): Promise<AttachConnection>;
  terminal: TerminalControl;
  /** runc start, and the state that says so. */
  start(): Promise<ContainerRecord>;
  /** With `followed`: the caller's hold on conmon's exit command (see exit-follower.ts). */
  follower?: ExitFollower | undefined;
}

/** Creates the runtime container; nothing runs until start() of the result. */
export async function createTask(
  engine: Engine,
  idOrName: string,
  opts: { byRestartPolicy?: boolean; followed?: boolean; attachNext?: boolean } = {},
): Promise<CreatedTask | { record: ContainerRecord; alreadyRunning: true }> {
  let record = resolveContainer(engine, idOrName);
  if (record.state.Paused) throw new ConflictError("cannot start a paused container, try unpause instead");
  if (record.state.Running) return { record, alreadyRunning: true };
  const { spec } = record;
  const paths = containerPaths(engine, spec.id);
  const runtime = containerRuntime(engine, spec);
  await runtime.clearLastRun(spec.id);
  const runId = randomBytes(8).toString("hex");
  // A start by a user clears what the restart policy counted; a stop by a user is forgotten.
  // A restart keeps both: a user's stop that comes while it is under way must still cancel it.
  const bookkeeping = opts.byRestartPolicy ? {} : { manuallyStopped: false, restartCount: 0, restartDelayMs: 0 };
  const claimed = engine.store.write(() => {
    const now = engine.store.containers.get(spec.id)?.state;
    // A user's stop after the restart policy decided, and before this start: the stop wins.
    if (now && opts.byRestartPolicy && now.manuallyStopped) return "cancelled" as const;
    const starting = { runId, pid: process.pid, startTime: processStartTime(process.pid) ?? "" };
    return engine.store.containers.updateState(spec.id, (fresh) => ({ ...fresh, ...bookkeeping, runId, starting }));
  });
  if (claimed === "cancelled") throw new ConflictError("the restart was cancelled: the container was stopped");
  if (!claimed) throw new NotFoundError(`No such container: ${spec.id}`);
  record = { spec: record.spec, state: claimed };

  // Until the runtime has its state, a concurrent export or cp could unmount what we mount.
  const rootfsLock = await lockRootfs(engine, spec.id);
  let follower: ExitFollower | undefined;
  try {
    const rootfs = mountRootfs(engine, spec);
    setupWorkingDirectory(rootfs, spec.config.WorkingDir ?? "");
    copyImageDataIntoVolumes(rootfs, spec);
    const { network, etc } = await joinNetwork(engine, spec);
    const linkEnv = linkedContainers(engine, spec).flatMap(envOfLink);
    const namespaces = {
      pid: namespaceMode(engine, "pid", spec.hostConfig.PidMode),
      ipc: namespaceMode(engine, "ipc", spec.hostConfig.IpcMode),
      uts: namespaceMode(engine, "uts", spec.hostConfig.UTSMode),
    };
    const init = spec.hostConfig.Init ? engine.runtimes.initBinary() : undefined;
    if (spec.hostConfig.Init && !init) throw new InvalidArgumentError("--init needs a static init binary: apt-get install tini");
    selectDeviceDrivers(spec.hostConfig.DeviceRequests ?? []);
    const cleanup = [
      process.execPath,
      BERTH_ENTRY,
      "--root",
      engine.config.root,
      "--runroot",
      engine.config.runroot,
      "container",
      "cleanup",
      spec.id,
      runId,
    ];
    // Taken before conmon starts: its exit command must find the follower's lock held.
    if (opts.followed && canFollowExits()) follower = followExit(engine.config.runroot, runId);
    const created = await runtime.create({
      id: spec.id,
      name: spec.name,
      spec: buildSpec(rootfs, spec, {
        etc,
        network,
        namespaces,
        cgroupsPath: containerCgroupsPath(spec.id, spec.hostConfig.CgroupParent),
        init,
        linkEnv,
      }),
      logPath: keepsLog(spec.hostConfig.LogConfig) ? paths.logPath : undefined,
      logSizeMax: conmonLogSizeMax(spec.hostConfig.LogConfig),
      terminal: Boolean(spec.config.Tty),
      stdin: Boolean(spec.config.OpenStdin),
      leaveStdinOpen: !spec.config.StdinOnce,
      exitCommand: follower ? follower.exitCommand(cleanup) : cleanup,
      attachNext: opts.attachNext ?? false,
    });
    rootfsLock.release();
    return {
      record,
      attach: () => runtime.attach(spec.id),
      terminal: runtime.terminal(spec.id),
      follower,
      start: async () => {
        if (opts.byRestartPolicy && engine.store.containers.get(spec.id)?.state.manuallyStopped) {
          // Stopped by a user while the restart was being prepared: the created task goes (conmon
          // then sees its end and the exit command unmounts), and the container stays exited.
          await runtime.delete(spec.id, { force: true }).catch(() => undefined);
          throw new ConflictError("the restart was cancelled: the container was stopped");
        }
        await runtime.start(spec.id);
        // A new run: the last run's monitor (dead, or dying from its cleanup's kill) is not this run's.
        const running = ({ starting: _started, runMonitor: _lastRuns, ...fresh }: ContainerState): ContainerState => ({
          ...fresh,
          Status: "running" as const,
          Running: true,
          Paused: false,
          Restarting: false,
          Pid: created.pid,
          ExitCode: 0,
          Error: "",
          StartedAt: formatTimestamp(engine.clock.now()),
          conmonPid: created.monitorPid,
          runId,
          ...healthOnStart(spec, fresh),
        });
        // From the state as it is now: a user's stop meanwhile keeps its mark, so that this run's
        // exit does not restart the container again.
        const state = engine.store.write(() => {
          const written = engine.store.containers.updateState(spec.id, running) ?? running(record.state);
          recordContainerEvent(engine, spec, "start");
          return written;
        });
        spawnRunMonitor(engine, spec, runId);
        return { spec, state };
      },
    };
  } catch (err) {
    // conmon's exit command, if conmon ran, does the cleanup it always did.
    follower?.release();
    await teardownSandbox(engine, spec.id).catch((e: unknown) => engine.log.warn((e as Error).message));
    unmountRootfs(engine, spec.id);
    rootfsLock.release();
    const failure = recordStartFailure(engine, record, err);
    if (spec.hostConfig.AutoRemove) await removeStarted(engine, spec.id);
    throw failure;
  }
}

/** --rm applies to a container that could not start, too (docker's CLI removes it). */
async function removeStarted(engine: Engine, id: string): Promise<void> {
  await removeContainer(engine, id, { force: true, volumes: true }).catch(() => undefined);
}

/** Docker leaves a container that failed to start as created, with the code it would have exited with. */
function notStarting({ starting: _failed, ...state }: ContainerState): ContainerState {
  return state;
}

function recordStartFailure(engine: Engine, record: ContainerRecord, err: unknown): unknown {
  if (
    err instanceof WorkingDirectoryError ||
    err instanceof NetworkSetupError ||
    err instanceof DeviceLookupError ||
    err instanceof DeviceDriverError
  ) {
    engine.store.write(() =>
      engine.store.containers.setState(record.spec.id, { ...notStarting(record.state), ExitCode: 128, Error: err.message }),
    );
    return err;
  }
  if (!(err instanceof ContainerStartError)) return err;
  const reason = classifyStartError(err.runtimeMessage);
  const failure = new ContainerCommandError(
    `failed to create task: OCI runtime create failed: ${err.runtimeMessage}: unknown`,
    reason,
    125,
  );
  const exitCode = reason === "other" ? 128 : failure.exitCode;
  engine.store.write(() =>
    engine.store.containers.setState(record.spec.id, { ...notStarting(record.state), ExitCode: exitCode, Error: failure.message }),
  );
  return failure;
}

export async function startContainer(engine: Engine, idOrName: string, opts: { byRestartPolicy?: boolean } = {}): Promise<ContainerRecord> {
  const task = await createTask(engine, idOrName, opts);
  if ("alreadyRunning" in task) return task.record;
  return task.start();
}

function buildSpec(
  rootfs: string,
  spec: ContainerSpec,
  opts: {
    etc: { hostsPath: string; hostnamePath: string; resolvConfPath: string };
    network: RuntimeNetwork;
    namespaces: { pid: NamespaceMode; ipc: NamespaceMode; uts: NamespaceMode };
    cgroupsPath: string;
    init: string | undefined;
    linkEnv: readonly string[];
  },
): OciSpec {
  const { etc, network, namespaces, cgroupsPath, init } = opts;
  const config = spec.config;
  const host = spec.hostConfig;
  const user = withGroupAdd(rootfs, resolveUser(rootfs, config.User ?? ""), host.GroupAdd ?? []);
  const env = containerEnv(config, opts.linkEnv);

  const mounts: OciMount[] = [
    { destination: "/etc/resolv.conf", type: "bind", source: etc.resolvConfPath, options: ["rbind", "rprivate"] },
    { destination: "/etc/hostname", type: "bind", source: etc.hostnamePath, options: ["rbind", "rprivate"] },
    { destination: "/etc/hosts", type: "bind", source: etc.hostsPath, options: ["rbind", "rprivate"] },
  ];
  for (const m of spec.mounts) {
    if (m.Type === "tmpfs") {
      mounts.push({
        destination: m.Destination,
        type: "tmpfs",
        source: "tmpfs",
        options: ["nosuid", "nodev", "noexec", ...(m.options ?? [])],
      });
    } else {
      mounts.push({
        destination: m.Destination,
        type: "bind",
        source: m.Source,
        options: ["rbind", m.RW ? "rw" : "ro", m.Propagation || "rprivate"],
      });
    }
  }
  if (sharesHostShm(spec)) mounts.push({ destination: "/dev/shm", type: "bind", source: "/dev/shm", options: ["rbind", "rw", "rprivate"] });
  const status = fs.readFileSync("/proc/self/status", "utf8");
  const capBnd = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? "0";
  return buildOciSpec(
    {
      rootfs,
      readonlyRootfs: host.ReadonlyRootfs,
      args: [spec.path, ...spec.args],
      env,
      cwd: config.WorkingDir || "/",
      user,
      terminal: Boolean(config.Tty),
      hostname: config.Hostname ?? "",
      privileged: host.Privileged,
      capAdd: host.CapAdd ?? [],
      capDrop: host.CapDrop ?? [],
      noNewPrivileges: (host.SecurityOpt ?? []).some((o) => /^no-new-privileges(=true|:true)?$/.test(o)),
      seccomp: seccompSetting(host.SecurityOpt ?? []),
      mounts,
      devices: (host.Devices ?? []).map((d) => ({
        pathOnHost: d.PathOnHost,
        pathInContainer: d.PathInContainer,
        permissions: d.CgroupPermissions,
      })),
      network,
      resources: {
        ...(host.Memory ? { memory: host.Memory } : {}),
        ...(host.MemorySwap ? { memorySwap: host.MemorySwap } : {}),
        ...(host.NanoCpus ? { nanoCpus: host.NanoCpus } : {}),
        ...(host.PidsLimit ? { pidsLimit: host.PidsLimit } : {}),
        shmSize: host.ShmSize,
      },
      tuning: tuningOf(host),
      ulimits: (host.Ulimits ?? []).map((u) => ({ name: u.Name, soft: u.Soft, hard: u.Hard })),
      // dockerd sets the domain name as this sysctl, not as the spec's domainname; in the host's
      // UTS namespace, or another container's, it would rename theirs.
      sysctls: {
        ...(config.Domainname && namespaces.uts.kind === "private" ? { "kernel.domainname": config.Domainname } : {}),
        // runc refuses those the namespaces do not isolate, in its words (issue 13).
        ...host.Sysctls,
      },
      ...(host.Annotations ? { annotations: host.Annotations } : {}),
      cgroupns: host.CgroupnsMode === "private" ? "private" : "host",
      cgroupsPath,
      ...namespaces,
      ...(init ? { init } : {}),
    },
    {
      hostRlimits: parseProcLimits(fs.readFileSync("/proc/self/limits", "utf8")),
      hostCapabilities: parseCapabilityMask(capBnd),
      swapAccounting: fs.existsSync("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"),
    },
  );
}

/** --security-opt seccomp=unconfined|PROFILE.json; the default profile otherwise. */
function seccompSetting(options: readonly string[]): SeccompSetting {
  const opt = options.find((o) => /^seccomp[=:]/.test(o));
  if (!opt) return { kind: "default" };
  const value = opt.slice("seccomp=".length);
  if (value === "unconfined") return { kind: "unconfined" };
  try {
    return { kind: "profile", profile: JSON.parse(fs.readFileSync(value, "utf8")) };
  } catch (err) {
    throw new InvalidArgumentError(`opening seccomp profile (${value}) failed: ${(err as Error).message}`);
  }
}

/**
 * Docker copies what the image has at a volume's mount point into a new, empty volume the first
 * time it is mounted (unless nocopy). The source is resolved inside the rootfs, never on the host.
 */
function copyImageDataIntoVolumes(rootfs: string, spec: ContainerSpec): void {
  for (const m of spec.mounts) {
    if (m.Type !== "volume" || m.options?.includes("nocopy")) continue;
    if (fs.readdirSync(m.Source).length > 0) continue;
    let source: string;
    try {
      source = resolveInRoot(rootfs, m.Destination);
    } catch {
      continue;
    }
    if (!fs.existsSync(source) || !fs.lstatSync(source).isDirectory()) continue;
    const copied = spawnSync("cp", ["-a", "--", `${source}/.`, `${m.Source}/`]);
    if (copied.status !== 0) throw new SystemError(`copying image data into volume ${m.Name}: ${copied.stderr.toString().trim()}`);
    const st = fs.lstatSync(source);
    fs.chownSync(m.Source, st.uid, st.gid);
    fs.chmodSync(m.Source, st.mode & 0o7777);
  }
}
