// The one place where failures become exit codes and the words Docker prints around them.
import { BerthError, resourceFault } from "../errors.js";

/** Docker's CLI exits 125 when a flag does not parse, for every command. */
export const FLAG_ERROR_EXIT = 125;

/** A flag that does not parse: pflag's words, then the command's usage, as docker/cli's FlagErrorFunc prints them. */
export class FlagError extends Error {
  constructor(
    message: string,
    readonly command: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** A command word berth does not know; the message is whole (Docker's words, with berth's name). */
export class UnknownCommandError extends Error {}

/** A Docker command berth does not have yet: said plainly rather than called unknown. */
export class UnsupportedError extends Error {}

/** A failure the docker CLI reports itself, printed as it is, without "Error response from daemon". */
export class ClientError extends Error {}

/**
 * A value the docker CLI refuses itself, before any request, in words of its own (not a flag
 * error): run and create print it after "docker: " with their help line, and exit 125.
 */
export class ClientArgumentError extends Error {}

/**
 * The failure as it is reported: a full or read-only file system met by a system call becomes a
 * SystemError in Go's words (the engine's failure, as dockerd would report it), never Node's.
 */
export function reportable(err: unknown): unknown {
  return resourceFault(err) ?? err;
}

/**
 * Docker prefixes what its daemon said with "Error response from daemon: "; berth has no daemon
 * but keeps the wording so that scripts matching Docker's output keep working.
 */
export function formatError(err: unknown, opts: { daemon: boolean; debug: boolean }): string {
  if (err instanceof FlagError) {
    const words = (...parts: string[]) => parts.filter(Boolean).join(" ");
    return `${err.message}\n\nUsage:  ${words("berth", err.command, err.usage)}\n\nRun '${words("berth", err.command)} --help' for more information`;
  }
  if (err instanceof UnknownCommandError || err instanceof UnsupportedError) return err.message;
  if (err instanceof ClientError || err instanceof ClientArgumentError) return err.message;
  const stack = opts.debug && err instanceof Error && err.stack ? `\n${err.stack}` : "";
  if (err instanceof BerthError) {
    return (opts.daemon ? "Error response from daemon: " : "") + err.message + stack;
  }
  const message = err instanceof Error ? err.message : String(err);
  return (opts.daemon ? "Error response from daemon: " : "Error: ") + message + stack;
}

export function exitCodeFor(err: unknown, command: { runLike: boolean }): number {
  if (err instanceof FlagError) return FLAG_ERROR_EXIT;
  if (err instanceof UnknownCommandError || err instanceof UnsupportedError) return 1;
  return command.runLike ? 125 : 1;
}
