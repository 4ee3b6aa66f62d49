// berth's command line: global flags, the command tree, and the mapping of failures to exit codes.
import { homedir } from "node:os";
import { Command, CommanderError } from "commander";
import { PflagCommand, type FlagRules } from "./flag-parser.js";
import { UNSUPPORTED_COMMANDS, unsupportedFlagsOf } from "./unsupported.js";
import { CliContext, type GlobalOptions } from "./context.js";
import { ArgumentCountError, checkArgs, collect, type CommandSpec } from "./command-spec.js";
import { ClientError, exitCodeFor, formatError, reportable } from "./errors.js";
import { BerthError } from "../errors.js";
import { commandsFor } from "./command-index.js";

export { VERSION } from "./version.js";
import { VERSION } from "./version.js";

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let ctx: CliContext | undefined;
  let running: { spec: CommandSpec; name: string } | undefined;
  const word = commandWord(argv);
  // `berth --version` names no command: it needs none of them.
  const versionOnly =
    word === undefined && argv.some((a) => a === "-v" || a === "--version") && !argv.some((a) => a === "-h" || a === "--help");
  const program = buildProgram(versionOnly ? [] : await commandsFor(word), argv, word, env, (spec, name, globals) => {
    running = { spec, name };
    ctx = new CliContext(globals, env);
    return ctx;
  });
  // No command: the docker CLI prints its usage on stderr and succeeds.
  if (word === undefined && onlyGlobalFlags(argv)) {
    process.stderr.write(program.helpInformation());
    return 0;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return (program as unknown as { berthExit?: number }).berthExit ?? 0;
  } catch (err) {
    return reportFailure(err, running);
  } finally {
    ctx?.close();
  }
}

function reportFailure(failure: unknown, running: { spec: CommandSpec; name: string } | undefined): number {
  const err = reportable(failure);
  if (err instanceof CommanderError) {
    if (err.code === "commander.helpDisplayed" || err.code === "commander.help" || err.code === "commander.version") return 0;
    // Flags are parsed by PflagCommand, which throws FlagError; what is left is commander's own.
    process.stderr.write(`${err.message.replace(/^error: /, "")}\n`);
    return 1;
  }
  if (err instanceof ArgumentCountError) {
    process.stderr.write(err.message + "\n");
    return 1;
  }
  const debug = process.env.BERTH_DEBUG === "1";
  const daemon = err instanceof BerthError && (running?.spec.daemonPrefix ?? true);
  const text = formatError(err, { daemon, debug });
  // run, create and exec wrap failures as docker does: "docker: …" and a help line.
  if (running?.spec.runLike && !(err instanceof ClientError)) {
    process.stderr.write(`berth: ${text}\n\nRun 'berth ${running.name} --help' for more information\n`);
  } else {
    process.stderr.write(text + "\n");
  }
  // 126 and 127: the command in the container could not be invoked or found (run, create, exec).
  const code = (err as { exitCode?: unknown }).exitCode;
  if (typeof code === "number") return code;
  return exitCodeFor(err, { runLike: running?.spec.runLike ?? false });
}

function buildProgram(
  commands: readonly CommandSpec[],
  argv: readonly string[],
  word: string | undefined,
  env: NodeJS.ProcessEnv,
  start: (spec: CommandSpec, name: string, globals: GlobalOptions) => CliContext,
): Command {
  const program = new PflagCommand("berth");
  program
    .description("A Docker-compatible container engine")
    .usage("[OPTIONS] COMMAND")
    .enablePositionalOptions()
    .option("--root <path>", "Root of the image and container store", env.BERTH_ROOT ?? "/var/lib/berth")
    .option("--runroot <path>", "Directory for run-time state", env.BERTH_RUNROOT ?? "/run/berth")
    .option("-l, --log-level <level>", 'Set the logging level ("debug"|"info"|"warn"|"error"|"fatal")', "warn")
    .option("-D, --debug", "Enable debug mode")
    .option(
      "--config <string>",
      "Location of client config files (credentials)",
      env.BERTH_CONFIG ?? env.DOCKER_CONFIG ?? `${homedir()}/.docker`,
    )
    .option("--certs-dir <path>", "Per-registry CA certificates, as HOST[:PORT]/ca.crt", env.BERTH_CERTS_DIR ?? "/etc/berth/certs.d")
    .option(
      "--insecure-registry <host>",
      "Allow plain HTTP to this registry (repeatable; host[:port] or CIDR)",
      collect,
      (env.BERTH_INSECURE_REGISTRIES ?? "").split(",").filter(Boolean),
    )
    .version(`berth version ${VERSION}`, "-v, --version", "Print version information and quit")
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined })
    .showHelpAfterError(false);
  program.helpCommand(true);
  program.rules = groupRules("", "[OPTIONS] COMMAND [ARG...]");

  const groups = new Map<string, Command>();
  const mount = (spec: CommandSpec, path: readonly string[]) => {
    let parent: Command = program;
    for (const group of path.slice(0, -1)) {
      const key = group;
      let cmd = groups.get(key);
      if (!cmd) {
        cmd = parent
          .command(group)
          .description(GROUP_DESCRIPTIONS[group] ?? `Manage ${group}s`)
          .exitOverride()
          .configureOutput({ writeErr: () => undefined, outputError: () => undefined });
        (cmd as PflagCommand).rules = groupRules(group, "");
        groups.set(key, cmd);
      }
      parent = cmd;
    }
    const name = path.join(" ");
    const cmd = parent
      .command(path[path.length - 1]!, spec.hidden ? { hidden: true } : {})
      .description(spec.description)
      .usage(spec.usage)
      .argument("[args...]")
      .exitOverride()
      .configureOutput({ writeErr: () => undefined, outputError: () => undefined });
    (cmd as PflagCommand).rules = {
      name,
      usage: spec.usage,
      interspersed: !spec.stopAtFirstArg,
      unsupportedFlags: unsupportedFlagsOf(spec.path),
      ...(spec.unsupported ? { unsupportedCommand: true } : {}),
    };
    spec.options?.(cmd);
    cmd.action(async (args: string[], opts: Record<string, unknown>) => {
      const g = program.opts<{
        root: string;
        runroot: string;
        logLevel: string;
        debug?: boolean;
        config: string;
        certsDir: string;
        insecureRegistry: string[];
      }>();
      const level = g.debug ? "debug" : g.logLevel;
      if (!["debug", "info", "warn", "error", "fatal"].includes(level)) {
        throw new CommanderError(1, "berth.logLevel", `unable to parse logging level: ${level}`);
      }
      const ctx = start(spec, name, {
        root: g.root,
        runroot: g.runroot,
        logLevel: level as GlobalOptions["logLevel"],
        registry: {
          configDir: g.config,
          certsDir: g.certsDir,
          insecureRegistries: g.insecureRegistry,
          loopbackOnly: env.BERTH_REGISTRY_LOOPBACK_ONLY === "1",
        },
      });
      checkArgs(spec, args, name);
      const code = await spec.action(ctx, args, opts);
      (program as unknown as { berthExit?: number }).berthExit = code ?? 0;
    });
  };
  // Defining a command's flags costs time: a command line gets only the commands its first word
  // can name. Help, and a word that names nothing (so that the error is the same), get them all.
  const all: [CommandSpec, readonly string[]][] = [
    ...commands.flatMap((spec) => [spec.path, ...(spec.aliases ?? [])].map((path): [CommandSpec, readonly string[]] => [spec, path])),
    ...UNSUPPORTED_COMMANDS.map((path): [CommandSpec, readonly string[]] => [unsupportedCommand(path), path]),
  ];
  const named = all.filter(([, path]) => path[0] === word);
  // In a group (`container cleanup`, conmon's exit command), the subcommand its second word names:
  // the group's other commands (run and create have a hundred flags) are not defined either.
  const second = subcommandWord(argv);
  const subcommand = named.filter(([, path]) => path.length > 1 && path[1] === second);
  for (const [spec, path] of word === "help" || named.length === 0 ? all : subcommand.length ? subcommand : named) mount(spec, path);
  return program;
}

/** The global flags that take a value, in each spelling (see buildProgram's options). */
const GLOBAL_VALUE_FLAGS = new Set(["--root", "--runroot", "-l", "--log-level", "--config", "--certs-dir", "--insecure-registry"]);

/** The first word of a command line after berth's global flags: the command or its group. */
export function commandWord(argv: readonly string[]): string | undefined {
  return argv[commandWordIndex(argv)];
}

function commandWordIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") return i + 1;
    if (!arg.startsWith("-") || arg === "-") return i;
    if (GLOBAL_VALUE_FLAGS.has(arg)) i++;
  }
  return argv.length;
}

/** The word right after the command word (a flag there, as a group's --help, is none). */
function subcommandWord(argv: readonly string[]): string | undefined {
  const next = argv[commandWordIndex(argv) + 1];
  return next === undefined || next.startsWith("-") ? undefined : next;
}

/** Whether the command line is complete global flags and nothing else (no help, version or error to give). */
function onlyGlobalFlags(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.split("=")[0]!;
    if (arg === "-D" || arg === "--debug") continue;
    if (!GLOBAL_VALUE_FLAGS.has(name)) return false;
    if (name === arg && ++i >= argv.length) return false;
  }
  return true;
}

/** Groups whose name is not a noun to manage. */
const GROUP_DESCRIPTIONS: Readonly<Record<string, string>> = { buildx: "Build with buildx's command words (berth build)" };

function groupRules(name: string, usage: string): FlagRules {
  return { name, usage, interspersed: false, unsupportedFlags: [] };
}

/** A Docker command berth lacks: mounted, hidden, so that it is named rather than "unknown". */
function unsupportedCommand(path: readonly string[]): CommandSpec {
  return {
    path,
    usage: "",
    description: "",
    args: { min: 0, max: Infinity },
    hidden: true,
    unsupported: true,
    action: async () => undefined,
  };
}
