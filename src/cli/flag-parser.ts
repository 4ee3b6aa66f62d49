// Commands that read their flags as the docker CLI's pflag does, on commander's command tree.
//
// Commander and pflag disagree where scripts notice: pflag takes `-m=4m` as 4m (commander: "=4m"),
// `-d=false` and `--rm=false` for booleans, and `-H busybox` as -H plus an argument (commander
// would take busybox as -H's value); a command that calls SetInterspersed(false) stops at its first
// argument (`tag busybox -x:y` tags `-x:y`). Leaf commands here parse their arguments with pflag's
// rules (spf13/pflag flag.go parseArgs, parseLongArg, parseSingleShortArg), and errors carry
// pflag's words; commander still declares the options, converts values and dispatches.
import type { EventEmitter } from "node:events";
import { Command, CommanderError, type Option } from "commander";
import { FlagError, UnknownCommandError, UnsupportedError } from "./errors.js";

export interface FlagRules {
  /** "image ls", as the command was mounted (an alias keeps its own words). */
  name: string;
  usage: string;
  /** false for Docker's SetInterspersed(false) commands: flags after the first argument are arguments. */
  interspersed: boolean;
  /** Docker flags berth lacks: named in an error rather than called unknown. */
  unsupportedFlags: readonly { long: string; short?: string }[];
  /** A Docker command berth lacks: it refuses every invocation. */
  unsupportedCommand?: boolean;
}

export class PflagCommand extends Command {
  rules: FlagRules | undefined;

  override createCommand(name?: string): Command {
    return new PflagCommand(name);
  }

  /** Commander's hook (not in its typings) for a word that names no subcommand. */
  unknownCommand(): never {
    const words = commandWords(this);
    const path = ["berth", ...words, this.args[0] ?? ""].join(" ");
    const usage = words.length ? `\n\nUsage:  berth ${words.join(" ")}` : "";
    throw new UnknownCommandError(
      `berth: unknown command: ${path}${usage}\n\nRun '${["berth", ...words].join(" ")} --help' for more information`,
    );
  }

  override parseOptions(args: string[]): { operands: string[]; unknown: string[] } {
    const rules = this.rules;
    if (!rules) return super.parseOptions(args);
    if (rules.unsupportedCommand) throw new UnsupportedError(`berth does not support 'berth ${rules.name}' yet`);
    const operands: string[] = [];
    let rest = [...args];
    while (rest.length > 0) {
      const arg = rest.shift()!;
      if (arg === "--") {
        operands.push(...rest);
        break;
      }
      if (!arg.startsWith("-") || arg === "-") {
        // The program and the management commands hand what follows their command word on to it.
        // (`help run` keeps its topic among the operands, where commander's help command looks.)
        if (this.commands.length > 0)
          return arg === "help" ? { operands: [arg, ...rest], unknown: [] } : { operands: [arg], unknown: rest };
        operands.push(arg);
        if (!rules.interspersed) {
          operands.push(...rest);
          break;
        }
        continue;
      }
      const next = arg.startsWith("--") ? this.longFlag(rules, arg, rest) : this.shortFlags(rules, arg, rest);
      if (next === "help") return { operands: [], unknown: ["--help"] };
      rest = next;
    }
    return { operands, unknown: [] };
  }

  private longFlag(rules: FlagRules, arg: string, rest: string[]): string[] | "help" {
    const body = arg.slice(2);
    if (body === "" || body.startsWith("-") || body.startsWith("=")) throw this.flagError(`bad flag syntax: ${arg}`);
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const option = this.options.find((o) => o.long === `--${name}`);
    if (!option) {
      if (name === "help") return "help";
      const unsupported = rules.unsupportedFlags.find((f) => f.long === name);
      if (unsupported) throw this.unsupportedFlag(rules, unsupported);
      throw this.flagError(`unknown flag: --${name}`);
    }
    if (eq >= 0) this.setFlag(option, body.slice(eq + 1));
    else if (!takesValue(option)) this.setFlag(option, undefined);
    else if (rest.length > 0) this.setFlag(option, rest.shift()!);
    else throw this.flagError(`flag needs an argument: ${arg}`);
    return rest;
  }

  private shortFlags(rules: FlagRules, arg: string, rest: string[]): string[] | "help" {
    let shorthands = arg.slice(1);
    while (shorthands.length > 0) {
      const c = shorthands[0]!;
      const option = this.options.find((o) => o.short === `-${c}`);
      if (!option) {
        if (c === "h") return "help";
        const unsupported = rules.unsupportedFlags.find((f) => f.short === c);
        if (unsupported) throw this.unsupportedFlag(rules, unsupported);
        throw this.flagError(`unknown shorthand flag: '${c}' in -${shorthands}`);
      }
      if (shorthands.length > 2 && shorthands[1] === "=") {
        this.setFlag(option, shorthands.slice(2));
        shorthands = "";
      } else if (!takesValue(option)) {
        this.setFlag(option, undefined);
        shorthands = shorthands.slice(1);
      } else if (shorthands.length > 1) {
        this.setFlag(option, shorthands.slice(1));
        shorthands = "";
      } else if (rest.length > 0) {
        this.setFlag(option, rest.shift()!);
        shorthands = "";
      } else {
        throw this.flagError(`flag needs an argument: '${c}' in -${shorthands}`);
      }
    }
    return rest;
  }

  /** `undefined`: the flag alone (true for a boolean). Commander's listeners convert and store values. */
  private setFlag(option: Option, value: string | undefined): void {
    if (option.required || option.optional) {
      try {
        this.fire(`option:${option.name()}`, value ?? null);
      } catch (err) {
        const invalid =
          err instanceof CommanderError && err.code === "commander.invalidArgument" && /' is invalid\. ([\s\S]*)$/.exec(err.message);
        if (invalid) throw this.flagError(`invalid argument ${goQuote(value ?? "")} for ${goQuote(flagNames(option))} flag: ${invalid[1]}`);
        throw err;
      }
      return;
    }
    let on = true;
    if (value !== undefined) {
      if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) on = true;
      else if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) on = false;
      else
        throw this.flagError(
          `invalid argument ${goQuote(value)} for ${goQuote(flagNames(option))} flag: strconv.ParseBool: parsing ${goQuote(value)}: invalid syntax`,
        );
    }
    // Emitting keeps commander's own listeners (--version) working; false it cannot say.
    if (on) this.fire(`option:${option.name()}`);
    else this.setOptionValueWithSource(option.attributeName(), Boolean(option.negate), "cli");
  }

  /** Commander's Command is an EventEmitter at run time; its typings do not say so. */
  private fire(event: string, ...args: unknown[]): void {
    (this as unknown as EventEmitter).emit(event, ...args);
  }

  private flagError(message: string): FlagError {
    const rules = this.rules!;
    return new FlagError(message, rules.name, rules.usage);
  }

  private unsupportedFlag(rules: FlagRules, flag: { long: string; short?: string }): FlagError {
    const names = flag.short ? `-${flag.short}, --${flag.long}` : `--${flag.long}`;
    return this.flagError(`berth does not support the '${names}' flag of 'berth ${rules.name}' yet`);
  }
}

/**
 * Whether the next argument may be the flag's value: only for `<value>` options. Booleans, and the
 * `[bool]` options that stand for pflag's NoOptDefVal ("-H" alone means true), take one after "=".
 */
function takesValue(option: Option): boolean {
  return option.required;
}

/** pflag names a flag "-e, --env", or "--ulimit" when it has no shorthand. */
function flagNames(option: Option): string {
  return option.short ? `${option.short}, ${option.long}` : option.long!;
}

/** Go's %q for the strings flag values are. */
function goQuote(text: string): string {
  return JSON.stringify(text);
}

function commandWords(cmd: Command): string[] {
  const words: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) words.unshift(c.name());
  return words;
}
