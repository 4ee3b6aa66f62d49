// Container commands: run, create, start, stop, restart, kill, rm, ps, logs, wait, attach, exec,
// rename, pause, unpause, top, container inspect, container prune.
import { Writable } from "node:stream";
import type { Command } from "commander";
import { parseBool, collectFilter, type CommandSpec } from "../command-spec.js";
import { removableContainerId, trimmedId } from "../object-names.js";
import { ClientError } from "../errors.js";
import { openCidFile } from "../cid-file.js";
import type { CliContext } from "../context.js";
import { formatList } from "../format/list.js";
import { humanSize } from "../format/units.js";
import { containerRow } from "../format/container-row.js";
import { printInspected, type Inspected } from "../format/inspect-output.js";
import { parseTimeFlag } from "../time-flags.js";
import { addCreateFlags, collectEnv, toCreateRequest } from "./run-flags.js";
import { withApiSocket } from "./run-extra-flags.js";
import { checkContentTrust } from "../content-trust.js";
import { confirm } from "../confirm.js";
import { proxySignals, startTerminal } from "./terminal.js";
import { BerthError, NotFoundError } from "../../errors.js";
import type { Engine } from "../../engine/engine.js";
import type { AttachedEnd, AttachStreams, TerminalControl } from "../../engine/containers/container-attach.js";
import type { CreateRequest } from "../../engine/containers/create-container.js";
import { runMonitorCommand } from "./run-monitor-command.js";
import type { ImagePolicy } from "../../engine/containers/run-container.js";

/** The container run and create ask for, and how its image is found: --pull, and the pull shown on stderr. */
async function requestFromFlags(
  ctx: CliContext,
  args: string[],
  opts: Record<string, unknown>,
  detached: boolean,
): Promise<{ req: CreateRequest; policy: ImagePolicy }> {
  const [image, ...cmd] = args;
  const pull = opts.pull as string;
  const { isPullPolicy } = await import("../../engine/containers/run-container.js");
  if (!isPullPolicy(pull)) throw new ClientError(`invalid pull option: '${pull}': must be one of "always", "missing" or "never"`);
  checkContentTrust(image!, opts, ctx.env);
  const req = toCreateRequest(image!, cmd, opts, { detached, env: ctx.env });
  const { localhostDnsWarning } = await import("../../engine/containers/resolv-conf.js");
  const dnsWarning = localhostDnsWarning(req.host.Dns ?? []);
  if (dnsWarning) process.stderr.write(`${dnsWarning}\n`);
  const platform = opts.platform as string | undefined;
  const { parsePlatform } = await import("../../image/config.js");
  const { progressDisplay } = await import("../format/progress-display.js");
  // docker run shows the pull on stderr, so that stdout stays the container's.
  const display = progressDisplay(process.stderr, { terminal: Boolean(process.stderr.isTTY) });
  const policy: ImagePolicy = {
    pull,
    platform: platform ? parsePlatform(platform) : undefined,
    progress: opts.quiet ? () => undefined : (m) => display.show(m),
    onMissing: (reference) => process.stderr.write(`Unable to find image '${reference}' locally\n`),
  };
  return { req, policy };
}

/** Runs `create` (alone, or as run's first half) with --cidfile made before and written after it. */
async function withCidFile<T>(path: string | undefined, policy: ImagePolicy, create: (policy: ImagePolicy) => Promise<T>): Promise<T> {
  const file = openCidFile(path);
  if (!file) return create(policy);
  let created = false;
  try {
    return await create({
      ...policy,
      onCreated: (id) => {
        created = true;
        file.write(id);
      },
    });
  } finally {
    if (!created) file.discard();
  }
}

const createCommand: CommandSpec = {
  path: ["container", "create"],
  aliases: [["create"]],
  usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]",
  description: "Create a new container",
  args: { min: 1, max: Infinity },
  runLike: true,
  stopAtFirstArg: true,
  options: addCreateFlags,
  action: async (ctx, args, opts) => {
    const { req: asked, policy } = await requestFromFlags(ctx, args, opts, true);
    const { createWithPullPolicy } = await import("../../engine/containers/run-container.js");
    const engine = await ctx.engine({ sweep: true });
    const req = await withApiSocket(engine, asked, opts);
    const { id, warnings } = await withCidFile(req.host.ContainerIDFile, policy, async (p) => {
      const result = await createWithPullPolicy(engine, req, p);
      p.onCreated?.(result.id);
      return result;
    });
    // The docker CLI prints the daemon's warnings before the ID.
    for (const warning of warnings) process.stderr.write(`WARNING: ${warning}\n`);
    ctx.line(id);
  },
};

const runCommand: CommandSpec = {
  path: ["container", "run"],
  aliases: [["run"]],
  usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]",
  description: "Create and run a new container from an image",
  args: { min: 1, max: Infinity },
  runLike: true,
  stopAtFirstArg: true,
  options: (cmd: Command) =>
    addCreateFlags(cmd)
      .option("-d, --detach", "Run container in background and print container ID")
      .option("--detach-keys <string>", "Override the key sequence for detaching a container")
      .option("--sig-proxy [bool]", "Proxy received signals to the process", parseBool, true),
  action: async (ctx, args, opts) => {
    const detached = Boolean(opts.detach);
    if (opts.tty && opts.interactive && !process.stdin.isTTY) throw new ClientError("the input device is not a TTY");
    const { req: asked, policy } = await requestFromFlags(ctx, args, opts, detached);
    const { runContainer } = await import("../../engine/containers/run-container.js");
    const engine = await ctx.engine({ sweep: true });
    const req = await withApiSocket(engine, asked, opts);
    if (detached) {
      ctx.line((await withCidFile(req.host.ContainerIDFile, policy, (p) => runContainer(engine, req, p))).id);
      return 0;
    }
    const choice: AttachChoice = {
      stdin: req.attachStdin,
      stdout: req.attachStdout,
      stderr: req.attachStderr,
      tty: req.tty,
      detachKeys: opts.detachKeys as string | undefined,
      sigProxy: opts.sigProxy !== false && !req.tty,
    };
    // --rm is carried out by the engine's cleanup, from the container's HostConfig.AutoRemove.
    const streams = await attachStreams(choice);
    const end = await withCidFile(req.host.ContainerIDFile, policy, (p) =>
      runContainer(engine, req, p, { streams, hooks: { onRunning: (running) => joinTerminal(engine, running, choice) } }),
    );
    return exitOf(end, choice);
  },
};

interface AttachChoice {
  stdin: boolean;
  /** -a: the streams not chosen are read and dropped. */
  stdout?: boolean;
  stderr?: boolean;
  tty: boolean;
  detachKeys: string | undefined;
  sigProxy: boolean;
}

function discard(): Writable {
  return new Writable({ write: (_chunk, _enc, done) => done() });
}

/** Our stdin, stdout and stderr as the container's streams. */
async function attachStreams(o: AttachChoice): Promise<AttachStreams> {
  const { detachKeys } = await import("../../engine/containers/container-attach.js");
  return {
    ...(o.stdin ? { stdin: process.stdin } : {}),
    stdout: o.stdout === false ? discard() : process.stdout,
    stderr: o.stderr === false ? discard() : process.stderr,
    detachKeys: o.tty ? detachKeys(o.detachKeys) : [],
  };
}

/** Once the process runs: our terminal in raw mode at its size, and our signals passed on; returns what undoes them. */
async function joinTerminal(engine: Engine, running: { id: string; terminal: TerminalControl }, o: AttachChoice): Promise<() => void> {
  const { id } = running;
  const terminal = o.tty && process.stdin.isTTY ? startTerminal(running.terminal) : undefined;
  const stopProxy = o.sigProxy ? proxySignals(engine, id) : () => undefined;
  return () => {
    terminal?.restore();
    stopProxy();
  };
}

/** The container's exit code, or 0 when the user detached. */
function exitOf(end: AttachedEnd, o: AttachChoice): number {
  if (o.stdin) process.stdin.pause();
  return end.detached ? 0 : end.exitCode;
}

const startCommand: CommandSpec = {
  path: ["container", "start"],
  aliases: [["start"]],
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  description: "Start one or more stopped containers",
  args: { min: 1, max: Infinity },
  options: (cmd) =>
    cmd
      .option("-a, --attach", "Attach STDOUT/STDERR and forward signals")
      .option("--detach-keys <string>", "Override the key sequence for detaching a container")
      .option("-i, --interactive", "Attach container's STDIN"),
  action: async (ctx, names, opts) => {
    const engine = await ctx.engine({ sweep: true });
    const { startContainer } = await import("../../engine/containers/start-container.js");
    if (opts.attach || opts.interactive) {
      if (names.length > 1) throw new ClientError("you cannot start and attach multiple containers at once");
      const { resolveContainer } = await import("../../engine/containers/container-state.js");
      const { startAndFollow } = await import("../../engine/containers/container-attach.js");
      const id = trimmedId("container", names[0]!);
      const tty = Boolean(resolveContainer(engine, id).spec.config.Tty);
      const choice: AttachChoice = {
        stdin: Boolean(opts.interactive),
        tty,
        detachKeys: opts.detachKeys as string | undefined,
        sigProxy: !tty,
      };
      const end = await startAndFollow(engine, id, await attachStreams(choice), {
        onRunning: (running) => joinTerminal(engine, running, choice),
      });
      return end ? exitOf(end, choice) : 0;
    }
    const failed: string[] = [];
    for (const name of names) {
      try {
        await startContainer(engine, trimmedId("container", name));
        ctx.line(name);
      } catch (err) {
        if (err instanceof ClientError) process.stderr.write(`${err.message}\n`);
        else if (err instanceof BerthError) process.stderr.write(`Error response from daemon: ${err.message}\n`);
        else throw err;
        failed.push(name);
      }
    }
    if (failed.length) process.stderr.write(`Error: failed to start containers: ${failed.join(", ")}\n`);
    return failed.length ? 1 : 0;
  },
};

function eachContainer(
  spec: Omit<CommandSpec, "action">,
  run: (engine: Engine, name: string, opts: Record<string, unknown>) => Promise<string | void>,
  opts: {
    sweep?: boolean;
    /** The id the docker client would send for a name, or its refusal (an empty name). */
    idOf?: (name: string) => string;
    /** docker rm -f: a name that names nothing is reported, and the command still succeeds. */
    forgiveMissing?: (flags: Record<string, unknown>) => boolean;
  } = {},
): CommandSpec {
  const idOf = opts.idOf ?? ((name: string) => trimmedId("container", name));
  return {
    ...spec,
    action: async (ctx, names, flags) => {
      const engine = await ctx.engine({ sweep: opts.sweep ?? true });
      // docker/cli joins the failures and prints them after the names it did act on; rm -f says
      // at once what it forgave.
      const failures: string[] = [];
      for (const name of names) {
        try {
          const out = await run(engine, idOf(name), flags);
          ctx.line(out ?? name);
        } catch (err) {
          if (err instanceof ClientError) failures.push(err.message);
          else if (!(err instanceof BerthError)) throw err;
          else if (err instanceof NotFoundError && opts.forgiveMissing?.(flags))
            process.stderr.write(`Error response from daemon: ${err.message}\n`);
          else failures.push(`Error response from daemon: ${err.message}`);
        }
      }
      for (const failure of failures) process.stderr.write(`${failure}\n`);
      return failures.length ? 1 : 0;
    },
  };
}

const stopCommand = eachContainer(
  {
    path: ["container", "stop"],
    aliases: [["stop"]],
    usage: "[OPTIONS] CONTAINER [CONTAINER...]",
    description: "Stop one or more running containers",
    args: { min: 1, max: Infinity },
    options: (cmd) =>
      cmd
        .option("-t, --time <seconds>", "Seconds to wait before killing the container", Number)
        .option("-s, --signal <signal>", "Signal to send to the container"),
  },
  async (engine, name, opts) => {
    const { stopContainer } = await import("../../engine/containers/container-lifecycle.js");
    await stopContainer(engine, name, {
      timeout: opts.time as number | undefined,
      ...(opts.signal ? { signal: opts.signal as string } : {}),
    });
  },
);

const restartCommand = eachContainer(
  {
    path: ["container", "restart"],
    aliases: [["restart"]],
    usage: "[OPTIONS] CONTAINER [CONTAINER...]",
    description: "Restart one or more containers",
    args: { min: 1, max: Infinity },
    options: (cmd) => cmd.option("-t, --time <seconds>", "Seconds to wait before killing the container", Number),
  },
  async (engine, name, opts) => {
    const { stopContainer } = await import("../../engine/containers/container-lifecycle.js");
    const { startContainer } = await import("../../engine/containers/start-container.js");
    await stopContainer(engine, name, { timeout: opts.time as number | undefined });
    await startContainer(engine, name);
  },
);

const killCommand = eachContainer(
  {
    path: ["container", "kill"],
    aliases: [["kill"]],
    usage: "[OPTIONS] CONTAINER [CONTAINER...]",
    description: "Kill one or more running containers",
    args: { min: 1, max: Infinity },
    options: (cmd) => cmd.option("-s, --signal <signal>", "Signal to send to the container", "KILL"),
  },
  async (engine, name, opts) => {
    const { killRunning } = await import("../../engine/containers/container-lifecycle.js");
    await killRunning(engine, name, opts.signal as string);
  },
);

const rmCommand = eachContainer(
  {
    path: ["container", "rm"],
    aliases: [["rm"], ["container", "remove"]],
    usage: "[OPTIONS] CONTAINER [CONTAINER...]",
    description: "Remove one or more containers",
    args: { min: 1, max: Infinity },
    options: (cmd) =>
      cmd
        .option("-f, --force", "Force the removal of a running container (uses SIGKILL)")
        .option("-l, --link", "Remove the specified link")
        .option("-v, --volumes", "Remove anonymous volumes associated with the container"),
  },
  async (engine, name, opts) => {
    if (opts.link) {
      const { removeLink } = await import("../../engine/network/remove-link.js");
      removeLink(engine, name);
      return;
    }
    const { removeContainer } = await import("../../engine/containers/remove-container.js");
    await removeContainer(engine, name, { force: Boolean(opts.force), volumes: Boolean(opts.volumes) });
  },
  { idOf: removableContainerId, forgiveMissing: (flags) => Boolean(flags.force) },
);

const pauseCommand = eachContainer(
  {
    path: ["container", "pause"],
    aliases: [["pause"]],
    usage: "CONTAINER [CONTAINER...]",
    description: "Pause all processes within one or more containers",
    args: { min: 1, max: Infinity },
  },
  async (engine, name) => {
    const { pauseOrResume } = await import("../../engine/containers/container-lifecycle.js");
    await pauseOrResume(engine, name, true);
  },
);

const unpauseCommand = eachContainer(
  {
    path: ["container", "unpause"],
    aliases: [["unpause"]],
    usage: "CONTAINER [CONTAINER...]",
    description: "Unpause all processes within one or more containers",
    args: { min: 1, max: Infinity },
  },
  async (engine, name) => {
    const { pauseOrResume } = await import("../../engine/containers/container-lifecycle.js");
    await pauseOrResume(engine, name, false);
  },
);

const waitCommand = eachContainer(
  {
    path: ["container", "wait"],
    aliases: [["wait"]],
    usage: "CONTAINER [CONTAINER...]",
    description: "Block until one or more containers stop, then print their exit codes",
    args: { min: 1, max: Infinity },
  },
  async (engine, name) => {
    const { waitContainer, cleanupContainer } = await import("../../engine/containers/container-lifecycle.js");
    const code = await waitContainer(engine, name);
    await cleanupContainer(engine, engine.store.containers.resolve(name).spec.id).catch(() => undefined);
    return String(code);
  },
  { sweep: false },
);

const cleanupCommand: CommandSpec = {
  path: ["container", "cleanup"],
  usage: "CONTAINER [RUN-ID]",
  description: "Record a container's exit and release its resources (run by conmon when it ends)",
  hidden: true,
  args: { min: 1, max: 2 },
  action: async (ctx, [id, runId]) => {
    const { cleanupContainer, restartAfterExit } = await import("../../engine/containers/container-lifecycle.js");
    const engine = await ctx.engine();
    await cleanupContainer(engine, id!, runId);
    // Only the exit command of a run decides on its restart: it alone runs for every exit.
    if (runId) await restartAfterExit(engine, id!, runId);
  },
};

const renameCommand: CommandSpec = {
  path: ["container", "rename"],
  aliases: [["rename"]],
  usage: "CONTAINER NEW_NAME",
  description: "Rename a container",
  args: { min: 2, max: 2 },
  action: async (ctx, [from, to]) => {
    const { renameContainer } = await import("../../engine/containers/remove-container.js");
    const { validateContainerName } = await import("../../engine/containers/container-names.js");
    const [oldName, newName] = [from!.trim(), to!.trim()];
    if (oldName === "" || newName === "") throw new ClientError("Error: Neither old nor new names may be empty");
    renameContainer(await ctx.engine({ sweep: true }), oldName, newName, validateContainerName);
  },
};

const PS_HEADERS = {
  ID: "CONTAINER ID",
  Image: "IMAGE",
  Command: "COMMAND",
  RunningFor: "CREATED",
  CreatedAt: "CREATED AT",
  Status: "STATUS",
  Ports: "PORTS",
  Names: "NAMES",
  Size: "SIZE",
  Labels: "LABELS",
  Mounts: "MOUNTS",
  Networks: "NETWORKS",
  State: "STATE",
  LocalVolumes: "LOCAL VOLUMES",
};

const psCommand: CommandSpec = {
  path: ["container", "ls"],
  aliases: [["ps"], ["container", "list"], ["container", "ps"]],
  usage: "[OPTIONS]",
  description: "List containers",
  args: { min: 0, max: 0 },
  options: (cmd) =>
    cmd
      .option("-a, --all", "Show all containers (default shows just running)")
      .option("-f, --filter <filter>", "Filter output based on conditions provided", collectFilter, [])
      .option("--format <string>", "Format output using a custom template")
      .option("-n, --last <int>", "Show n last created containers (includes all states)", Number)
      .option("-l, --latest", "Show the latest created container (includes all states)")
      .option("--no-trunc", "Don't truncate output")
      .option("-q, --quiet", "Only display container IDs")
      .option("-s, --size", "Display total file sizes"),
  action: async (ctx, _args, opts) => {
    const { containerSummaries } = await import("../../engine/containers/container-summary.js");
    const last = opts.latest ? 1 : (opts.last as number | undefined);
    const summaries = containerSummaries(await ctx.engine(), {
      all: Boolean(opts.all),
      ...(last !== undefined ? { last } : {}),
      filters: opts.filter as string[],
      size: Boolean(opts.size),
    });
    const trunc = opts.trunc !== false;
    const sizeColumn = opts.size ? "\t{{.Size}}" : "";
    ctx.out(
      await formatList(
        {
          format: opts.format as string | undefined,
          quiet: Boolean(opts.quiet),
          defaultTable: `table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}${sizeColumn}`,
          quietFormat: "{{.ID}}",
          rowType: "*formatter.ContainerContext",
        },
        summaries.map((c) => containerRow(c, { trunc })),
        PS_HEADERS,
      ),
    );
  },
};

const logsCommand: CommandSpec = {
  path: ["container", "logs"],
  aliases: [["logs"]],
  usage: "[OPTIONS] CONTAINER",
  description: "Fetch the logs of a container",
  args: { min: 1, max: 1 },
  options: (cmd) =>
    cmd
      .option("--details", "Show extra details provided to logs")
      .option("-f, --follow", "Follow log output")
      .option("--since <string>", 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)')
      .option("-n, --tail <string>", 'Number of lines to show from the end of the logs (default "all")', "all")
      .option("-t, --timestamps", "Show timestamps")
      .option("--until <string>", "Show logs before a timestamp or relative"),
  action: async (ctx, [name], opts) => {
    const { containerLogs, utcTimestamp } = await import("../../engine/containers/container-io.js");
    const tail = opts.tail === "all" ? undefined : Number(opts.tail);
    if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw new ClientError(`invalid value for "tail": ${opts.tail}`);
    const { records, details } = containerLogs(await ctx.engine(), trimmedId("container", name!), {
      follow: Boolean(opts.follow),
      ...(opts.since ? { since: parseTimeFlag(opts.since as string) } : {}),
      ...(opts.until ? { until: parseTimeFlag(opts.until as string) } : {}),
      ...(tail !== undefined ? { tail } : {}),
    });
    for await (const r of records) {
      const out = r.stream === "stderr" ? process.stderr : process.stdout;
      // Docker's order: the time, then the details, then the line.
      const prefix = `${opts.timestamps ? `${utcTimestamp(r.timestamp)} ` : ""}${opts.details ? `${details} ` : ""}`;
      out.write(prefix);
      out.write(r.line);
      if (!r.partial) out.write("\n");
    }
  },
};

const attachCommand: CommandSpec = {
  path: ["container", "attach"],
  aliases: [["attach"]],
  usage: "[OPTIONS] CONTAINER",
  description: "Attach local standard input, output, and error streams to a running container",
  args: { min: 1, max: 1 },
  options: (cmd) =>
    cmd
      .option("--detach-keys <string>", "Override the key sequence for detaching a container")
      .option("--no-stdin", "Do not attach STDIN")
      .option("--sig-proxy [bool]", "Proxy all received signals to the process", parseBool, true),
  action: async (ctx, [name], opts) => {
    const { attachAndFollow } = await import("../../engine/containers/container-attach.js");
    const engine = await ctx.engine();
    let choice: AttachChoice | undefined;
    const end = await attachAndFollow(
      engine,
      trimmedId("container", name!),
      async (record) => {
        const tty = Boolean(record.spec.config.Tty);
        choice = {
          stdin: opts.stdin !== false && Boolean(record.spec.config.OpenStdin),
          tty,
          detachKeys: opts.detachKeys as string | undefined,
          sigProxy: opts.sigProxy !== false && !tty,
        };
        return attachStreams(choice);
      },
      { onRunning: (running) => joinTerminal(engine, running, choice!) },
    );
    return exitOf(end, choice!);
  },
};

const execCommand: CommandSpec = {
  path: ["container", "exec"],
  aliases: [["exec"]],
  usage: "[OPTIONS] CONTAINER COMMAND [ARG...]",
  description: "Execute a command in a running container",
  args: { min: 2, max: Infinity },
  stopAtFirstArg: true,
  options: (cmd) =>
    cmd
      .option("-d, --detach", "Detached mode: run command in the background")
      .option("--detach-keys <string>", "Override the key sequence for detaching a container")
      .option("-e, --env <list>", "Set environment variables", collectEnv, [])
      .option("-i, --interactive", "Keep STDIN open even if not attached")
      .option("--privileged", "Give extended privileges to the command")
      .option("-t, --tty", "Allocate a pseudo-TTY")
      .option("-u, --user <string>", 'Username or UID (format: "<name|uid>[:<group|gid>]")')
      .option("-w, --workdir <string>", "Working directory inside the container"),
  action: async (ctx, [name, ...cmd], opts) => {
    if (opts.tty && opts.interactive && !process.stdin.isTTY) throw new ClientError("the input device is not a TTY");
    const { execProcess } = await import("../../engine/containers/container-io.js");
    const { detachKeys } = await import("../../engine/containers/container-attach.js");
    const engine = await ctx.engine();
    const env = (opts.env as string[]).flatMap((e) => (e.includes("=") ? [e] : ctx.env[e] !== undefined ? [`${e}=${ctx.env[e]}`] : []));
    const tty = Boolean(opts.tty);
    const detach = Boolean(opts.detach);
    const withStdin = Boolean(opts.interactive) && !detach;
    const session = await execProcess(
      engine,
      trimmedId("container", name!),
      {
        cmd,
        env,
        user: opts.user as string | undefined,
        workdir: opts.workdir as string | undefined,
        tty,
        stdin: withStdin,
        detach,
        privileged: Boolean(opts.privileged),
      },
      detach
        ? undefined
        : {
            ...(withStdin ? { stdin: process.stdin } : {}),
            stdout: process.stdout,
            stderr: process.stderr,
            detachKeys: tty ? detachKeys(opts.detachKeys as string | undefined) : [],
          },
    );
    if (detach) return 0;
    const terminal = tty && process.stdin.isTTY ? startTerminal(session.terminal) : undefined;
    try {
      const attached = await session.attached;
      if (attached === "detached") return 0;
      return (await session.wait()).code;
    } finally {
      terminal?.restore();
      if (withStdin) process.stdin.pause();
    }
  },
};

const topCommand: CommandSpec = {
  path: ["container", "top"],
  aliases: [["top"]],
  usage: "CONTAINER [ps OPTIONS]",
  description: "Display the running processes of a container",
  args: { min: 1, max: Infinity },
  stopAtFirstArg: true,
  action: async (ctx, [name, ...psArgs]) => {
    const { topContainer } = await import("../../engine/containers/container-top.js");
    ctx.out(topContainer(await ctx.engine(), trimmedId("container", name!), psArgs));
  },
};

const portCommand: CommandSpec = {
  path: ["container", "port"],
  aliases: [["port"]],
  usage: "CONTAINER [PRIVATE_PORT[/PROTO]]",
  description: "List port mappings or a specific mapping for the container",
  args: { min: 1, max: 2 },
  action: async (ctx, [name, port]) => {
    const { resolveContainer } = await import("../../engine/containers/container-state.js");
    const { portLines } = await import("../../engine/network/network-settings.js");
    const engine = await ctx.engine();
    const record = resolveContainer(engine, trimmedId("container", name!));
    let lines: string[];
    try {
      lines = portLines(engine, record, { container: name!, ...(port !== undefined ? { port } : {}) });
    } catch (err) {
      // The CLI finds these itself, in what inspect told it: no daemon prefix.
      throw new ClientError((err as Error).message);
    }
    for (const line of lines) ctx.line(line);
  },
};

const pruneCommand: CommandSpec = {
  path: ["container", "prune"],
  usage: "[OPTIONS]",
  description: "Remove all stopped containers",
  args: { min: 0, max: 0 },
  options: (cmd) =>
    cmd
      .option("--filter <filter>", 'Provide filter values (e.g. "until=<timestamp>")', collectFilter, [])
      .option("-f, --force", "Do not prompt for confirmation"),
  action: async (ctx, _args, opts) => {
    if (!opts.force && !(await confirm(ctx, "WARNING! This will remove all stopped containers."))) return 0;
    const { pruneContainers } = await import("../../engine/containers/prune-containers.js");
    const until = (opts.filter as string[]).find((f) => f.startsWith("until="));
    const labels = (opts.filter as string[]).filter((f) => f.startsWith("label=")).map((f) => f.slice("label=".length));
    const { removed, spaceReclaimed } = await pruneContainers(await ctx.engine({ sweep: true }), {
      until: until ? parseTimeFlag(until.slice("until=".length)) : undefined,
      labels,
    });
    if (removed.length) ctx.out(`Deleted Containers:\n${removed.join("\n")}\n\n`);
    ctx.line(`Total reclaimed space: ${humanSize(spaceReclaimed)}`);
  },
};

const inspectCommand: CommandSpec = {
  path: ["container", "inspect"],
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  description: "Display detailed information on one or more containers",
  args: { min: 1, max: Infinity },
  options: (cmd) =>
    cmd.option("-f, --format <string>", "Format output using a custom template").option("-s, --size", "Display total file sizes"),
  action: async (ctx, names, opts) => {
    const { inspectContainer } = await import("../../engine/containers/inspect-container.js");
    const engine = await ctx.engine();
    const found: Inspected[] = [];
    const errors: string[] = [];
    for (const name of names) {
      try {
        found.push({ kind: "container", value: inspectContainer(engine, trimmedId("container", name), { size: Boolean(opts.size) }) });
      } catch (err) {
        if (err instanceof ClientError) errors.push(err.message);
        else if (err instanceof NotFoundError) errors.push(`Error response from daemon: ${err.message}`);
        else throw err;
      }
    }
    return printInspected(ctx, found, opts.format as string | undefined, errors);
  },
};

export const containerCommands: readonly CommandSpec[] = [
  runCommand,
  createCommand,
  startCommand,
  stopCommand,
  restartCommand,
  killCommand,
  rmCommand,
  psCommand,
  logsCommand,
  waitCommand,
  attachCommand,
  execCommand,
  renameCommand,
  pauseCommand,
  unpauseCommand,
  topCommand,
  portCommand,
  pruneCommand,
  inspectCommand,
  cleanupCommand,
  runMonitorCommand,
];
