// What a RUN with heredocs executes, as BuildKit decides it: a lone `RUN <<EOF` runs the body as
// the shell's command (or, when the body starts with "#!", as a script file of its own, mounted at
// /dev/pipes/<name>); anything else hands the shell the command line with the bodies after it.
import { chompHeredocContent, parseHeredoc } from "../../build/dockerfile/parser.js";
import type { CommandLine } from "../../build/dockerfile/instructions.js";
import { InvalidArgumentError } from "../../errors.js";

export interface RunCommand {
  readonly argv: string[];
  /** A script the command runs, to be mounted read-only at `/dev/pipes/<name>`. */
  readonly script?: { readonly name: string; readonly data: string };
}

export const PIPES_DIR = "/dev/pipes";

export function heredocCommand(cmd: CommandLine, shell: readonly string[]): RunCommand {
  let args = [...cmd.cmdLine];
  let script: RunCommand["script"];
  if (cmd.files.length > 0) {
    if (args.length !== 1 || !cmd.prependShell)
      throw new InvalidArgumentError(`parsing produced an invalid run command: [${args.join(" ")}]`);
    const first = cmd.files[0]!;
    if (parseHeredoc(args[0]!) !== undefined) {
      const data = first.chomp ? chompHeredocContent(first.data) : first.data;
      if (data.startsWith("#!")) {
        script = { name: first.name, data };
        args = [`${PIPES_DIR}/${first.name}`];
      } else {
        args = [data];
      }
    } else {
      let line = args[0]!;
      for (const file of cmd.files) line += `\n${file.data}${file.name}`;
      args = [line];
    }
  }
  const argv = cmd.prependShell ? [...shell, args.join(" ")] : args;
  return script ? { argv, script } : { argv };
}
