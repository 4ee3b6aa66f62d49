// What every inspect prints: the objects as Docker's indented JSON array, or a template per object
// (Go's missingkey=error, as docker inspect runs it), then the failures, each a full line.
import type { CliContext } from "../context.js";
import { goJson } from "./units.js";

export async function printInspected(ctx: CliContext, found: readonly unknown[], format: string | undefined, errors: readonly string[]): Promise<number> {
  if (format) {
    const { parseTemplate } = await import("./go-template.js");
    const template = parseTemplate(format, { missingKey: "error" });
    for (const obj of found) ctx.line(template.execute(obj));
  } else {
    ctx.line(goJson(found, "    "));
  }
  if (errors.length === 0) return 0;
  process.stderr.write(errors.join("\n") + "\n");
  return 1;
}
