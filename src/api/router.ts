// Routes by method and path, with dockerd's version prefix (/v1.41/…, or none = newest) and its
// version checks (api/server/middleware/version.go). Path captures are greedy where Docker's are
// ({name:.*}), so /images/user/repo:tag/tag names "user/repo:tag".
import { InvalidArgumentError, NotFoundError } from "../errors.js";
import { MAX_ACCEPTED_VERSION, MIN_API_VERSION, type ApiCall } from "./api-context.js";

export type Handler = (call: ApiCall) => Promise<void>;

export interface Route {
  method: string;
  /** Matched against the path without its version prefix; groups become call.params. */
  pattern: RegExp;
  handler: Handler;
  /** attach and exec start: they may take over the connection. */
  hijack?: boolean;
}

export interface Match {
  route: Route;
  params: string[];
  version: number;
}

/** 1.41 → 1.41; compares "1.9" below "1.24" as Docker does. */
export function parseVersion(text: string): number {
  const [major, minor] = text.split(".").map(Number);
  return (major ?? 0) * 1000 + (minor ?? 0);
}

export function formatVersion(v: number): string {
  return `${Math.floor(v / 1000)}.${v % 1000}`;
}

export class Router {
  private readonly routes: Route[] = [];

  add(routes: readonly Route[]): this {
    this.routes.push(...routes);
    return this;
  }

  /** The route for a request, or NotFoundError "page not found" as dockerd says it. */
  match(method: string, rawPath: string): Match {
    let path = rawPath;
    let version = parseVersion(MAX_ACCEPTED_VERSION);
    const prefix = /^\/v([0-9.]+)(\/.*)$/.exec(rawPath);
    if (prefix) {
      version = parseVersion(prefix[1]!);
      path = prefix[2]!;
      if (version < parseVersion(MIN_API_VERSION)) {
        throw new InvalidArgumentError(
          `client version ${prefix[1]} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
        );
      }
      if (version > parseVersion(MAX_ACCEPTED_VERSION)) {
        throw new InvalidArgumentError(`client version ${prefix[1]} is too new. Maximum supported API version is ${MAX_ACCEPTED_VERSION}`);
      }
    }
    const wanted = method === "HEAD" ? ["HEAD", "GET"] : [method];
    for (const m of wanted) {
      for (const route of this.routes) {
        if (route.method !== m) continue;
        const found = route.pattern.exec(path);
        if (found) return { route, params: found.slice(1).map((p) => decodePathPart(p ?? "")), version };
      }
    }
    throw new NotFoundError("page not found");
  }
}

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new InvalidArgumentError(`invalid URL escape in ${JSON.stringify(part)}`);
  }
}
