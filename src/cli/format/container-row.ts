// A row of `ps` (and of `system df -v`'s containers), made from the engine's container summary —
// the /containers/json entry — the way docker/cli's formatter.ContainerContext makes it.
import type { ContainerSummary } from "../../engine/containers/container-summary.js";
import { ellipsis, goTimeString, humanDuration, humanSizeWithPrecision } from "./units.js";
import { goQuote } from "./template/quote.js";
import { formatPortsColumn } from "../../engine/network/ports.js";

export type ContainerRow = {
  Command: string;
  CreatedAt: string;
  ID: string;
  Image: string;
  Labels: string;
  LocalVolumes: string;
  Mounts: string;
  Names: string;
  Networks: string;
  Ports: string;
  RunningFor: string;
  Size: string;
  State: string;
  Status: string;
};

export function containerRow(c: ContainerSummary, opts: { trunc: boolean; now?: number }): ContainerRow {
  const created = new Date(c.Created * 1000);
  const now = opts.now ?? Date.now();
  const size =
    c.SizeRootFs !== undefined && c.SizeRootFs > 0
      ? `${humanSizeWithPrecision(c.SizeRw ?? 0, 3)} (virtual ${humanSizeWithPrecision(c.SizeRootFs, 3)})`
      : humanSizeWithPrecision(c.SizeRw ?? 0, 3);
  return {
    // The client quotes dockerd's Command, cut to 20 characters first unless --no-trunc.
    Command: goQuote(opts.trunc ? ellipsis(c.Command, 20) : c.Command),
    CreatedAt: goTimeString(created),
    ID: opts.trunc ? c.Id.slice(0, 12) : c.Id,
    Image: c.Image,
    Labels: Object.entries(c.Labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(","),
    LocalVolumes: String(c.Mounts.filter((m) => m.Type === "volume").length),
    Mounts: c.Mounts.map((m) => m.Name || m.Source)
      .map((n) => (opts.trunc ? ellipsis(n, 15) : n))
      .join(","),
    Names: c.Names.map((n) => n.replace(/^\//, "")).join(","),
    Networks: Object.keys(c.NetworkSettings.Networks).join(","),
    Ports: formatPortsColumn(c.Ports),
    RunningFor: `${humanDuration(now - created.getTime())} ago`,
    Size: size,
    State: c.State,
    Status: c.Status,
  };
}
