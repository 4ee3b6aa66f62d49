// `image analyze`: per-layer changes and wasted space of an image, a layer's changes with
// --layer, JSON or a Go template with --format, and dive's CI mode with --ci.
import { InvalidArgumentError } from "commander";
import type { CommandSpec } from "../command-spec.js";
import { ellipsis, goJson, humanSize } from "../format/units.js";

function ratio(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError("must be a number from 0 to 1");
  return n;
}

/** dive's --highest-wasted-bytes: "disabled", bytes, or a size such as 20MB (decimal units, as dive's). */
function wastedBytesLimit(value: string): number | undefined {
  if (value === "disabled") return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)b?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError("must be 'disabled' or a size such as 20MB");
  return Math.floor(Number(m[1]) * 1000 ** " kmgt".indexOf((m[2] || " ").toLowerCase()));
}

const percent = (x: number) => `${(x * 100).toFixed(2)} %`;
const totals = (t: { count: number; bytes: number }) => `${t.count} (${humanSize(t.bytes)})`;

export const analyzeCommand: CommandSpec = {
  path: ["image", "analyze"],
  usage: "[OPTIONS] IMAGE",
  description: "Show what each layer of an image changes and the space it wastes",
  args: { min: 1, max: 1 },
  options: (cmd) =>
    cmd
      .option("--layer <index>", "List the changes of one layer (0 is the base layer)")
      .option("--format <string>", "Format output: 'json' or a Go template over the JSON document")
      .option("--top <n>", "How many wasteful paths to list", "10")
      .option("--no-trunc", "Do not truncate CREATED BY")
      .option("--ci", "Check the image against the limits below; exit 1 when one is crossed (dive's CI mode)")
      .option("--lowest-efficiency <ratio>", "Lowest efficiency allowed (0 to 1)", ratio, 0.9)
      .option("--highest-wasted-bytes <size>", "Most wasted bytes allowed, or 'disabled'", wastedBytesLimit, undefined)
      .option("--highest-user-wasted-percent <ratio>", "Highest share of wasted bytes in the layers above the base (0 to 1)", ratio, 0.1),
  action: async (ctx, [ref], opts) => {
    const { analyzeImage, analysisJson, checkAnalysis, layerChanges } = await import("../../engine/images/analyze-image.js");
    const engine = await ctx.engine();
    if (opts.layer !== undefined) {
      const index = Number(opts.layer);
      for (const c of layerChanges(engine, ref!, index)) ctx.line(`${c.kind} ${c.path}${c.size ? `\t${humanSize(c.size)}` : ""}`);
      return 0;
    }
    const a = analyzeImage(engine, ref!);
    const format = opts.format as string | undefined;
    if (format === "json") {
      ctx.line(goJson(analysisJson(a), "    "));
    } else if (format) {
      const { parseTemplate } = await import("../format/template/index.js");
      ctx.line(parseTemplate(format, { missingKey: "error" }).execute(analysisJson(a)));
    } else {
      const trunc = opts.trunc !== false;
      ctx.line(`Image:        ${a.id.slice(7, 19)}`);
      ctx.line(`Total size:   ${humanSize(a.size)}`);
      ctx.line(`Efficiency:   ${percent(a.efficiency)}`);
      ctx.line(`Wasted:       ${humanSize(a.wastedBytes)} (${percent(a.userWastedPercent)} of the layers above the base)`);
      ctx.line("");
      const rows = a.layers.map((l) => [
        String(l.index),
        humanSize(l.size),
        totals(l.added),
        totals(l.changed),
        totals(l.removed),
        trunc ? ellipsis(l.createdBy.replace(/\s+/g, " "), 60) : l.createdBy,
      ]);
      const { tabwrite } = await import("../format/template/index.js");
      for (const line of tabwrite([["LAYER", "SIZE", "ADDED", "CHANGED", "REMOVED", "CREATED BY"], ...rows].map((r) => r.join("\t")))) {
        ctx.line(line.trimEnd());
      }
      const top = a.wasted.slice(0, Number(opts.top));
      if (top.length > 0) {
        ctx.line("");
        const wasteRows = [
          ["COUNT", "WASTED", "LAYERS", "PATH"],
          ...top.map((w) => [String(w.count), humanSize(w.bytes), w.layers.join(","), w.path]),
        ];
        for (const line of tabwrite(wasteRows.map((r) => r.join("\t")))) ctx.line(line.trimEnd());
      }
    }
    if (!opts.ci) return 0;
    const results = checkAnalysis(a, {
      lowestEfficiency: opts.lowestEfficiency as number,
      highestWastedBytes: opts.highestWastedBytes as number | undefined,
      highestUserWastedPercent: opts.highestUserWastedPercent as number,
    });
    ctx.line("");
    for (const r of results) {
      const verdict = r.limit === undefined ? "SKIP (disabled)" : r.passed ? "PASS" : "FAIL";
      ctx.line(
        `  ${verdict}: ${r.rule} ${r.rule === "highestWastedBytes" ? r.value : r.value.toFixed(4)}${r.limit === undefined ? "" : ` (limit ${r.limit})`}`,
      );
    }
    const failed = results.some((r) => !r.passed);
    ctx.line(`Result: ${failed ? "FAIL" : "PASS"}`);
    return failed ? 1 : 0;
  },
};
