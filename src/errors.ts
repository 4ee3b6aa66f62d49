// The closed set of failure kinds every layer throws. Mapping to exit codes lives in cli/errors.ts,
// to HTTP statuses in api/errors.ts; messages carry Docker's exact wording.
import * as fs from "node:fs";
import { posix } from "node:path";

export type ErrorKind =
  "invalid-argument" | "not-found" | "conflict" | "unauthorized" | "forbidden" | "unavailable" | "not-implemented" | "cancelled" | "system";

export abstract class BerthError extends Error {
  abstract readonly kind: ErrorKind;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InvalidArgumentError extends BerthError {
  readonly kind = "invalid-argument";
}
export class NotFoundError extends BerthError {
  readonly kind = "not-found";
}
/** "No such image": what `run`'s pull policy acts on, told apart by type rather than by its words. */
export class ImageNotFoundError extends NotFoundError {}
export class ConflictError extends BerthError {
  readonly kind = "conflict";
}
export class UnauthorizedError extends BerthError {
  readonly kind = "unauthorized";
}
export class ForbiddenError extends BerthError {
  readonly kind = "forbidden";
}
export class UnavailableError extends BerthError {
  readonly kind = "unavailable";
}
export class NotImplementedError extends BerthError {
  readonly kind = "not-implemented";
}
export class CancelledError extends BerthError {
  readonly kind = "cancelled";
}
export class SystemError extends BerthError {
  readonly kind = "system";
}

/** Adds context the way Go's `fmt.Errorf("ctx: %w")` does, keeping the inner error's kind. */
export function wrapError(context: string, inner: unknown): BerthError {
  const known = resourceFault(inner) ?? inner;
  const message = `${context}: ${known instanceof Error ? known.message : String(known)}`;
  return kindError(known instanceof BerthError ? known.kind : "system", message, inner);
}

/** The words the kernel's errno means, as Go (and so Docker) prints them. */
const RESOURCE_ERRNO: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
};

/** What to do about a full file system (`whose`: "that" or "its"), said once for every write that meets one. */
export function noRoomHint(whose: string): string {
  return `free some space on ${whose} file system ('berth system df' shows what berth uses, 'berth system prune' removes what nothing uses)`;
}

/**
 * Names the file that a write through a descriptor or a stream was for: Node's error for it says
 * only "write". The same error is returned, so that a caller can `throw errorAt(err, path)`.
 */
export function errorAt(err: unknown, path: string): unknown {
  const errno = err as NodeJS.ErrnoException;
  if (err instanceof Error && typeof errno.code === "string" && errno.syscall && errno.path === undefined) errno.path = path;
  return err;
}

/**
 * A file system that is full or read-only, met by a system call anywhere, as a SystemError with
 * Go's wording ("mkdir /x: no space left on device") and, when space ran out, what to do about it.
 * Node's own text ("ENOSPC: no space left on device, mkdir '/x'") never reaches the user.
 */
export function resourceFault(err: unknown): BerthError | undefined {
  if (err instanceof BerthError || !(err instanceof Error)) return undefined;
  const { syscall, path, dest } = err as NodeJS.ErrnoException & { dest?: string };
  let { code } = err as NodeJS.ErrnoException;
  if (code === "ENOENT" && syscall === "mkdir" && path !== undefined && onReadOnlyFileSystem(path)) code = "EROFS";
  const words = code === undefined ? undefined : RESOURCE_ERRNO[code];
  if (!words) return undefined;
  const what = [syscall, path, dest].filter(Boolean).join(" ");
  const hint = code === "EROFS" ? "" : `; ${noRoomHint("that")}`;
  return new SystemError(`${what ? `${what}: ` : ""}${words}${hint}`, { cause: err });
}

export function kindError(kind: ErrorKind, message: string, cause?: unknown): BerthError {
  const opts = cause === undefined ? undefined : { cause };
  switch (kind) {
    case "invalid-argument":
      return new InvalidArgumentError(message, opts);
    case "not-found":
      return new NotFoundError(message, opts);
    case "conflict":
      return new ConflictError(message, opts);
    case "unauthorized":
      return new UnauthorizedError(message, opts);
    case "forbidden":
      return new ForbiddenError(message, opts);
    case "unavailable":
      return new UnavailableError(message, opts);
    case "not-implemented":
      return new NotImplementedError(message, opts);
    case "cancelled":
      return new CancelledError(message, opts);
    case "system":
      return new SystemError(message, opts);
  }
}

/**
 * Node 20's recursive mkdir reports a read-only file system as ENOENT (it looks for the directory
 * it could not make and returns that failure instead): the kernel's answer is EROFS when the
 * nearest existing ancestor is on a read-only file system.
 */
function onReadOnlyFileSystem(path: string): boolean {
  for (let dir = path; ; dir = posix.dirname(dir)) {
    try {
      fs.accessSync(dir, fs.constants.W_OK);
      return false;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EROFS") return true;
      if (code !== "ENOENT" || dir === posix.dirname(dir)) return false;
    }
  }
}
