// `stats`: Docker's live table of CPU, memory, network, block I/O and PIDs per container; with
// --no-stream one table, else the table redrawn every second until interrupted.
import { SystemError } from "../../errors.js";
import type { CommandSpec } from "../command-spec.js";
import { formatList } from "../format/list.js";
import { bytesSize, humanSizeWithPrecision } from "../format/units.js";
import type { StatsJson } from "../../engine/containers/container-stats.js";
import { trimmedId } from "../object-names.js";

const HEADERS = {
  Container: "CONTAINER",
  ID: "CONTAINER ID",
  Name: "NAME",
  CPUPerc: "CPU %",
  MemUsage: "MEM USAGE / LIMIT",
  MemPerc: "MEM %",
  NetIO: "NET I/O",
  BlockIO: "BLOCK I/O",
  PIDs: "PIDS",
};

const DEFAULT_TABLE = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";

export const statsCommand: CommandSpec = {
  path: ["container", "stats"],
  aliases: [["stats"]],
  usage: "[OPTIONS] [CONTAINER...]",
  description: "Display a live stream of container(s) resource usage statistics",
  args: { min: 0, max: Infinity },
  options: (cmd) =>
    cmd
      .option("-a, --all", "Show all containers (default shows just running)")
      .option("--format <string>", "Format output using a custom template")
      .option("--no-stream", "Disable streaming stats and only pull the first result")
      .option("--no-trunc", "Do not truncate output"),
  action: async (ctx, names, opts) => {
    const engine = await ctx.engine();
    const { containerStats, cpuPercent, memoryUsage, blockIo, networkIo } = await import("../../engine/containers/container-stats.js");
    const { resolveContainer } = await import("../../engine/containers/container-state.js");
    const given = names.length > 0;
    const targets = given
      ? names.map((n) => ({ label: n, id: resolveContainer(engine, trimmedId("container", n)).spec.id }))
      : engine.store.containers
          .list()
          .map((r) => resolveContainer(engine, r.spec.id))
          .filter((r) => opts.all || r.state.Running)
          .map((r) => ({ label: r.spec.id.slice(0, 12), id: r.spec.id }));
    const trunc = opts.trunc !== false;
    const row = (label: string, s: StatsJson) => {
      const mem = memoryUsage(s);
      const limit = s.memory_stats.limit ?? 0;
      const io = blockIo(s);
      const net = networkIo(s);
      return {
        Container: label,
        ID: trunc ? s.id.slice(0, 12) : s.id,
        Name: s.name.replace(/^\//, ""),
        CPUPerc: `${cpuPercent(s).toFixed(2)}%`,
        MemUsage: `${bytesSize(mem)} / ${bytesSize(limit)}`,
        MemPerc: `${(limit ? (mem / limit) * 100 : 0).toFixed(2)}%`,
        NetIO: `${humanSizeWithPrecision(net.rx, 3)} / ${humanSizeWithPrecision(net.tx, 3)}`,
        BlockIO: `${humanSizeWithPrecision(io.read, 3)} / ${humanSizeWithPrecision(io.write, 3)}`,
        PIDs: String(s.pids_stats.current ?? 0),
      };
    };
    const render = (rows: Record<string, string>[]) =>
      formatList(
        {
          format: opts.format as string | undefined,
          defaultTable: DEFAULT_TABLE,
          quietFormat: "{{.ID}}",
          rowType: "*formatter.statsContext",
        },
        rows,
        HEADERS,
      );

    if (opts.stream === false) {
      const rows = await Promise.all(
        targets.map(async (t) => {
          for await (const s of containerStats(engine, t.id, { stream: false })) return row(t.label, s);
          throw new SystemError("no stats");
        }),
      );
      ctx.out(await render(rows));
      return;
    }
    const controller = new AbortController();
    process.once("SIGINT", () => controller.abort());
    const latest = new Map<string, Record<string, string>>();
    const streams = targets.map(async (t) => {
      for await (const s of containerStats(engine, t.id, { stream: true, signal: controller.signal })) latest.set(t.id, row(t.label, s));
    });
    while (!controller.signal.aborted) {
      await new Promise((r) => setTimeout(r, 1000));
      const rows = targets.map((t) => latest.get(t.id)).filter((r): r is Record<string, string> => r !== undefined);
      // Docker clears the screen and draws the table anew on a terminal; piped, tables follow each other.
      ctx.out((process.stdout.isTTY ? "\x1b[2J\x1b[H" : "") + (await render(rows)));
    }
    await Promise.allSettled(streams);
  },
};
