// `cp`: files between a container and the host, or a tar stream with "-", with docker cp's rules.
import * as fs from "node:fs";
import { posix } from "node:path";
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
    const { planCopy, CopyPlanError } = await import("../../engine/containers/copy-plan.js");
    const { copyFromContainer, copyIntoContainer, extractIntoContainer, statInContainer } =
      await import("../../engine/containers/copy-container.js");
    const { extractLayer } = await import("../../archive/extract.js");
    const { packPath } = await import("../../archive/pack.js");
    const follow = Boolean(opts.followLink);
    // docker cp's closing line, on a terminal only: the size of the archive that moved.
    const report = !opts.quiet && process.stderr.isTTY;
    const counted = (stream: import("node:stream").Readable, to: string) => {
      if (!report) return stream;
      let bytes = 0;
      stream.on("data", (chunk: Buffer) => (bytes += chunk.length));
      stream.once("end", () => process.stderr.write(`Successfully copied ${humanSize(bytes)} to ${to}\n`));
      return stream;
    };
    // What docker's client refuses itself it prints bare, without "Error response from daemon".
    const asClientError = (err: unknown) => (err instanceof CopyPlanError ? new ClientError(err.message) : err);

    if (src.container) {
      if (dest.path === "-") {
        const out = await copyFromContainer(engine, src.container, src.path, { follow });
        try {
          await pipeline(out.stream, process.stdout);
        } finally {
          await out.finished();
        }
        return;
      }
      const destPath = localCopyPath(dest.path);
      checkOutputPath(destPath);
      const destInfo = statDestination(destPath);
      let target: { dir: string; name: string } | undefined;
      const out = await copyFromContainer(engine, src.container, src.path, {
        follow,
        name: (info) => {
          try {
            target = planCopy(info, { path: destPath, ...destInfo });
          } catch (err) {
            throw asClientError(err);
          }
          return target.name;
        },
      });
      try {
        if (!target) throw new ClientError("nothing to copy");
        const owner = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
        await extractLayer(counted(out.stream, to!), target.dir, { copy: { at: target.dir, ...(opts.archive ? {} : { owner }) } });
      } catch (err) {
        // Unpacking on the host is the client's own work: its failures carry no daemon prefix.
        throw err instanceof Error && !(err instanceof ClientError) ? new ClientError(err.message) : err;
      } finally {
        out.stream.destroy();
        await out.finished();
      }
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
    const srcPath = posix.resolve(src.path.replace(/\/\.$/, "") || "/");
    let st: fs.Stats;
    try {
      st = follow ? fs.statSync(srcPath) : fs.lstatSync(srcPath);
    } catch {
      throw new ClientError(`lstat ${srcPath}: no such file or directory`);
    }
    const contents = /\/\.$/.test(src.path);
    await copyIntoContainer(
      engine,
      dest.container!,
      dest.path,
      {
        isDir: st.isDirectory(),
        contents,
        basename: posix.basename(srcPath),
        open: (name) => counted(packPath(follow ? fs.realpathSync(srcPath) : srcPath, name, { capabilities: false }), to!),
      },
      { archive: Boolean(opts.archive) },
    ).catch((err: unknown) => {
      throw asClientError(err);
    });
  },
};
