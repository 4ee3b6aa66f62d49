// The one place where failures become exit codes and the words Docker prints around them.
import { BerthError } from "../errors.js";

/** Docker's CLI exits 125 when a flag does not parse, for every command. */
export const FLAG_ERROR_EXIT = 125;

export class UsageError extends Error {
  constructor(message: string, readonly command: string) {
    super(message);
  }
}

/** A failure the docker CLI reports itself, printed as it is, without "Error response from daemon". */
export class ClientError extends Error {}

/**
 * Docker prefixes what its daemon said with "Error response from daemon: "; berth has no daemon
 * but keeps the wording so that scripts matching Docker's output keep working.
 */
export function formatError(err: unknown, opts: { daemon: boolean; debug: boolean }): string {
  if (err instanceof UsageError) {
    return `${err.message}\nSee 'berth ${err.command} --help'.`;
  }
  if (err instanceof ClientError) return err.message;
  if (err instanceof BerthError) {
    return (opts.daemon ? "Error response from daemon: " : "") + err.message;
  }
  const message = err instanceof Error ? err.message : String(err);
  const stack = opts.debug && err instanceof Error && err.stack ? `\n${err.stack}` : "";
  return (opts.daemon ? "Error response from daemon: " : "Error: ") + message + stack;
}

export function exitCodeFor(err: unknown, command: { runLike: boolean }): number {
  if (err instanceof UsageError) return FLAG_ERROR_EXIT;
  return command.runLike ? 125 : 1;
}
