// system check, system df, version.
import type { CommandSpec } from "../command-spec.js";
import { formatList } from "../format/list.js";
import { goJson, goTimeString, humanDuration, humanSize, humanSizeWithPrecision } from "../format/units.js";
import { ClientError } from "../errors.js";
import { VERSION } from "../version.js";

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
    const { checkStore } = await import("../../engine/system-check.js");
    const report = await checkStore(await ctx.engine(), { repair: Boolean(opts.repair), quick: Boolean(opts.quick) });
    for (const p of report.repaired) ctx.line(`repaired: ${p.object}: ${p.message}`);
    for (const p of report.leftovers) ctx.line(`leftover: ${p.object}: ${p.message} (berth system check --repair removes it)`);
    for (const p of report.problems) ctx.line(`${p.object}: ${p.message}`);
    if (report.problems.length === 0) {
      ctx.line("No problems found");
      return 0;
    }
    process.stderr.write(`${report.problems.length} problem${report.problems.length === 1 ? "" : "s"} found${opts.repair ? " that could not be repaired" : "; run berth system check --repair"}\n`);
    return 1;
  },
};

const dfCommand: CommandSpec = {
  path: ["system", "df"],
  usage: "[OPTIONS]",
  description: "Show berth disk usage",
  args: { min: 0, max: 0 },
  options: (cmd) => cmd.option("--format <string>", "Format output using a custom template").option("-v, --verbose", "Show detailed information on space usage"),
  action: async (ctx, _args, opts) => {
    const { diskUsage } = await import("../../engine/system-df.js");
    const usage = diskUsage(await ctx.engine());
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
      if (format === "json" || format === "{{json .}}") {
        ctx.line(goJson({ Images: rows, Containers: [], Volumes: [], BuildCache: [] }));
        return;
      }
      if (format) throw new ClientError("--format is only supported with \"json\" together with --verbose");
      ctx.out("Images space usage:\n\n");
      ctx.out(await formatList({
        format: "table {{.Repository}}\t{{.Tag}}\t{{.ShortID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}",
        defaultTable: "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}",
        quietFormat: "{{.ID}}",
      }, rows.map((r) => ({ ...r, ShortID: r.ID.slice(7, 19) })), {
        Repository: "REPOSITORY", Tag: "TAG", ShortID: "IMAGE ID", CreatedSince: "CREATED", Size: "SIZE", SharedSize: "SHARED SIZE",
        UniqueSize: "UNIQUE SIZE", Containers: "CONTAINERS",
      }));
      ctx.out("\nContainers space usage:\n\nCONTAINER ID   IMAGE     COMMAND   LOCAL VOLUMES   SIZE      CREATED   STATUS    NAMES\n");
      ctx.out("\nLocal Volumes space usage:\n\nVOLUME NAME   LINKS     SIZE\n");
      ctx.out("\nBuild cache usage: 0B\n\nCACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED\n");
      return;
    }
    const used = usage.images.filter((i) => i.containers > 0).reduce((s, i) => s + i.size - i.sharedSize, 0);
    const reclaimable = usage.layersSize - used;
    const rows = [
      {
        Active: String(usage.images.filter((i) => i.containers > 0).length),
        Reclaimable: usage.layersSize > 0 ? `${humanSize(reclaimable)} (${Math.trunc((reclaimable * 100) / usage.layersSize)}%)` : humanSize(reclaimable),
        Size: humanSize(usage.layersSize),
        TotalCount: String(usage.images.length),
        Type: "Images",
      },
      // berth has no containers, volumes or build cache yet (issue 3 brings containers and volumes).
      { Active: "0", Reclaimable: "0B", Size: "0B", TotalCount: "0", Type: "Containers" },
      { Active: "0", Reclaimable: "0B", Size: "0B", TotalCount: "0", Type: "Local Volumes" },
      { Active: "0", Reclaimable: "0B", Size: "0B", TotalCount: "0", Type: "Build Cache" },
    ];
    ctx.out(await formatList({
      format,
      defaultTable: "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
      quietFormat: "{{.Type}}",
    }, rows, { Type: "TYPE", TotalCount: "TOTAL", Active: "ACTIVE", Size: "SIZE", Reclaimable: "RECLAIMABLE" }));
  },
};

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
      const { parseTemplate } = await import("../format/go-template.js");
      ctx.line(parseTemplate(opts.format as string).execute(info));
      return;
    }
    ctx.out(
      `berth:\n Version:           ${info.Version}\n API version:       ${info.ApiVersion}\n Node.js version:   ${info.NodeVersion}\n` +
        ` OS/Arch:           ${info.Os}/${info.Arch}\n Storage root:      ${info.Root}\n`,
    );
  },
};

export const systemCommands: readonly CommandSpec[] = [checkCommand, dfCommand, versionCommand];
