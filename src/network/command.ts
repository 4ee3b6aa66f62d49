// Running the host tools networking needs (unshare, ip, netavark) and collecting what they print.
// Injected where used, so that a test can run them inside a namespace of its own or record argv.
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { SystemError } from "../errors.js";

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CommandOptions {
  /** Written to the child's stdin, which is then closed. */
  readonly input?: string;
  /** The child's whole environment; absent means the caller's. */
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
}

/** Runs argv[0] with the rest as arguments and resolves when it exits, whatever its exit code. */
export type CommandRunner = (argv: readonly string[], opts?: CommandOptions) => Promise<CommandResult>;

export const runCommand: CommandRunner = (argv, opts = {}) =>
  new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    if (file === undefined) {
      reject(new SystemError("no command to run"));
      return;
    }
    const child = spawn(file, args, {
      stdio: ["pipe", "pipe", "pipe"],
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => stdout.push(c));
    child.stderr.on("data", (c: Buffer) => stderr.push(c));
    // A child that exits without reading its stdin would otherwise surface as an EPIPE here.
    child.stdin.on("error", () => {});
    child.on("error", (err) => reject(new SystemError(`${file}: ${err.message}`, { cause: err })));
    child.on("close", (code, signal) =>
      resolve({
        code: code ?? 128 + (signal ? constants.signals[signal] : 0),
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      }),
    );
    child.stdin.end(opts.input ?? "");
  });
