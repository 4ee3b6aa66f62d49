// `events`: what berth does, as it happens (and from --since), in docker's line format or --format.
import type { CommandSpec } from "../command-spec.js";
import { collectFilter } from "../command-spec.js";
import { parseTimeFlag } from "../time-flags.js";
import type { DockerEvent } from "../../engine/events.js";

/** jsonmessage.RFC3339NanoFixed in UTC: nine fraction digits. */
function nanoTime(timeNano: number | bigint): string {
  const ns = BigInt(timeNano);
  const seconds = ns / 1_000_000_000n;
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, "0");
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}

/** docker/cli's prettyPrintEvent: time, type, action, actor, then (k=v, …) sorted. */
export function formatEvent(e: DockerEvent, timeNano: bigint): string {
  const attrs = Object.keys(e.Actor.Attributes)
    .sort()
    .map((k) => `${k}=${e.Actor.Attributes[k]}`);
  return `${nanoTime(timeNano)} ${e.Type} ${e.Action} ${e.Actor.ID}${attrs.length ? ` (${attrs.join(", ")})` : ""}\n`;
}

function toNano(date: Date): bigint {
  return BigInt(date.getTime()) * 1_000_000n;
}

export const eventsCommand: CommandSpec = {
  path: ["system", "events"],
  aliases: [["events"]],
  usage: "[OPTIONS]",
  description: "Get real time events from the server",
  args: { min: 0, max: 0 },
  options: (cmd) =>
    cmd
      .option("-f, --filter <filter>", "Filter output based on conditions provided", collectFilter, [])
      .option("--format <string>", "Format output using a custom template")
      .option("--since <string>", "Show all events created since timestamp")
      .option("--until <string>", "Stream events until this timestamp"),
  action: async (ctx, _args, opts) => {
    const engine = await ctx.engine();
    const { eventJson, followEvents, toDockerEvent } = await import("../../engine/events.js");
    const { parseFilters } = await import("../../engine/images/list-images.js");
    const filters = parseFilters(opts.filter as string[], new Set(["container", "event", "image", "label", "type", "volume"]));
    const since = opts.since ? toNano(parseTimeFlag(opts.since as string)) : undefined;
    const until = opts.until ? toNano(parseTimeFlag(opts.until as string)) : undefined;
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    const format = opts.format as string | undefined;
    const template =
      format && format !== "json"
        ? (await import("../format/template/index.js")).parseTemplate(format.replace(/\\t/g, "\t").replace(/\\n/g, "\n"))
        : undefined;
    for await (const stored of followEvents(engine, { since, until, filters, signal: controller.signal })) {
      const e = toDockerEvent(stored);
      if (format === "json") ctx.line(eventJson(stored));
      else if (template) ctx.line(template.execute(e));
      else ctx.out(formatEvent(e, stored.timeNano));
    }
  },
};
