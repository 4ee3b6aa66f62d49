// system check, system df, system info, system prune, version.
import { collectFilter, type CommandSpec } from "../command-spec.js";
import { formatList } from "../format/list.js";
import { goJson, goTimeString, humanDuration, humanSize, humanSizeWithPrecision } from "../format/units.js";
import { ClientError } from "../errors.js";
import { VERSION } from "../version.js";
import { parseTimeFlag } from "../time-flags.js";
import { confirm } from "../confirm.js";
import { infoCommand } from "./info-command.js";
import type { BuildCacheRecord } from "../../engine/build/build-cache.js";

const checkCommand: CommandSpec = {
  path: ["system", "check"],
  usage: "[OPTIONS]",
  description: "Check the store for consistency and, with --repair, fix what it finds",
  args: { min: 0, max: 0 },
  options: (cmd) =>
    cmd
      .option("-r, --repair", "Remove damaged images and leftovers of interrupted operations")
      .option("--quick", "Skip re-hashing stored blobs"),
  action: async (ctx, _args, opts) => {
    const { checkStore } = await import("../../engine/system/system-check.js");
    const report = await checkStore(await ctx.engine(), { repair: Boolean(opts.repair), quick: Boolean(opts.quick) });
    for (const p of report.repaired) ctx.line(`repaired: ${p.object}: ${p.message}`);
    for (const p of report.leftovers) ctx.line(`leftover: ${p.object}: ${p.message} (berth system check --repair removes it)`);
    for (const p of report.problems) ctx.line(`${p.object}: ${p.message}`);
    if (report.problems.length === 0) {
      ctx.line("No problems found");
      return 0;
    }
    process.stderr.write(
      `${report.problems.length} problem${report.problems.length === 1 ? "" : "s"} found${opts.repair ? " that could not be repaired" : "; run berth system check --repair"}\n`,
    );
    return 1;
  },
};

const dfCommand: CommandSpec = {
  path: ["system", "df"],
  usage: "[OPTIONS]",
  description: "Show berth disk usage",
  args: { min: 0, max: 0 },
  options: (cmd) =>
    cmd
      .option("--format <string>", "Format output using a custom template")
      .option("-v, --verbose", "Show detailed information on space usage"),
  action: async (ctx, _args, opts) => {
    const { diskUsage } = await import("../../engine/system/system-df.js");
    const engine = await ctx.engine();
    const usage = diskUsage(engine);
    const format = opts.format as string | undefined;
    if (opts.verbose) {
      const rows = usage.images.map((image) => {
        const first = image.repoTags[0] ?? "<none>:<none>";
        const at = first.lastIndexOf(":");
        return {
          Containers: String(image.containers),
          CreatedAt: goTimeString(image.created),
          CreatedSince: `${humanDuration(Date.now() - image.created.getTime())} ago`,
          Digest: "",
          ID: image.id,
          Repository: first.slice(0, at),
          SharedSize: humanSize(image.sharedSize),
          Size: humanSizeWithPrecision(image.size, 3),
          Tag: first.slice(at + 1),
          UniqueSize: humanSize(image.uniqueSize),
          VirtualSize: humanSize(image.size),
        };
      });
      const { containerSummary } = await import("../../engine/containers/container-summary.js");
      const { containerRow } = await import("../format/container-row.js");
      const containerRows = usage.containers.map(({ record, sizeRw, localVolumes }) => {
        const row = containerRow(containerSummary(engine, record, false), { trunc: true });
        return {
          Command: row.Command,
          CreatedAt: row.CreatedAt,
          ID: record.spec.id,
          Image: row.Image,
          LocalVolumes: String(localVolumes),
          Names: row.Names,
          RunningFor: row.RunningFor,
          Size: humanSize(sizeRw),
          State: row.State,
          Status: row.Status,
        };
      });
      const volumeRows = usage.volumes.map((v) => ({ Driver: "local", Links: String(v.links), Name: v.name, Size: humanSize(v.size) }));
      const cacheRows = usage.buildCache.map((r) => buildCacheRow(r));
      if (format === "json" || format === "{{json .}}") {
        ctx.line(goJson({ Images: rows, Containers: containerRows, Volumes: volumeRows, BuildCache: cacheRows }));
        return;
      }
      if (format) throw new ClientError('--format is only supported with "json" together with --verbose');
      ctx.out("Images space usage:\n\n");
      ctx.out(
        await formatList(
          {
            format:
              "table {{.Repository}}\t{{.Tag}}\t{{.ShortID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}",
            defaultTable:
              "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}",
            quietFormat: "{{.ID}}",
          },
          rows.map((r) => ({ ...r, ShortID: r.ID.slice(7, 19) })),
          {
            Repository: "REPOSITORY",
            Tag: "TAG",
            ShortID: "IMAGE ID",
            CreatedSince: "CREATED",
            Size: "SIZE",
            SharedSize: "SHARED SIZE",
            UniqueSize: "UNIQUE SIZE",
            Containers: "CONTAINERS",
          },
        ),
      );
      ctx.out("\nContainers space usage:\n\n");
      ctx.out(
        await formatList(
          {
            format: "table {{.ShortID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}",
            defaultTable: "",
            quietFormat: "{{.ID}}",
          },
          containerRows.map((r) => ({ ...r, ShortID: r.ID.slice(0, 12) })),
          {
            ShortID: "CONTAINER ID",
            Image: "IMAGE",
            Command: "COMMAND",
            LocalVolumes: "LOCAL VOLUMES",
            Size: "SIZE",
            RunningFor: "CREATED",
            Status: "STATUS",
            Names: "NAMES",
          },
        ),
      );
      ctx.out("\nLocal Volumes space usage:\n\n");
      ctx.out(
        await formatList({ format: "table {{.Name}}\t{{.Links}}\t{{.Size}}", defaultTable: "", quietFormat: "{{.Name}}" }, volumeRows, {
          Name: "VOLUME NAME",
          Links: "LINKS",
          Size: "SIZE",
        }),
      );
      ctx.out(`\nBuild cache usage: ${humanSize(usage.builderSize)}\n\n`);
      ctx.out(
        await formatList(
          {
            format: "table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}",
            defaultTable: "",
            quietFormat: "{{.ID}}",
          },
          cacheRows.map((r) => ({ ...r, ID: r.ID.slice(0, 12) + (r.ID.endsWith("*") ? "*" : "") })),
          {
            ID: "CACHE ID",
            CacheType: "CACHE TYPE",
            Size: "SIZE",
            CreatedSince: "CREATED",
            LastUsedSince: "LAST USED",
            UsageCount: "USAGE",
            Shared: "SHARED",
          },
        ),
      );
      return;
    }
    const used = usage.images.filter((i) => i.containers > 0).reduce((s, i) => s + i.size - i.sharedSize, 0);
    const reclaimable = usage.layersSize - used;
    const rows = [
      usageRow("Images", usage.images.length, usage.images.filter((i) => i.containers > 0).length, usage.layersSize, reclaimable),
      usageRow(
        "Containers",
        usage.containers.length,
        usage.containers.filter((c) => c.record.state.Running).length,
        sum(usage.containers.map((c) => c.sizeRw)),
        sum(usage.containers.filter((c) => !c.record.state.Running).map((c) => c.sizeRw)),
      ),
      usageRow(
        "Local Volumes",
        usage.volumes.length,
        usage.volumes.filter((v) => v.links > 0).length,
        sum(usage.volumes.map((v) => v.size)),
        sum(usage.volumes.filter((v) => v.links === 0).map((v) => v.size)),
      ),
      buildCacheUsageRow(usage.buildCache, usage.builderSize),
    ];
    ctx.out(
      await formatList(
        {
          format,
          defaultTable: "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
          quietFormat: "{{.Type}}",
        },
        rows,
        { Type: "TYPE", TotalCount: "TOTAL", Active: "ACTIVE", Size: "SIZE", Reclaimable: "RECLAIMABLE" },
      ),
    );
  },
};

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/**
 * docker/cli's Build Cache line: SIZE counts records not shared with images, RECLAIMABLE is the
 * builder's size less what is in use, and carries no percentage (formatter/disk_usage.go).
 */
function buildCacheUsageRow(records: readonly BuildCacheRecord[], builderSize: number) {
  const own = records.filter((r) => !r.shared);
  return {
    Active: String(records.filter((r) => r.inUse).length),
    Reclaimable: humanSize(builderSize - sum(own.filter((r) => r.inUse).map((r) => r.size))),
    Size: humanSize(sum(own.map((r) => r.size))),
    TotalCount: String(records.length),
    Type: "Build Cache",
  };
}

/** One record of `system df -v`'s build cache section: an ID in use is marked with "*". */
function buildCacheRow(r: BuildCacheRecord) {
  const since = (at: string) => `${humanDuration(Date.now() - new Date(at).getTime())} ago`;
  return {
    CacheType: r.type,
    CreatedSince: since(r.createdAt),
    Description: r.description,
    ID: r.inUse ? `${r.id}*` : r.id,
    LastUsedSince: since(r.lastUsedAt),
    Shared: String(r.shared),
    Size: humanSizeWithPrecision(r.size, 3),
    UsageCount: String(r.usageCount),
  };
}

/** Docker's df line: RECLAIMABLE carries a percentage once there is anything at all. */
function usageRow(type: string, total: number, active: number, size: number, reclaimable: number) {
  return {
    Active: String(active),
    Reclaimable: size > 0 ? `${humanSize(reclaimable)} (${Math.trunc((reclaimable * 100) / size)}%)` : humanSize(reclaimable),
    Size: humanSize(size),
    TotalCount: String(total),
    Type: type,
  };
}

const pruneCommand: CommandSpec = {
  path: ["system", "prune"],
  usage: "[OPTIONS]",
  description: "Remove unused data",
  args: { min: 0, max: 0 },
  options: (cmd) =>
    cmd
      .option("-a, --all", "Remove all unused images not just dangling ones")
      .option("--filter <filter>", 'Provide filter values (e.g. "label=<key>=<value>")', collectFilter, [])
      .option("-f, --force", "Do not prompt for confirmation")
      .option("--volumes", "Prune anonymous volumes"),
  action: async (ctx, _args, opts) => {
    const filterFlags = opts.filter as string[];
    // docker/cli refuses this itself, before it asks anything: volumes have no creation time.
    if (opts.volumes && filterFlags.some((f) => f.trim().toLowerCase().startsWith("until="))) {
      throw new ClientError('ERROR: The "until" filter is not supported with "--volumes"');
    }
    const { parseFilters } = await import("../../engine/images/list-images.js");
    const filters = parseFilters(filterFlags, new Set(["until", "label"]));
    if (!opts.force && !(await confirm(ctx, pruneWarning(Boolean(opts.all), Boolean(opts.volumes), filterFlags)))) return 0;
    const until = filters.get("until")?.[0];
    const { pruneSystem } = await import("../../engine/system/prune-system.js");
    const result = await pruneSystem(await ctx.engine({ sweep: true }), {
      all: Boolean(opts.all),
      volumes: Boolean(opts.volumes),
      until: until === undefined ? undefined : parseTimeFlag(until),
      labels: filters.get("label") ?? [],
    });
    if (result.containers.length) ctx.out(`Deleted Containers:\n${result.containers.join("\n")}\n\n`);
    if (result.networks.length) ctx.out(`Deleted Networks:\n${result.networks.join("\n")}\n\n`);
    if (result.volumes.length) ctx.out(`Deleted Volumes:\n${result.volumes.join("\n")}\n\n`);
    if (result.images.length) {
      const lines = result.images.map((r) => ("untagged" in r ? `untagged: ${r.untagged}` : `deleted: ${r.deleted}`));
      ctx.out(`Deleted Images:\n${lines.join("\n")}\n\n`);
    }
    if (result.buildCache.length) ctx.out(`Deleted build cache objects:\n${result.buildCache.join("\n")}\n\n`);
    ctx.line(`Total reclaimed space: ${humanSize(result.spaceReclaimed)}`);
  },
};

/** docker/cli's confirmation text: what goes depends on -a and --volumes; filters are listed after. */
function pruneWarning(all: boolean, volumes: boolean, filters: readonly string[]): string {
  const items = [
    "all stopped containers",
    "all networks not used by at least one container",
    ...(volumes ? ["all anonymous volumes not used by at least one container"] : []),
    all ? "all images without at least one container associated to them" : "all dangling images",
    all ? "all build cache" : "unused build cache",
  ];
  let text = `WARNING! This will remove:\n${items.map((i) => `  - ${i}\n`).join("")}`;
  if (filters.length) text += `\n  Items to be pruned will be filtered with:\n${filters.map((f) => `  - ${f}\n`).join("")}`;
  return text;
}

const versionCommand: CommandSpec = {
  path: ["version"],
  usage: "[OPTIONS]",
  description: "Show the berth version information",
  args: { min: 0, max: 0 },
  options: (cmd) => cmd.option("-f, --format <string>", "Format output using a custom template"),
  action: async (ctx, _args, opts) => {
    const info = {
      Version: VERSION,
      ApiVersion: "1.41",
      NodeVersion: process.version,
      Os: process.platform,
      Arch: process.arch === "x64" ? "amd64" : process.arch,
      Root: ctx.globals.root,
    };
    if (opts.format) {
      const { parseTemplate } = await import("../format/template/index.js");
      ctx.line(parseTemplate(opts.format as string).execute(info));
      return;
    }
    ctx.out(
      `berth:\n Version:           ${info.Version}\n API version:       ${info.ApiVersion}\n Node.js version:   ${info.NodeVersion}\n` +
        ` OS/Arch:           ${info.Os}/${info.Arch}\n Storage root:      ${info.Root}\n`,
    );
  },
};

export const systemCommands: readonly CommandSpec[] = [checkCommand, dfCommand, infoCommand, pruneCommand, versionCommand];
