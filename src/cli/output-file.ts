// Writing an archive to -o FILE or to stdout the way docker save and export do: never to a
// terminal, and never half a file: the bytes go beside the target and are renamed over it at the end.
import * as fs from "node:fs";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ClientError } from "./errors.js";

export function refuseTerminal(output: string | undefined): void {
  if (!output && process.stdout.isTTY) throw new ClientError("cowardly refusing to save to a terminal. Use the -o flag or redirect");
}

export async function writeArchive(archive: Readable, output: string | undefined): Promise<void> {
  if (!output) {
    await pipeline(archive, process.stdout);
    return;
  }
  const temp = `${output}.berth-${process.pid}.tmp`;
  try {
    await pipeline(archive, fs.createWriteStream(temp, { flags: "wx" }));
    fs.renameSync(temp, output);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
}
