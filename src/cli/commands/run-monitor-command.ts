// The hidden command a run's monitor runs as (engine/containers/run-monitor.ts): started detached
// at each start of a container with a health check or a rotating log, never by a user.
import type { CommandSpec } from "../command-spec.js";

export const runMonitorCommand: CommandSpec = {
  path: ["container", "monitor"],
  usage: "CONTAINER RUN-ID",
  description: "Probe a running container's health and rotate its log until it stops (started by berth at each start)",
  hidden: true,
  args: { min: 2, max: 2 },
  action: async (ctx, [id, runId]) => {
    const { runMonitor } = await import("../../engine/containers/run-monitor.js");
    await runMonitor(await ctx.engine(), id!, runId!);
  },
};
