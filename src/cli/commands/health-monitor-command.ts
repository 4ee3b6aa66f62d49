// The hidden command a container's health monitor runs as (engine/containers/health-monitor.ts):
// started detached at each start of a container with a health check, never by a user.
import type { CommandSpec } from "../command-spec.js";

export const healthMonitorCommand: CommandSpec = {
  path: ["container", "health-monitor"],
  usage: "CONTAINER RUN-ID",
  description: "Probe a running container's health until it stops (started by berth at each start)",
  hidden: true,
  args: { min: 2, max: 2 },
  action: async (ctx, [id, runId]) => {
    const { runHealthMonitor } = await import("../../engine/containers/health-monitor.js");
    await runHealthMonitor(await ctx.engine(), id!, runId!);
  },
};
