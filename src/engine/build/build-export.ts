// --output type=local|tar: the built image's filesystem, flat (no layers, no whiteouts), written
// to a host directory or a tar file, as BuildKit's local and tar exporters do.
import * as fs from "node:fs";
import { pipeline } from "node:stream/promises";
import type { Engine } from "../engine.js";
import { createStepContainer, removeStepContainer } from "./step-container.js";
import { borrowRootfs } from "../containers/container-rootfs.js";
import { packTree } from "../../archive/pack.js";
import { extractLayer } from "../../archive/extract.js";
import type { BuildOutput } from "./build-request.js";
import { InvalidArgumentError } from "../../errors.js";

export async function exportImageFilesystem(
  engine: Engine,
  imageId: string,
  output: Exclude<BuildOutput, { type: "image" }>,
): Promise<void> {
  const id = createStepContainer(engine, { imageId, cmd: ["#(nop)"] });
  try {
    const borrowed = await borrowRootfs(engine, id);
    try {
      if (output.type === "tar") {
        if (!output.stream && output.dest === "-")
          throw new InvalidArgumentError("the tar output's dest is - but no stream was given to write it to");
        const target = output.stream ?? fs.createWriteStream(output.dest, { mode: 0o644 });
        await pipeline(packTree(borrowed.rootfs), target);
      } else {
        await fs.promises.mkdir(output.dest, { recursive: true });
        // As cp writes to the host: names are names (no whiteouts), what is there is replaced.
        await extractLayer(packTree(borrowed.rootfs), output.dest, { copy: { at: output.dest } });
      }
    } finally {
      borrowed.giveBack();
    }
  } finally {
    await removeStepContainer(engine, id);
  }
}
