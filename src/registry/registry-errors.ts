// The distribution API's error bodies ({"errors":[{"code","message","detail"}]}) turned into text
// the way Docker prints them: "manifest unknown: manifest unknown", "denied: requested access to
// the resource is denied".
import { readLimited, type HttpResponse } from "./transport.js";

const ERROR_BODY_LIMIT = 1 << 20;

/** Lower-case descriptions of distribution's error codes, as errcode.ErrorCode.Error() gives them. */
const CODE_TEXT: Record<string, string> = {
  UNKNOWN: "unknown",
  UNSUPPORTED: "unsupported",
  UNAUTHORIZED: "unauthorized",
  DENIED: "denied",
  UNAVAILABLE: "unavailable",
  TOOMANYREQUESTS: "toomanyrequests",
  BLOB_UNKNOWN: "blob unknown",
  BLOB_UPLOAD_INVALID: "blob upload invalid",
  BLOB_UPLOAD_UNKNOWN: "blob upload unknown",
  DIGEST_INVALID: "digest invalid",
  MANIFEST_BLOB_UNKNOWN: "manifest blob unknown",
  MANIFEST_INVALID: "manifest invalid",
  MANIFEST_UNKNOWN: "manifest unknown",
  MANIFEST_UNVERIFIED: "manifest unverified",
  NAME_INVALID: "name invalid",
  NAME_UNKNOWN: "name unknown",
  SIZE_INVALID: "size invalid",
  TAG_INVALID: "tag invalid",
};

export interface RegistryErrorInfo {
  status: number;
  codes: string[];
  text: string;
}

export async function readRegistryError(res: HttpResponse): Promise<RegistryErrorInfo> {
  let body: Buffer = Buffer.alloc(0);
  try {
    body = await readLimited(res, ERROR_BODY_LIMIT, "error response");
  } catch {
    /* an oversized or broken error body: the status alone must do */
  }
  return { status: res.status, ...describe(res.status, body) };
}

export function describe(status: number, body: Buffer): { codes: string[]; text: string } {
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { errors?: { code?: string; message?: string }[] };
    const errors = (parsed.errors ?? []).filter((e) => typeof e === "object" && e !== null);
    if (errors.length) {
      const lines = errors.map((e) => {
        const code = CODE_TEXT[e.code ?? ""] ?? (e.code ?? "unknown").toLowerCase().replace(/_/g, " ");
        return e.message ? `${code}: ${e.message}` : code;
      });
      return { codes: errors.map((e) => e.code ?? "UNKNOWN"), text: lines.length === 1 ? lines[0]! : `errors:\n${lines.join("\n")}\n` };
    }
  } catch {
    /* not JSON */
  }
  const text = body.toString("utf8").trim().slice(0, 200);
  if (text && !text.startsWith("<")) return { codes: [], text };
  // HEAD answers carry no body: say what distribution would have said.
  if (status === 401) return { codes: ["UNAUTHORIZED"], text: "unauthorized: authentication required" };
  if (status === 403) return { codes: ["DENIED"], text: "denied: requested access to the resource is denied" };
  return { codes: [], text: statusText(status) };
}

export function statusText(status: number): string {
  const names: Record<number, string> = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    416: "Requested Range Not Satisfiable",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
  };
  return `${status} ${names[status] ?? "Unknown"}`;
}
