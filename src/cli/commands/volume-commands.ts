// volume create, ls, inspect, rm, prune.
import { collect, collectFilter, type CommandSpec } from "../command-spec.js";
import { ClientError } from "../errors.js";
import { formatList } from "../format/list.js";
import { humanSize } from "../format/units.js";
import { printInspected, type Inspected } from "../format/inspect-output.js";
import { BerthError } from "../../errors.js";
import { trimmedId } from "../object-names.js";

const createCommand: CommandSpec = {
  path: ["volume", "create"],
  usage: "[OPTIONS] [VOLUME]",
  description: "Create a volume",
  args: { min: 0, max: 1 },
  options: (cmd) =>
    cmd
      .option("-d, --driver <string>", "Specify volume driver name", "local")
      .option("--label <label>", "Set metadata for a volume", collect, [])
      .option("--name <string>", "Specify volume name"),
  action: async (ctx, [name], opts) => {
    if (name && opts.name && name !== opts.name)
      throw new ClientError(`conflicting options: either specify --name or provide positional arg, not both`);
    const { createVolume } = await import("../../engine/volumes/volumes.js");
    const { parseLabels } = await import("./run-flags.js");
    const labels = parseLabels(opts.label as string[]);
    const volume = createVolume(await ctx.engine({ sweep: true }), {
      name: name ?? (opts.name as string | undefined),
      driver: opts.driver as string,
      labels,
    });
    ctx.line(volume.name);
  },
};

const lsCommand: CommandSpec = {
  path: ["volume", "ls"],
  aliases: [["volume", "list"]],
  usage: "[OPTIONS]",
  description: "List volumes",
  args: { min: 0, max: 0 },
  options: (cmd) =>
    cmd
      .option("-f, --filter <filter>", "Provide filter values (e.g. 'dangling=true')", collectFilter, [])
      .option("--format <string>", "Format output using a custom template")
      .option("-q, --quiet", "Only display volume names"),
  action: async (ctx, _args, opts) => {
    const { listVolumes } = await import("../../engine/volumes/volumes.js");
    const rows = listVolumes(await ctx.engine(), opts.filter as string[]).map(({ volume: v, links }) => ({
      Driver: v.driver,
      Labels: Object.entries(v.labels)
        .map(([k, val]) => `${k}=${val}`)
        .join(","),
      Links: String(links),
      Mountpoint: v.mountpoint,
      Name: v.name,
      Scope: "local",
      Size: "N/A",
    }));
    ctx.out(
      await formatList(
        {
          format: opts.format as string | undefined,
          quiet: Boolean(opts.quiet),
          defaultTable: "table {{.Driver}}\t{{.Name}}",
          quietFormat: "{{.Name}}",
          rowType: "*formatter.volumeContext",
        },
        rows,
        { Driver: "DRIVER", Name: "VOLUME NAME", Mountpoint: "MOUNTPOINT", Scope: "SCOPE", Labels: "LABELS", Links: "LINKS", Size: "SIZE" },
      ),
    );
  },
};

const inspectCommand: CommandSpec = {
  path: ["volume", "inspect"],
  usage: "[OPTIONS] VOLUME [VOLUME...]",
  description: "Display detailed information on one or more volumes",
  args: { min: 1, max: Infinity },
  options: (cmd) => cmd.option("-f, --format <string>", "Format output using a custom template"),
  action: async (ctx, names, opts) => {
    const { volumeJson } = await import("../../engine/volumes/volumes.js");
    const engine = await ctx.engine();
    const found: Inspected[] = [];
    const errors: string[] = [];
    for (const name of names) {
      const id = name.trim();
      const v = id === "" ? undefined : engine.store.volumes.get(id);
      if (v) found.push({ kind: "volume", value: volumeJson(v) });
      else if (id === "") errors.push(`invalid volume name or ID: value is empty`);
      else errors.push(`Error response from daemon: get ${id}: no such volume`);
    }
    return printInspected(ctx, found, opts.format as string | undefined, errors);
  },
};

const rmCommand: CommandSpec = {
  path: ["volume", "rm"],
  aliases: [["volume", "remove"]],
  usage: "[OPTIONS] VOLUME [VOLUME...]",
  description: "Remove one or more volumes",
  args: { min: 1, max: Infinity },
  options: (cmd) => cmd.option("-f, --force", "Force the removal of one or more volumes"),
  action: async (ctx, names, opts) => {
    const { removeVolumes } = await import("../../engine/volumes/volumes.js");
    const ids: string[] = [];
    const refused: string[] = [];
    for (const name of names) {
      try {
        ids.push(trimmedId("volume", name));
      } catch (err) {
        refused.push((err as Error).message);
      }
    }
    const { removed, errors } = removeVolumes(await ctx.engine({ sweep: true }), ids, { force: Boolean(opts.force) });
    for (const name of removed) ctx.line(name);
    for (const message of refused) process.stderr.write(`${message}\n`);
    for (const err of errors)
      process.stderr.write(`Error response from daemon: ${err instanceof BerthError ? err.message : String(err)}\n`);
    return errors.length || refused.length ? 1 : 0;
  },
};

const pruneCommand: CommandSpec = {
  path: ["volume", "prune"],
  usage: "[OPTIONS]",
  description: "Remove unused local volumes",
  args: { min: 0, max: 0 },
  options: (cmd) =>
    cmd
      .option("-a, --all", "Remove all unused volumes, not just anonymous ones")
      .option("--filter <filter>", "Provide filter values (e.g. 'label=<label>')", collectFilter, [])
      .option("-f, --force", "Do not prompt for confirmation"),
  action: async (ctx, _args, opts) => {
    if (!opts.force) {
      ctx.out(
        "WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ",
      );
      let answer = "";
      for await (const chunk of process.stdin) {
        answer += String(chunk);
        if (answer.includes("\n")) break;
      }
      if (!/^y(es)?$/i.test(answer.split("\n")[0]!.trim())) return 0;
    }
    const { pruneVolumes } = await import("../../engine/volumes/volumes.js");
    const labels = (opts.filter as string[]).filter((f) => f.startsWith("label=")).map((f) => f.slice(6));
    const { removed, reclaimed } = pruneVolumes(await ctx.engine({ sweep: true }), { all: Boolean(opts.all), labels });
    if (removed.length) ctx.out(`Deleted Volumes:\n${removed.join("\n")}\n\n`);
    ctx.line(`Total reclaimed space: ${humanSize(reclaimed)}`);
  },
};

export const volumeCommands: readonly CommandSpec[] = [createCommand, lsCommand, inspectCommand, rmCommand, pruneCommand];
