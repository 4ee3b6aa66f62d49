// Commands are declared once as specs and mounted where Docker has them: `image ls` and `images`,
// `image rm` and `rmi`. Argument counts are checked here with Docker's wording.
import { InvalidArgumentError, type Command } from "commander";
import type { CliContext } from "./context.js";

export interface CommandSpec {
  /** Path under the program: ["image", "ls"]. */
  path: readonly string[];
  /** Other paths for the same command: [["images"]], [["image", "list"]]. */
  aliases?: readonly (readonly string[])[];
  usage: string;
  description: string;
  args: { min: number; max: number };
  /** Left out of --help: internal commands (conmon's exit command). */
  hidden?: boolean;
  /** run, create, exec: failures exit 125 as Docker's do. */
  runLike?: boolean;
  /** Docker prints some engine errors bare (load's come through a JSON stream). Default true. */
  daemonPrefix?: boolean;
  /** Flags after the first argument belong to it (run IMAGE CMD -x), as Docker's SetInterspersed(false). */
  stopAtFirstArg?: boolean;
  /** A Docker command berth does not have yet: every invocation is refused with that message. */
  unsupported?: boolean;
  options?: (cmd: Command) => void;
  /** Returns the exit code, or nothing for 0. */
  action: (ctx: CliContext, args: string[], opts: Record<string, unknown>) => Promise<number | void>;
}

export class ArgumentCountError extends Error {}

/** docker CLI 28's wording (cli/required.go), measured: test/golden/docker/*-noargs.txt. */
export function checkArgs(spec: CommandSpec, args: readonly string[], name: string): void {
  const { min, max } = spec.args;
  if (args.length >= min && args.length <= max) return;
  const noun = (n: number) => `${n} argument${n === 1 ? "" : "s"}`;
  let what: string;
  let verb = "See";
  if (max === 0) what = "accepts no arguments";
  else if (min === max) [what, verb] = [`requires ${noun(min)}`, "Run"];
  else if (max === Infinity) what = `requires at least ${noun(min)}`;
  else if (min === 0) [what, verb] = [`requires at most ${noun(max)}`, "Run"];
  else what = `requires at least ${min} and at most ${noun(max)}`;
  throw new ArgumentCountError(
    `berth: 'berth ${name}' ${what}\n\nUsage:  berth ${name} ${spec.usage}\n\n${verb} 'berth ${name} --help' for more information`,
  );
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** --filter values must be key=value before the engine sees them (a flag error, exit 125, in Docker). */
export function collectFilter(value: string, previous: string[] = []): string[] {
  if (!value.includes("=")) throw new InvalidArgumentError("bad format of filter (expected name=value)");
  return [...previous, value];
}

/** pflag booleans accept `--flag=false`; commander hands `=false` to the parser for `-H=false`. */
export function parseBool(value: string | undefined): boolean {
  const text = (value ?? "true").replace(/^=/, "").toLowerCase();
  if (["1", "t", "true"].includes(text)) return true;
  if (["0", "f", "false"].includes(text)) return false;
  throw new InvalidArgumentError(`strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`);
}
