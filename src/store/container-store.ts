// Containers: what each was created with (its spec) and what it is doing (its state). The state
// that conmon learns while no berth process runs (the exit code) is merged in by the engine.
import type { Db } from "./db.js";
import type { Digest } from "../image/digest.js";
import type { ContainerConfig } from "../image/config.js";
import { ConflictError, NotFoundError } from "../errors.js";
import type { ResourceSettings } from "./resource-settings.js";

export interface MountPoint {
  Type: "bind" | "volume" | "tmpfs";
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** tmpfs options or bind options berth passes to the runtime. */
  options?: string[];
}

/** The parts of Docker's HostConfig that berth honours; inspect shows them under their Docker names. */
export interface HostConfig extends Partial<ResourceSettings> {
  Binds: string[] | null;
  NetworkMode: string;
  /** -p as given: "80/tcp" → bindings (HostIp "" every address, HostPort "" any). Absent in older containers. */
  PortBindings?: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
  /** -P: every exposed port gets a free host port at start. */
  PublishAllPorts?: boolean;
  /** --dns, --dns-option, --dns-search: [] from the CLI, null when the API left them out; absent in older containers. */
  Dns?: string[] | null;
  DnsOptions?: string[] | null;
  DnsSearch?: string[] | null;
  /** --add-host NAME:IP (IP may be "host-gateway"). */
  ExtraHosts?: string[] | null;
  /** Default-bridge links as dockerd shows them: "/target:/container/alias". */
  Links?: string[] | null;
  AutoRemove: boolean;
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  Privileged: boolean;
  ReadonlyRootfs: boolean;
  SecurityOpt: string[] | null;
  Tmpfs: Record<string, string> | null;
  Memory: number;
  MemorySwap: number;
  NanoCpus: number;
  PidsLimit: number | null;
  Ulimits: { Name: string; Soft: number; Hard: number }[] | null;
  Init: boolean | null;
  ShmSize: number;
  Devices: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[] | null;
  Runtime: string;
  LogConfig: { Type: string; Config: Record<string, string> };
  /** Absent in containers made before restart policies existed: "no". */
  RestartPolicy?: RestartPolicy;
  /** "", "host" or "container:NAME|ID" (--pid); IpcMode also "private"/"shareable"; UTSMode "" or "host". */
  PidMode?: string;
  IpcMode?: string;
  UTSMode?: string;
  /** Sharing and files (issue 13); absent in older containers, Docker's zero values then. */
  /** --volumes-from as typed: "CTR" or "CTR:ro|rw". */
  VolumesFrom?: string[] | null;
  /** --cidfile as typed; the CLI writes the file, the engine only records it. */
  ContainerIDFile?: string;
  /** --group-add: group names (resolved in the container's /etc/group at start) or gids. */
  GroupAdd?: string[] | null;
  Sysctls?: Record<string, string>;
  /** OCI spec annotations. */
  Annotations?: Record<string, string>;
  /** "host" or "private" once created. */
  CgroupnsMode?: string;
  CgroupParent?: string;
  /** "" or "host". */
  UsernsMode?: string;
  /** --gpus; refused at start (device-requests.ts). Absent: none (inspect's null). */
  DeviceRequests?: DeviceRequest[] | null;
  /** --isolation: "" or "default" in any case, as given (isolation.ts). */
  Isolation?: string;
  /** --volume-driver: "" or "local", the only driver berth has. */
  VolumeDriver?: string;
}

/** container.DeviceRequest (--gpus) as the API and inspect spell it. */
export interface DeviceRequest {
  Driver: string;
  /** -1: all devices. */
  Count: number;
  DeviceIDs: string[] | null;
  /** Alternatives (OR) of capability sets (AND); the CLI adds "gpu" to its one set. */
  Capabilities: string[][] | null;
  Options: Record<string, string> | null;
}

export interface RestartPolicy {
  Name: string;
  MaximumRetryCount: number;
}

export interface ContainerSpec {
  id: string;
  name: string;
  imageId: Digest;
  /** What the user named the image with (Config.Image). */
  image: string;
  created: string;
  path: string;
  args: string[];
  config: ContainerConfig;
  hostConfig: HostConfig;
  mounts: MountPoint[];
  topLayer: Digest | null;
}

export type ContainerStatus = "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";

export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  /** conmon's pid while the container runs; berth's own bookkeeping, not shown by inspect. */
  conmonPid?: number;
  /**
   * Names one run of the container. conmon's exit command carries it, so that the cleanup of a
   * run that ended cannot undo a start that has begun since (restart).
   */
  runId?: string;
  /**
   * The process starting run `runId`, from its claim until it records the start (or its failure):
   * a task as short as `true` can end, and conmon's exit command run, before the start is recorded.
   */
  starting?: { runId: string; pid: number; startTime: string };
  /** Stopped or killed by a user: a restart policy leaves it be (Docker's HasBeenManuallyStopped). */
  manuallyStopped?: boolean;
  /** Starts made by the restart policy since the last start by a user. */
  restartCount?: number;
  /** The last back-off, doubled on each restart in a row. */
  restartDelayMs?: number;
  /**
   * A command changing the container's cgroup freezer (commit's pause, pause, unpause): recorded
   * before it touches the freezer, cleared once it is done. Left behind only by a command that was
   * killed; whoever reads the container next thaws it then.
   */
  freezerChange?: FreezerChange;
  /** State.Health: set at the first start of a container with a health check that runs. */
  Health?: HealthState;
  /** The run's monitor (run-monitor.ts: health probes, log rotation), named as FreezerChange names its maker. */
  runMonitor?: { pid: number; startTime: string };
}

export interface HealthState {
  Status: "starting" | "healthy" | "unhealthy";
  FailingStreak: number;
  Log: HealthLogEntry[];
}

export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

/** Who is freezing or thawing a container: the process, named so that a later reader can tell it is dead. */
export interface FreezerChange {
  command: "commit" | "pause" | "unpause";
  pid: number;
  /** The process's start time (/proc/PID/stat): a pid reused by another process does not pass for it. */
  startTime: string;
}

export interface ContainerRecord {
  spec: ContainerSpec;
  state: ContainerState;
}

export const ZERO_TIME = "0001-01-01T00:00:00Z";

export function initialState(): ContainerState {
  return {
    Status: "created",
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    Error: "",
    StartedAt: ZERO_TIME,
    FinishedAt: ZERO_TIME,
  };
}

interface Row {
  id: string;
  spec: string;
  state: string;
}

export class ContainerStore {
  constructor(private readonly db: Db) {}

  get(id: string): ContainerRecord | undefined {
    const row = this.db.prepare("SELECT id, spec, state FROM containers WHERE id = ?").get(id) as Row | undefined;
    return row && toRecord(row);
  }

  list(): ContainerRecord[] {
    // Insertion order: what sorts containers by creation needs it for those made in one millisecond.
    return (this.db.prepare("SELECT id, spec, state FROM containers ORDER BY rowid").all() as Row[]).map(toRecord);
  }

  /** Docker's order: full ID, exact name, then a unique ID prefix. */
  resolve(idOrName: string): ContainerRecord {
    const name = idOrName.replace(/^\//, "");
    const byName = this.db.prepare("SELECT id, spec, state FROM containers WHERE name = ?").get(name) as Row | undefined;
    const exact = this.get(idOrName) ?? (byName && toRecord(byName));
    if (exact) return exact;
    if (/^[a-f0-9]+$/.test(idOrName)) {
      const rows = this.db.prepare("SELECT id, spec, state FROM containers WHERE id LIKE ? LIMIT 2").all(`${idOrName}%`) as Row[];
      if (rows.length > 1) throw new NotFoundError(`multiple IDs found with provided prefix: ${idOrName}`);
      if (rows[0]) return toRecord(rows[0]);
    }
    throw new NotFoundError(`No such container: ${idOrName}`);
  }

  resolveName(name: string): string | undefined {
    return (this.db.prepare("SELECT id FROM containers WHERE name = ?").get(name) as { id: string } | undefined)?.id;
  }

  /** Inside a write transaction. */
  insert(spec: ContainerSpec, state: ContainerState): void {
    this.checkName(spec.name);
    this.db
      .prepare("INSERT INTO containers (id, name, image_id, top_layer, created, spec, state) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(spec.id, spec.name, spec.imageId, spec.topLayer, spec.created, JSON.stringify(spec), JSON.stringify(state));
  }

  setState(id: string, state: ContainerState): void {
    this.db.prepare("UPDATE containers SET state = ? WHERE id = ?").run(JSON.stringify(state), id);
  }

  /**
   * Changes the state as it is now, not as some earlier read saw it: several processes write one
   * container's state (a start, a user's stop, conmon's exit command), and a write built on a
   * stale read would undo another's change. Call it inside the store's write transaction, which
   * holds the lock from this read to the write. Undefined when the container is gone.
   */
  updateState(id: string, change: (state: ContainerState) => ContainerState): ContainerState | undefined {
    const current = this.get(id);
    if (!current) return undefined;
    const state = change(current.state);
    this.setState(id, state);
    return state;
  }

  setSpec(spec: ContainerSpec): void {
    this.db
      .prepare("UPDATE containers SET spec = ?, name = ?, image_id = ? WHERE id = ?")
      .run(JSON.stringify(spec), spec.name, spec.imageId, spec.id);
  }

  delete(id: string): void {
    this.db.prepare("DELETE FROM containers WHERE id = ?").run(id);
  }

  usingImage(imageId: Digest): ContainerRecord[] {
    return (this.db.prepare("SELECT id, spec, state FROM containers WHERE image_id = ?").all(imageId) as Row[]).map(toRecord);
  }

  topLayers(): Set<string> {
    return new Set(
      (this.db.prepare("SELECT DISTINCT top_layer FROM containers WHERE top_layer IS NOT NULL").all() as { top_layer: string }[]).map(
        (r) => r.top_layer,
      ),
    );
  }

  checkName(name: string): void {
    const taken = this.db.prepare("SELECT id FROM containers WHERE name = ?").get(name) as { id: string } | undefined;
    if (taken) {
      throw new ConflictError(
        `Conflict. The container name "/${name}" is already in use by container "${taken.id}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
  }
}

function toRecord(row: Row): ContainerRecord {
  return { spec: JSON.parse(row.spec) as ContainerSpec, state: JSON.parse(row.state) as ContainerState };
}
