// `ps`: one summary per container, in the form of dockerd's GET /containers/json (types.Container).
// The API sends it as it is; `berth ps` formats its rows from it as docker ps does from the API's
// answer, so the two cannot disagree.
import type { Engine } from "../engine.js";
import { listContainers } from "./list-containers.js";
import { containerSizes } from "./inspect-container.js";
import { containerStatusText } from "./status-text.js";
import { networksJson, portSummaries } from "../network/network-settings.js";
import type { ContainerRecord, MountPoint } from "../../store/container-store.js";

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  /** Unix seconds. */
  Created: number;
  Ports: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[];
  SizeRw?: number;
  SizeRootFs?: number;
  Labels: Record<string, string>;
  State: string;
  Status: string;
  HostConfig: { NetworkMode: string };
  NetworkSettings: { Networks: Record<string, Record<string, unknown>> };
  Mounts: Omit<MountPoint, "options">[];
}

export interface SummaryOptions {
  all?: boolean;
  /** The n newest, whatever their state (ps -n, the API's limit). */
  last?: number;
  filters?: readonly string[];
  /** SizeRw and SizeRootFs (ps -s, size=1): each container's tree is walked. */
  size?: boolean;
}

export function containerSummaries(engine: Engine, opts: SummaryOptions = {}): ContainerSummary[] {
  const records = listContainers(engine, {
    all: Boolean(opts.all),
    ...(opts.last !== undefined ? { last: opts.last } : {}),
    filters: opts.filters ?? [],
  });
  return records.map((r) => containerSummary(engine, r, Boolean(opts.size)));
}

export function containerSummary(engine: Engine, record: ContainerRecord, withSize: boolean, now = Date.now()): ContainerSummary {
  const { spec, state } = record;
  const summary: ContainerSummary = {
    Id: spec.id,
    Names: [`/${spec.name}`],
    Image: spec.image,
    ImageID: spec.imageId,
    Command: commandLine(spec.path, spec.args),
    Created: Math.floor(Date.parse(spec.created) / 1000),
    Ports: portSummaries(engine, record),
    Labels: spec.config.Labels ?? {},
    State: state.Status,
    Status: containerStatusText(state, now),
    HostConfig: { NetworkMode: spec.hostConfig.NetworkMode },
    NetworkSettings: { Networks: networksJson(engine, record) },
    Mounts: spec.mounts.map(({ options: _o, ...m }) => m),
  };
  if (withSize) {
    const { rw, rootFs } = containerSizes(engine, record);
    summary.SizeRw = rw;
    summary.SizeRootFs = rootFs;
  }
  return summary;
}

/**
 * dockerd's Command (daemon/list.go): the path as it is, then the arguments, one with a space in
 * single quotes. Measured on Docker 20.10: --entrypoint "/bin/a b" and args `x<TAB>y` show
 * "/bin/a b x\ty".
 */
export function commandLine(path: string, args: readonly string[]): string {
  if (args.length === 0) return path;
  return `${path} ${args.map((a) => (a.includes(" ") ? `'${a}'` : a)).join(" ")}`;
}
