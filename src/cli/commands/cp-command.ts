// `cp`: files between a container and the host, or a tar stream with "-", with docker cp's rules.
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { CommandSpec } from "../command-spec.js";
import { ClientError } from "../errors.js";
import { humanSize } from "../format/units.js";
import { checkOutputPath, localCopyPath, statDestination } from "../local-copy-path.js";

/** "name:path" names a container unless the part before the colon looks like a local path. */
function splitCopyArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith("/") || arg.startsWith(".")) return { path: arg };
  const colon = arg.indexOf(":");
  if (colon <= 0) return { path: arg };
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) || "/" };
}

export const cpCommand: CommandSpec = {
  path: ["container", "cp"],
  aliases: [["cp"]],
  usage: "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
  description: "Copy files/folders between a container and the local filesystem",
  args: { min: 2, max: 2 },
  options: (cmd) =>
    cmd
      .option("-a, --archive", "Archive mode (copy all uid/gid information)")
      .option("-L, --follow-link", "Always follow symbol link in SRC_PATH")
      .option(
        "-q, --quiet",
        "Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached",
      ),
  action: async (ctx, [from, to], opts) => {
    const src = splitCopyArg(from!);
    const dest = splitCopyArg(to!);
    if (src.container && dest.container) throw new ClientError("copying between containers is not supported");
    if (!src.container && !dest.container) throw new ClientError("must specify at least one container source");
    const engine = await ctx.engine();
    const { CopyPlanError } = await import("../../engine/containers/copy-plan.js");
    const { copyFromContainer, extractIntoContainer, statInContainer } = await import("../../engine/containers/copy-container.js");
    const { copyInFromHost, copyOutToHost, HostCopyError } = await import("../../engine/containers/host-copy.js");
    // docker cp's closing line, on a terminal only: the size of the archive that moved.
    const report = !opts.quiet && process.stderr.isTTY;
    const measure = (stream: Readable) => {
      let bytes = 0;
      stream.on("data", (chunk: Buffer) => (bytes += chunk.length));
      stream.once("end", () => process.stderr.write(`Successfully copied ${humanSize(bytes)} to ${to}\n`));
      return stream;
    };
    const copyOpts = { follow: Boolean(opts.followLink), archive: Boolean(opts.archive), ...(report ? { measure } : {}) };
    // What docker's client refuses or does itself it prints bare, without "Error response from daemon".
    const asClientError = (err: unknown) =>
      err instanceof CopyPlanError || err instanceof HostCopyError ? new ClientError(err.message) : err;

    if (src.container) {
      if (dest.path === "-") {
        const out = await copyFromContainer(engine, src.container, src.path, { follow: copyOpts.follow });
        try {
          await pipeline(out.stream, process.stdout);
        } finally {
          await out.finished();
        }
        return;
      }
      const destPath = localCopyPath(dest.path);
      checkOutputPath(destPath);
      await copyOutToHost(engine, src.container, src.path, { path: destPath, ...statDestination(destPath) }, copyOpts).catch(
        (err: unknown) => {
          throw asClientError(err);
        },
      );
      return;
    }

    if (src.path === "-") {
      const isDir = await statInContainer(engine, dest.container!, dest.path, { follow: true }).then(
        (st) => (st.mode & 0o170000) === 0o040000,
        () => false,
      );
      if (!isDir) throw new ClientError(`destination "${dest.container}:${dest.path}" must be a directory`);
      await extractIntoContainer(engine, dest.container!, dest.path, () => process.stdin, { archive: true });
      return;
    }
    await copyInFromHost(engine, dest.container!, dest.path, src.path, copyOpts).catch((err: unknown) => {
      throw asClientError(err);
    });
  },
};
