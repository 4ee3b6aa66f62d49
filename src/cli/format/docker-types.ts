// The Go types docker CLI 28 decodes inspect answers into (github.com/docker/docker/api/types),
// as field lists in declaration order, so that templates print them as docker does. Structs whose
// every field matters when printed whole are complete; the rest are `partial` and list only the
// fields whose values need a type. Measured with `docker inspect -f` against dockerd 20.10.
import type { GoField, GoType } from "./template/index.js";

const STRING: GoType = { kind: "string" };
const BOOL: GoType = { kind: "bool" };
const INT: GoType = { kind: "int" };
const DURATION: GoType = { kind: "duration" };
const TIME: GoType = { kind: "time" };
const ANY: GoType = { kind: "any" };
const EMPTY: GoType = { kind: "empty" };
const STRINGS: GoType = { kind: "slice", elem: STRING };
const STRING_MAP: GoType = { kind: "map", elem: STRING };
/** nat.PortSet and the Volumes set: map[string]struct{}. */
const SET: GoType = { kind: "map", elem: EMPTY };

const ptr = (elem: GoType): GoType => ({ kind: "ptr", elem });
const slice = (elem: GoType): GoType => ({ kind: "slice", elem });
const map = (elem: GoType): GoType => ({ kind: "map", elem });
const struct = (fields: Record<string, GoType>): GoType => ({ kind: "struct", fields: fieldList(fields) });
const partial = (fields: Record<string, GoType>): GoType => ({ kind: "struct", fields: fieldList(fields), partial: true });

function fieldList(fields: Record<string, GoType>): GoField[] {
  return Object.entries(fields).map(([name, type]) => ({ name, type }));
}

/** container.HealthConfig. */
const HEALTH_CONFIG = struct({
  Test: STRINGS,
  Interval: DURATION,
  Timeout: DURATION,
  StartPeriod: DURATION,
  StartInterval: DURATION,
  Retries: INT,
});

/** container.Config. */
const CONTAINER_CONFIG = struct({
  Hostname: STRING,
  Domainname: STRING,
  User: STRING,
  AttachStdin: BOOL,
  AttachStdout: BOOL,
  AttachStderr: BOOL,
  ExposedPorts: SET,
  Tty: BOOL,
  OpenStdin: BOOL,
  StdinOnce: BOOL,
  Env: STRINGS,
  Cmd: STRINGS,
  Healthcheck: ptr(HEALTH_CONFIG),
  ArgsEscaped: BOOL,
  Image: STRING,
  Volumes: SET,
  WorkingDir: STRING,
  Entrypoint: STRINGS,
  NetworkDisabled: BOOL,
  MacAddress: STRING,
  OnBuild: STRINGS,
  Labels: STRING_MAP,
  StopSignal: STRING,
  StopTimeout: ptr(INT),
  Shell: STRINGS,
});

/** container.Health and its log entries. */
const HEALTH = struct({
  Status: STRING,
  FailingStreak: INT,
  Log: slice(ptr(struct({ Start: TIME, End: TIME, ExitCode: INT, Output: STRING }))),
});

/** container.State. */
const CONTAINER_STATE = struct({
  Status: STRING,
  Running: BOOL,
  Paused: BOOL,
  Restarting: BOOL,
  OOMKilled: BOOL,
  Dead: BOOL,
  Pid: INT,
  ExitCode: INT,
  Error: STRING,
  StartedAt: STRING,
  FinishedAt: STRING,
  Health: ptr(HEALTH),
});

const GRAPH_DRIVER = struct({ Data: STRING_MAP, Name: STRING });
const MOUNT_POINT = struct({
  Type: STRING,
  Name: STRING,
  Source: STRING,
  Destination: STRING,
  Driver: STRING,
  Mode: STRING,
  RW: BOOL,
  Propagation: STRING,
});
const PORT_BINDING = struct({ HostIp: STRING, HostPort: STRING });
/** nat.PortMap. */
const PORT_MAP = map(slice(PORT_BINDING));
/** units.Ulimit has a String method: fmt prints "nofile=1024:2048" at any depth. */
const ULIMIT: GoType = {
  kind: "stringer",
  format: (u) => {
    const { Name, Soft, Hard } = (u ?? {}) as { Name?: string; Soft?: number; Hard?: number };
    return u === null || u === undefined ? "<nil>" : `${Name ?? ""}=${Soft ?? 0}:${Hard ?? 0}`;
  },
};

const HOST_CONFIG = partial({
  Binds: STRINGS,
  LogConfig: struct({ Type: STRING, Config: STRING_MAP }),
  PortBindings: PORT_MAP,
  RestartPolicy: struct({ Name: STRING, MaximumRetryCount: INT }),
  CapAdd: STRINGS,
  CapDrop: STRINGS,
  Dns: STRINGS,
  DnsOptions: STRINGS,
  DnsSearch: STRINGS,
  ExtraHosts: STRINGS,
  SecurityOpt: STRINGS,
  Tmpfs: STRING_MAP,
  Sysctls: STRING_MAP,
  StorageOpt: STRING_MAP,
  Ulimits: slice(ptr(ULIMIT)),
});

const NETWORK_SETTINGS = partial({ Ports: PORT_MAP, Networks: map(ptr(partial({ Aliases: STRINGS, Links: STRINGS }))) });

/** container.InspectResponse (ContainerJSON): its embedded base is flattened here. */
export const CONTAINER_INSPECT: GoType = partial({
  Args: STRINGS,
  State: ptr(CONTAINER_STATE),
  RestartCount: INT,
  ExecIDs: STRINGS,
  HostConfig: ptr(HOST_CONFIG),
  GraphDriver: GRAPH_DRIVER,
  SizeRw: ptr(INT),
  SizeRootFs: ptr(INT),
  Mounts: slice(MOUNT_POINT),
  Config: ptr(CONTAINER_CONFIG),
  NetworkSettings: ptr(NETWORK_SETTINGS),
});

/** ocispec.ImageConfig, embedded in the CLI's DockerOCIImageConfig. */
const OCI_IMAGE_CONFIG = struct({
  User: STRING,
  ExposedPorts: SET,
  Env: STRINGS,
  Entrypoint: STRINGS,
  Cmd: STRINGS,
  Volumes: SET,
  WorkingDir: STRING,
  Labels: STRING_MAP,
  StopSignal: STRING,
  ArgsEscaped: BOOL,
});

/** dockerspec.DockerOCIImageConfig: what the CLI decodes an image's Config into since API types v28. */
const DOCKER_OCI_IMAGE_CONFIG: GoType = {
  kind: "struct",
  fields: [
    { name: "ImageConfig", type: OCI_IMAGE_CONFIG, embedded: true },
    {
      name: "DockerOCIImageConfigExt",
      type: struct({ Healthcheck: ptr(HEALTH_CONFIG), OnBuild: STRINGS, Shell: STRINGS }),
      embedded: true,
    },
  ],
};

/** image.InspectResponse. */
export const IMAGE_INSPECT: GoType = partial({
  RepoTags: STRINGS,
  RepoDigests: STRINGS,
  ContainerConfig: ptr(CONTAINER_CONFIG),
  Config: ptr(DOCKER_OCI_IMAGE_CONFIG),
  Size: INT,
  VirtualSize: INT,
  GraphDriver: GRAPH_DRIVER,
  RootFS: struct({ Type: STRING, Layers: STRINGS }),
  Metadata: struct({ LastTagTime: TIME }),
});

/** volume.Volume. */
export const VOLUME_INSPECT: GoType = partial({
  Labels: STRING_MAP,
  Options: STRING_MAP,
  Status: map(ANY),
  UsageData: ptr(struct({ RefCount: INT, Size: INT })),
});

/** network.Inspect (types.NetworkResource in 20.10): the maps and the time typed, the rest as JSON gives it. */
export const NETWORK_INSPECT: GoType = partial({
  Created: TIME,
  EnableIPv6: BOOL,
  IPAM: partial({ Options: STRING_MAP, Config: slice(partial({})) }),
  Internal: BOOL,
  Attachable: BOOL,
  Ingress: BOOL,
  ConfigOnly: BOOL,
  Containers: map(partial({})),
  Options: STRING_MAP,
  Labels: STRING_MAP,
});

const COMMIT = struct({ ID: STRING, Expected: STRING });

/** system.Info as `docker info --format` sees it (the CLI's ClientInfo stays untyped). */
export const SYSTEM_INFO: GoType = partial({
  DriverStatus: slice(STRINGS),
  Plugins: struct({ Volume: STRINGS, Network: STRINGS, Authorization: STRINGS, Log: STRINGS }),
  RegistryConfig: ptr(
    struct({
      AllowNondistributableArtifactsCIDRs: STRINGS,
      AllowNondistributableArtifactsHostnames: STRINGS,
      InsecureRegistryCIDRs: STRINGS,
      IndexConfigs: map(ptr(struct({ Name: STRING, Mirrors: STRINGS, Secure: BOOL, Official: BOOL }))),
      Mirrors: STRINGS,
      ExtraFields: map(ANY),
    }),
  ),
  GenericResources: slice(ANY),
  Labels: STRINGS,
  // RuntimeWithStatus embeds Runtime, whose fields are read by their JSON names.
  Runtimes: map({
    kind: "struct",
    fields: [
      { name: "Runtime", type: struct({ path: STRING, runtimeArgs: STRINGS, runtimeType: STRING, options: map(ANY) }), embedded: true },
      { name: "Status", type: STRING_MAP },
    ],
  }),
  Swarm: struct({
    NodeID: STRING,
    NodeAddr: STRING,
    LocalNodeState: STRING,
    ControlAvailable: BOOL,
    Error: STRING,
    RemoteManagers: slice(ANY),
    Nodes: INT,
    Managers: INT,
    Cluster: ptr(ANY),
    Warnings: STRINGS,
  }),
  ContainerdCommit: COMMIT,
  RuncCommit: COMMIT,
  InitCommit: COMMIT,
  SecurityOptions: STRINGS,
  DefaultAddressPools: slice(ANY),
  CDISpecDirs: STRINGS,
  Warnings: STRINGS,
});
