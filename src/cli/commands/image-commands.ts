// Image commands: import, images, tag, rmi, image prune, history, analyze, inspect, save, load.
import * as fs from "node:fs";
import { Readable } from "node:stream";
import type { Command } from "commander";
import { collect, collectFilter, parseBool, type CommandSpec } from "../command-spec.js";
import { ClientError } from "../errors.js";
import { confirm } from "../confirm.js";
import { formatList } from "../format/list.js";
import { printInspected, type Inspected } from "../format/inspect-output.js";
import { ellipsis, goTimeString, humanDuration, humanSize, humanSizeWithPrecision, rfc3339 } from "../format/units.js";
import { BerthError, InvalidArgumentError } from "../../errors.js";
import { parseTimeFlag } from "../time-flags.js";
import { refuseTerminal, writeArchive } from "../output-file.js";
import { emptyInspectName } from "../object-names.js";
import { analyzeCommand } from "./analyze-command.js";

const shortHex = (id: string) => id.replace(/^sha256:/, "").slice(0, 12);
const ago = (date: Date | null) => (date ? `${humanDuration(Date.now() - date.getTime())} ago` : "N/A");

const importCommand: CommandSpec = {
  path: ["image", "import"],
  aliases: [["import"]],
  usage: "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
  description: "Import the contents from a tarball to create a filesystem image",
  args: { min: 1, max: 2 },
  options: (cmd: Command) =>
    cmd
      .option("-c, --change <instruction>", "Apply Dockerfile instruction to the created image", collect, [])
      .option("-m, --message <text>", "Set commit message for imported image")
      .option("--platform <platform>", "Set platform if server is multi-platform capable"),
  action: async (ctx, [source, name], opts) => {
    if (name) await (await import("../client-reference.js")).parseClientReference(name);
    const { importImage } = await import("../../engine/images/import-image.js");
    const engine = await ctx.engine({ sweep: true });
    const { stream, sourceName } = await openImportSource(source!);
    try {
      const { id } = await importImage(engine, {
        source: stream,
        sourceName,
        name,
        changes: opts.change as string[],
        message: opts.message as string | undefined,
        platform: opts.platform as string | undefined,
      });
      ctx.line(id);
    } finally {
      // A refused import never reads its file: its handle is closed here, not left to the garbage
      // collector (Node 24 warns on stderr when it has to close one).
      if (stream !== process.stdin) stream.destroy();
    }
  },
};

/** docker's CLI sends a file as the request body, so the engine records "-" as the source; a URL stays a URL. */
async function openImportSource(source: string): Promise<{ stream: Readable; sourceName: string }> {
  if (source === "-") return { stream: process.stdin, sourceName: "-" };
  if (/^https?:\/\//.test(source)) {
    const response = await fetch(source).catch((err: Error) => {
      throw new InvalidArgumentError(`Get "${source}": ${err.message}`);
    });
    if (!response.ok || !response.body) throw new InvalidArgumentError(`Get "${source}": ${response.status} ${response.statusText}`);
    return { stream: Readable.fromWeb(response.body as import("node:stream/web").ReadableStream), sourceName: source };
  }
  return { stream: await openFile(source), sourceName: "-" };
}

async function openFile(path: string): Promise<Readable> {
  const handle = await fs.promises.open(path, "r").catch((err: NodeJS.ErrnoException) => {
    throw new ClientError(`open ${path}: ${err.code === "ENOENT" ? "no such file or directory" : err.message}`);
  });
  return handle.createReadStream();
}

const IMAGE_HEADERS = {
  Repository: "REPOSITORY",
  Tag: "TAG",
  Digest: "DIGEST",
  ID: "IMAGE ID",
  CreatedSince: "CREATED",
  CreatedAt: "CREATED AT",
  Size: "SIZE",
  Containers: "CONTAINERS",
  SharedSize: "SHARED SIZE",
  UniqueSize: "UNIQUE SIZE",
  VirtualSize: "VIRTUAL SIZE",
};

const imagesCommand: CommandSpec = {
  path: ["image", "ls"],
  aliases: [["images"], ["image", "list"]],
  usage: "[OPTIONS] [REPOSITORY[:TAG]]",
  description: "List images",
  args: { min: 0, max: 1 },
  options: (cmd) =>
    cmd
      .option("-a, --all", "Show all images (default hides intermediate images)")
      .option("--digests", "Show digests")
      .option("-f, --filter <filter>", "Filter output based on conditions provided", collectFilter, [])
      .option("--format <string>", "Format output using a custom template")
      .option("--no-trunc", "Don't truncate output")
      .option("-q, --quiet", "Only show image IDs"),
  action: async (ctx, [reference], opts) => {
    const { listImages, parseFilters } = await import("../../engine/images/list-images.js");
    const filterFlags = [...(opts.filter as string[]), ...(reference ? [`reference=${reference}`] : [])];
    const filters = parseFilters(filterFlags);
    const images = listImages(await ctx.engine(), { all: Boolean(opts.all), filters });
    const trunc = opts.trunc !== false;
    const rows = images.flatMap((image) =>
      imageRows(image, Boolean(opts.digests)).map(([repo, tag, digest]) => ({
        Containers: image.containers < 0 ? "N/A" : String(image.containers),
        CreatedAt: goTimeString(image.created),
        CreatedSince: ago(image.created),
        Digest: digest,
        ID: trunc ? shortHex(image.id) : image.id,
        Repository: repo,
        SharedSize: image.sharedSize < 0 ? "N/A" : humanSize(image.sharedSize),
        Size: humanSizeWithPrecision(image.size, 3),
        Tag: tag,
        UniqueSize: image.sharedSize < 0 ? "N/A" : humanSize(image.size - image.sharedSize),
        VirtualSize: humanSize(image.size),
      })),
    );
    const digestColumn = opts.digests ? "\t{{.Digest}}" : "";
    ctx.out(
      await formatList(
        {
          format: opts.format as string | undefined,
          quiet: Boolean(opts.quiet),
          defaultTable: `table {{.Repository}}\t{{.Tag}}${digestColumn}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}`,
          quietFormat: "{{.ID}}",
          rowType: "*formatter.imageContext",
        },
        rows,
        IMAGE_HEADERS,
      ),
    );
  },
};

/** One row per repository and tag (and digest with --digests), as docker/cli's imageFormatTaggedAndDigest. */
function imageRows(image: { repoTags: string[]; repoDigests: string[] }, showDigests: boolean): [string, string, string][] {
  if (image.repoTags[0] === "<none>:<none>") return [["<none>", "<none>", "<none>"]];
  const split = (ref: string, sep: string) => {
    const at = ref.lastIndexOf(sep);
    return [ref.slice(0, at), ref.slice(at + 1)] as const;
  };
  const digests = new Map<string, string[]>();
  for (const ref of image.repoDigests) {
    const [repo, digest] = split(ref, "@");
    digests.set(repo, [...(digests.get(repo) ?? []), digest]);
  }
  const rows: [string, string, string][] = [];
  for (const ref of image.repoTags) {
    const [repo, tag] = split(ref, ":");
    const forRepo = showDigests ? (digests.get(repo) ?? []) : [];
    if (forRepo.length === 0) rows.push([repo, tag, "<none>"]);
    for (const digest of forRepo) rows.push([repo, tag, digest]);
  }
  const tagged = new Set(image.repoTags.map((r) => split(r, ":")[0]));
  for (const [repo, list] of digests) {
    if (tagged.has(repo)) continue;
    if (showDigests) for (const digest of list) rows.push([repo, "<none>", digest]);
    else rows.push([repo, "<none>", ""]);
  }
  return rows;
}

const tagCommand: CommandSpec = {
  path: ["image", "tag"],
  aliases: [["tag"]],
  usage: "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
  description: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
  args: { min: 2, max: 2 },
  stopAtFirstArg: true,
  // Docker < 1.12 needed -f to move a tag that existed; tags always move now, and scripts such as
  // the seed's still pass it, so it is accepted with that meaning.
  options: (cmd) => cmd.option("-f, --force", "Move the tag if it names another image (always done; kept for old scripts)"),
  action: async (ctx, [source, target]) => {
    // The CLI checks the name's grammar itself; the daemon's own rules come with tagImage.
    const { parseReference } = await import("../../image/reference.js");
    // The client parses both names first (ImageTag's ParseAnyReference of the source); only an
    // empty source fails that parse without failing the daemon's own lookup in the same words.
    if (source === "") throw new ClientError(`Error parsing reference: "" is not a valid repository/tag: invalid reference format`);
    try {
      parseReference(target!);
    } catch (err) {
      throw new ClientError(`Error parsing reference: "${target}" is not a valid repository/tag: ${(err as Error).message}`);
    }
    const { tagImage } = await import("../../engine/images/tag-image.js");
    tagImage(await ctx.engine({ sweep: true }), source!, target!);
  },
};

const rmiCommand: CommandSpec = {
  path: ["image", "rm"],
  aliases: [["rmi"], ["image", "remove"]],
  usage: "[OPTIONS] IMAGE [IMAGE...]",
  description: "Remove one or more images",
  args: { min: 1, max: Infinity },
  options: (cmd) => cmd.option("-f, --force", "Force removal of the image").option("--no-prune", "Do not delete untagged parents"),
  action: async (ctx, refs, opts) => {
    const { removeImage } = await import("../../engine/images/remove-image.js");
    const engine = await ctx.engine({ sweep: true });
    let failed = false;
    for (const ref of refs) {
      try {
        for (const record of removeImage(engine, ref, { force: Boolean(opts.force), prune: opts.prune !== false })) {
          ctx.line("untagged" in record ? `Untagged: ${record.untagged}` : `Deleted: ${record.deleted}`);
        }
      } catch (err) {
        if (!(err instanceof BerthError)) throw err;
        process.stderr.write(`Error response from daemon: ${err.message}\n`);
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};

const pruneCommand: CommandSpec = {
  path: ["image", "prune"],
  usage: "[OPTIONS]",
  description: "Remove unused images",
  args: { min: 0, max: 0 },
  options: (cmd) =>
    cmd
      .option("-a, --all", "Remove all unused images, not just dangling ones")
      .option("--filter <filter>", 'Provide filter values (e.g. "until=<timestamp>")', collectFilter, [])
      .option("-f, --force", "Do not prompt for confirmation"),
  action: async (ctx, _args, opts) => {
    const warning = opts.all
      ? "WARNING! This will remove all images without at least one container associated to them."
      : "WARNING! This will remove all dangling images.";
    if (!opts.force && !(await confirm(ctx, warning))) return 0;
    const { pruneImages } = await import("../../engine/images/remove-image.js");
    const { parseFilters } = await import("../../engine/images/list-images.js");
    const filters = parseFilters(opts.filter as string[], new Set(["until", "label", "dangling"]));
    const until = filters.get("until")?.[0];
    const result = pruneImages(await ctx.engine({ sweep: true }), {
      all: Boolean(opts.all) || filters.get("dangling")?.[0] === "false",
      ...(until ? { until: parseTimeFlag(until) } : {}),
      labels: filters.get("label") ?? [],
    });
    if (result.records.length) {
      ctx.line("Deleted Images:");
      for (const r of result.records) ctx.line("untagged" in r ? `untagged: ${r.untagged}` : `deleted: ${r.deleted}`);
      ctx.line("");
    }
    ctx.line(`Total reclaimed space: ${humanSize(result.spaceReclaimed)}`);
  },
};

const HISTORY_HEADERS = {
  ID: "IMAGE",
  CreatedSince: "CREATED",
  CreatedAt: "CREATED AT",
  CreatedBy: "CREATED BY",
  Size: "SIZE",
  Comment: "COMMENT",
};

const historyCommand: CommandSpec = {
  path: ["image", "history"],
  aliases: [["history"]],
  usage: "[OPTIONS] IMAGE",
  description: "Show the history of an image",
  args: { min: 1, max: 1 },
  options: (cmd) =>
    cmd
      .option("--format <string>", "Format output using a custom template")
      .option("-H, --human [bool]", "Print sizes and dates in human readable format", parseBool, true)
      .option("--no-trunc", "Don't truncate output")
      .option("-q, --quiet", "Only show image IDs"),
  action: async (ctx, [ref], opts) => {
    const { imageHistory } = await import("../../engine/images/image-history.js");
    const rows = imageHistory(await ctx.engine(), ref!);
    const human = opts.human !== false;
    const trunc = opts.trunc !== false;
    const formatted = rows.map((h) => {
      const createdBy = h.createdBy.replace(/\t/g, " ");
      return {
        Comment: h.comment,
        CreatedAt: h.created ? rfc3339(h.created) : "",
        CreatedBy: trunc ? ellipsis(createdBy, 45) : createdBy,
        CreatedSince: human ? ago(h.created) : h.created ? rfc3339(h.created) : "",
        ID: trunc && h.id !== "<missing>" ? shortHex(h.id) : h.id,
        Size: human ? humanSizeWithPrecision(h.size, 3) : String(h.size),
      };
    });
    ctx.out(
      await formatList(
        {
          format: opts.format as string | undefined,
          quiet: Boolean(opts.quiet),
          defaultTable: human
            ? "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
            : "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
          quietFormat: "{{.ID}}",
          rowType: "*formatter.historyContext",
        },
        formatted,
        HISTORY_HEADERS,
      ),
    );
  },
};

function inspectSpec(path: string[], aliases: string[][], generic: boolean): CommandSpec {
  return {
    path,
    aliases,
    usage: generic ? "[OPTIONS] NAME|ID [NAME|ID...]" : "[OPTIONS] IMAGE [IMAGE...]",
    description: generic ? "Return low-level information on berth objects" : "Display detailed information on one or more images",
    args: { min: 1, max: Infinity },
    options: (cmd) => {
      cmd.option("-f, --format <string>", "Format output using a custom template");
      if (generic)
        cmd
          .option("-s, --size", "Display total file sizes if the type is container")
          .option("--type <string>", "Return JSON for specified type");
      return cmd;
    },
    action: async (ctx, refs, opts) => {
      const type = opts.type as string | undefined;
      if (type && !["image", "container", "volume", "network", "node", "service", "task", "config", "secret", "plugin"].includes(type)) {
        throw new ClientError(`"${type}" is not a valid value for --type`);
      }
      const { inspectImage } = await import("../../engine/images/inspect-image.js");
      const { inspectContainer } = await import("../../engine/containers/inspect-container.js");
      const { volumeJson } = await import("../../engine/volumes/volumes.js");
      const engine = await ctx.engine();
      // Docker's generic inspect tries each kind of object in turn: container, image, volume.
      const lookups: [Inspected["kind"], (ref: string) => unknown][] = [
        ["container", (ref) => inspectContainer(engine, ref, { size: Boolean(opts.size) })],
        ["image", (ref) => inspectImage(engine, ref)],
        ["volume", (ref) => volumeJson(engine.store.volumes.resolve(ref))],
      ];
      const kinds = generic ? lookups.filter(([kind]) => !type || kind === type) : lookups.filter(([kind]) => kind === "image");
      const found: Inspected[] = [];
      const errors: string[] = [];
      for (const ref of refs) {
        const empty = kinds[0] && emptyInspectName(kinds[0][0], ref);
        if (empty) {
          errors.push(empty);
          continue;
        }
        let result: Inspected | undefined;
        let lastError: unknown;
        for (const [kind, lookup] of kinds) {
          try {
            result = { kind, value: lookup(ref) };
            break;
          } catch (err) {
            if (!(err instanceof BerthError) || (err.kind !== "not-found" && err.kind !== "invalid-argument")) throw err;
            lastError = err;
          }
        }
        if (result !== undefined) found.push(result);
        else if (!generic) errors.push(`Error response from daemon: no such image: ${ref}: ${(lastError as Error).message}`);
        else if (type) errors.push(`Error response from daemon: ${(lastError as Error).message}`);
        else errors.push(`Error: No such object: ${ref}`);
      }
      return printInspected(ctx, found, opts.format as string | undefined, errors);
    },
  };
}

const saveCommand: CommandSpec = {
  path: ["image", "save"],
  aliases: [["save"]],
  usage: "[OPTIONS] IMAGE [IMAGE...]",
  description: "Save one or more images to a tar archive (streamed to STDOUT by default)",
  args: { min: 1, max: Infinity },
  options: (cmd) => cmd.option("-o, --output <file>", "Write to a file, instead of STDOUT"),
  action: async (ctx, refs, opts) => {
    const output = opts.output as string | undefined;
    refuseTerminal(output);
    const { planSave, writeSaveArchive } = await import("../../engine/images/save-images.js");
    const engine = await ctx.engine();
    await writeArchive(writeSaveArchive(engine, planSave(engine, refs)), output);
  },
};

const loadCommand: CommandSpec = {
  path: ["image", "load"],
  aliases: [["load"]],
  usage: "[OPTIONS]",
  description: "Load an image from a tar archive or STDIN",
  args: { min: 0, max: 0 },
  daemonPrefix: false,
  options: (cmd) =>
    cmd.option("-i, --input <file>", "Read from tar archive file, instead of STDIN").option("-q, --quiet", "Suppress the load output"),
  action: async (ctx, _args, opts) => {
    const input = opts.input as string | undefined;
    if (!input && process.stdin.isTTY) throw new ClientError("requested load from stdin, but stdin is empty");
    const source = input ? await openFile(input) : process.stdin;
    const { loadImages } = await import("../../engine/images/load-images.js");
    // Docker's -q hides the per-layer progress only; the "Loaded image" lines still print.
    const progress = !opts.quiet && process.stdout.isTTY;
    const lines = await loadImages(await ctx.engine({ sweep: true }), source, {
      ...(progress ? { onLayer: (diffId: string, size: number) => ctx.line(`Loading layer ${shortHex(diffId)}  ${humanSize(size)}`) } : {}),
    });
    for (const line of lines) ctx.line(line);
  },
};

export const imageCommands: readonly CommandSpec[] = [
  importCommand,
  imagesCommand,
  tagCommand,
  rmiCommand,
  pruneCommand,
  historyCommand,
  analyzeCommand,
  inspectSpec(["image", "inspect"], [], false),
  inspectSpec(["inspect"], [], true),
  saveCommand,
  loadCommand,
];
