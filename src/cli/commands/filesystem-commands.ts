// A container's filesystem, seen and carried: diff, commit, export, cp, and squash of an image.
import { collect, parseBool, type CommandSpec } from "../command-spec.js";
import { diffContainerId, trimmedId } from "../object-names.js";
import { refuseTerminal, writeArchive } from "../output-file.js";
import { cpCommand } from "./cp-command.js";

const diffCommand: CommandSpec = {
  path: ["container", "diff"],
  aliases: [["diff"]],
  usage: "CONTAINER",
  description: "Inspect changes to files or directories on a container's filesystem",
  args: { min: 1, max: 1 },
  action: async (ctx, [name]) => {
    const { containerChanges } = await import("../../engine/containers/container-diff.js");
    // Thousands of lines go out in a few writes, not one write each.
    let text = "";
    for (const change of containerChanges(await ctx.engine(), diffContainerId(name!))) {
      text += `${change.kind} ${change.path}\n`;
      if (text.length >= 1 << 16) {
        ctx.out(text);
        text = "";
      }
    }
    if (text) ctx.out(text);
  },
};

const commitCommand: CommandSpec = {
  path: ["container", "commit"],
  aliases: [["commit"]],
  usage: "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
  description: "Create a new image from a container's changes",
  args: { min: 1, max: 2 },
  stopAtFirstArg: true,
  options: (cmd) =>
    cmd
      .option("-a, --author <string>", 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")')
      .option("-c, --change <instruction>", "Apply Dockerfile instruction to the created image", collect, [])
      .option("-m, --message <string>", "Commit message")
      .option("-p, --pause [bool]", "Pause container during commit", parseBool, true),
  action: async (ctx, [container, name], opts) => {
    const containerId = trimmedId("container", container!);
    if (name) {
      const { parseClientReference } = await import("../client-reference.js");
      await parseClientReference(name);
    }
    const { commitContainer } = await import("../../engine/containers/commit-container.js");
    const { id } = await commitContainer(await ctx.engine({ sweep: true }), {
      container: containerId,
      name,
      author: opts.author as string | undefined,
      message: opts.message as string | undefined,
      changes: opts.change as string[],
      pause: opts.pause !== false,
    });
    ctx.line(id);
  },
};

const exportCommand: CommandSpec = {
  path: ["container", "export"],
  aliases: [["export"]],
  usage: "[OPTIONS] CONTAINER",
  description: "Export a container's filesystem as a tar archive",
  args: { min: 1, max: 1 },
  options: (cmd) => cmd.option("-o, --output <file>", "Write to a file, instead of STDOUT"),
  action: async (ctx, [name], opts) => {
    const output = opts.output as string | undefined;
    refuseTerminal(output);
    const { exportContainer } = await import("../../engine/containers/export-container.js");
    const exported = await exportContainer(await ctx.engine(), trimmedId("container", name!));
    try {
      await writeArchive(exported.stream, output);
    } finally {
      exported.finished();
    }
  },
};

const squashCommand: CommandSpec = {
  path: ["image", "squash"],
  usage: "[OPTIONS] IMAGE [REPOSITORY[:TAG]]",
  description: "Flatten an image into one layer, keeping its config and history",
  args: { min: 1, max: 2 },
  options: (cmd) => cmd.option("-m, --message <string>", "Comment for the squash's history entry"),
  action: async (ctx, [image, name], opts) => {
    const { squashImage } = await import("../../engine/images/squash-image.js");
    const { id } = await squashImage(await ctx.engine({ sweep: true }), image!, { name, message: opts.message as string | undefined });
    ctx.line(id);
  },
};

export const filesystemCommands: readonly CommandSpec[] = [diffCommand, commitCommand, exportCommand, cpCommand, squashCommand];
