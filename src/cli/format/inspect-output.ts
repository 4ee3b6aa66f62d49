// What every inspect prints: the objects as Docker's indented JSON array, or a template per object
// (Go's missingkey=error, as docker inspect runs it, over docker's Go types), then the failures,
// each a full line.
import type { CliContext } from "../context.js";
import { goJson } from "./units.js";

/** What inspect found, and which of docker's types the CLI decodes it into. */
export interface Inspected {
  readonly kind: "container" | "image" | "volume" | "network";
  readonly value: unknown;
}

export async function printInspected(
  ctx: CliContext,
  found: readonly Inspected[],
  format: string | undefined,
  errors: readonly string[],
): Promise<number> {
  if (format) {
    const { parseTemplate, withGoType } = await import("./template/index.js");
    const { CONTAINER_INSPECT, IMAGE_INSPECT, NETWORK_INSPECT, VOLUME_INSPECT } = await import("./docker-types.js");
    const types = { container: CONTAINER_INSPECT, image: IMAGE_INSPECT, volume: VOLUME_INSPECT, network: NETWORK_INSPECT };
    const template = parseTemplate(format, { missingKey: "error" });
    for (const { kind, value } of found) ctx.line(template.execute(withGoType(value, types[kind])));
  } else {
    ctx.line(
      goJson(
        found.map((f) => f.value),
        "    ",
      ),
    );
  }
  if (errors.length === 0) return 0;
  process.stderr.write(errors.join("\n") + "\n");
  return 1;
}
