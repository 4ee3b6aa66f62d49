// `builder prune --filter` and POST /build/prune's `filters=`: the filter keys berth's build cache
// understands, read into the engine's prune options in one place for the CLI and the API.
import { InvalidArgumentError } from "../../errors.js";
import { parseGoDuration } from "../../image/go-duration.js";
import type { PruneBuildCacheOptions } from "./build-cache.js";

/**
 * `filters` as "key=value" strings. Only `until` is known (a Go duration counted back from `now`,
 * or a timestamp: Unix seconds or RFC 3339, as dockerd reads it); any other key is refused in
 * dockerd's words rather than ignored.
 */
export function pruneOptionsFromFilters(
  filters: readonly string[],
  opts: { all: boolean; keepStorage?: number | undefined },
  now = Date.now(),
): PruneBuildCacheOptions {
  let until: Date | undefined;
  for (const filter of filters) {
    const eq = filter.indexOf("=");
    const key = (eq < 0 ? filter : filter.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? "" : filter.slice(eq + 1).trim();
    if (key !== "until") throw new InvalidArgumentError(`failed to prune build cache: Invalid filter '${key}'`);
    if (until !== undefined) throw new InvalidArgumentError("failed to prune build cache: filters expect only one value for until");
    until = parseUntil(value, now);
  }
  if (opts.keepStorage !== undefined && (!Number.isSafeInteger(opts.keepStorage) || opts.keepStorage < 0))
    throw new InvalidArgumentError(`failed to prune build cache: invalid keep-storage: ${opts.keepStorage}`);
  return { all: opts.all, ...(until ? { until } : {}), ...(opts.keepStorage ? { keepStorage: opts.keepStorage } : {}) };
}

function parseUntil(value: string, now: number): Date {
  try {
    return new Date(now - parseGoDuration(value) / 1e6);
  } catch {
    // not a duration: a timestamp
  }
  if (/^\d+(\.\d+)?$/.test(value)) return new Date(Number(value) * 1000);
  const date = new Date(value);
  if (value === "" || Number.isNaN(date.getTime()))
    throw new InvalidArgumentError(
      `failed to prune build cache: invalid until filter: ${JSON.stringify(value)} is neither a duration nor a time`,
    );
  return date;
}
