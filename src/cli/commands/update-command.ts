// `update` (and `container update`): docker/cli's cli/command/container/update.go. The names are
// printed as typed, the daemon's warnings after them on stdout without "WARNING:", and failures
// last, each with "Error response from daemon: ", exit 1.
import type { CommandSpec } from "../command-spec.js";
import { ClientError } from "../errors.js";
import { BerthError } from "../../errors.js";
import { addSharedResourceFlags, sharedResourceSettings } from "./resource-flags.js";
import { parseBytes, parseCpus, parseInteger, parseSwap } from "./run-flags.js";

export const updateCommand: CommandSpec = {
  path: ["container", "update"],
  aliases: [["update"]],
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  description: "Update configuration of one or more containers",
  args: { min: 1, max: Infinity },
  options: (cmd) =>
    addSharedResourceFlags(cmd)
      .option("--cpus <decimal>", "Number of CPUs", parseCpus)
      .option("-m, --memory <bytes>", "Memory limit", parseBytes)
      .option("--memory-swap <bytes>", "Swap limit equal to memory plus swap: -1 to enable unlimited swap", parseSwap)
      .option("--pids-limit <int>", "Tune container pids limit (set -1 for unlimited)", parseInteger)
      .option("--restart <string>", "Restart policy to apply when a container exits"),
  action: async (ctx, names, opts) => {
    const given = Object.keys(opts).filter((k) => opts[k] !== undefined);
    if (given.length === 0) throw new ClientError("you must provide one or more flags when using this command");
    const { parseRestartFlag } = await import("../../engine/containers/restart-policy.js");
    const { updateContainer } = await import("../../engine/containers/update-container.js");
    const restart = opts.restart as string | undefined;
    const request = {
      resources: {
        ...sharedResourceSettings(opts),
        ...(opts.cpus !== undefined ? { NanoCpus: opts.cpus as number } : {}),
        ...(opts.memory !== undefined ? { Memory: opts.memory as number } : {}),
        ...(opts.memorySwap !== undefined ? { MemorySwap: opts.memorySwap as number } : {}),
        ...(opts.pidsLimit !== undefined ? { PidsLimit: opts.pidsLimit as number } : {}),
      },
      ...(restart ? { restartPolicy: parseRestartFlag(restart) } : {}),
    };
    const engine = await ctx.engine({ sweep: true });
    const failures: string[] = [];
    const warnings: string[] = [];
    for (const name of names) {
      try {
        const result = await updateContainer(engine, name, request);
        warnings.push(...result.warnings);
        ctx.line(name);
      } catch (err) {
        if (!(err instanceof BerthError)) throw err;
        failures.push(`Error response from daemon: ${err.message}`);
      }
    }
    if (warnings.length) ctx.line(warnings.join("\n"));
    for (const failure of failures) process.stderr.write(`${failure}\n`);
    return failures.length ? 1 : 0;
  },
};
