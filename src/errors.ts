// The closed set of failure kinds every layer throws. Mapping to exit codes lives in cli/errors.ts,
// to HTTP statuses in api/errors.ts; messages carry Docker's exact wording.

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
  const message = `${context}: ${inner instanceof Error ? inner.message : String(inner)}`;
  return kindError(inner instanceof BerthError ? inner.kind : "system", message, inner);
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
