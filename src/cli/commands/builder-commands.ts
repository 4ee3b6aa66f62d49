// `builder prune`: the build cache removed, with the docker CLI's prompt and report.
import { collectFilter, type CommandSpec } from "../command-spec.js";
import { humanSize } from "../format/units.js";
import { parseBytes } from "./run-flags.js";
import { flagValue } from "./build-flags.js";
import { readLine } from "../confirm.js";

const builderPruneCommand: CommandSpec = {
  path: ["builder", "prune"],
  usage: "",
  description: "Remove build cache",
  args: { min: 0, max: 0 },
  options: (cmd) =>
    cmd
      .option("-a, --all", "Remove all unused build cache, not just dangling ones")
      .option("--filter <filter>", 'Provide filter values (e.g. "until=24h")', collectFilter, [])
      .option("-f, --force", "Do not prompt for confirmation")
      .option("--keep-storage <bytes>", "Amount of disk space to keep for cache", flagValue(parseBytes)),
  action: async (ctx, _args, opts) => {
    const { pruneOptionsFromFilters } = await import("../../engine/build/prune-filters.js");
    const all = Boolean(opts.all);
    // Filters are checked before the question, so that a bad one is not asked about.
    const options = pruneOptionsFromFilters(opts.filter as string[], { all, keepStorage: opts.keepStorage as number | undefined });
    if (!opts.force) {
      ctx.out(`WARNING! This will remove all ${all ? "" : "dangling "}build cache. Are you sure you want to continue? [y/N] `);
      if (!/^y(es)?$/i.test((await readLine(process.stdin)).trim())) return 0;
    }
    const { pruneBuildCache } = await import("../../engine/build/build-cache.js");
    const { deleted, reclaimed } = await pruneBuildCache(await ctx.engine({ sweep: true }), options);
    if (deleted.length) ctx.out(`Deleted build cache objects:\n${deleted.join("\n")}\n\n`);
    ctx.line(`Total reclaimed space: ${humanSize(reclaimed)}`);
  },
};

export const builderCommands: readonly CommandSpec[] = [builderPruneCommand];
