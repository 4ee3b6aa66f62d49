// `RUN --mount=...` specifications as BuildKit reads them (instructions/commands_runmount.go):
// the CSV fields, their defaults (bind, read-only unless cache or tmpfs) and the combinations refused.
import { goParseBool, goParseUint32, ramInBytes, withSuggestion } from "./go-compat.js";

export type MountType = "bind" | "cache" | "tmpfs" | "secret" | "ssh";
export type CacheSharing = "shared" | "private" | "locked";

export interface RunMount {
  readonly type: MountType;
  /** A stage name or an image reference ("" = the build context for bind, a fresh dir for cache). */
  readonly from: string;
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
  /** tmpfs size in bytes; 0 = no limit. */
  readonly sizeLimit: number;
  /** Cache id, or secret/ssh id. */
  readonly id: string;
  /** Cache sharing; "" when not given (BuildKit then shares). */
  readonly sharing: CacheSharing | "";
  /** A missing secret or ssh socket fails the step instead of being skipped. */
  readonly required: boolean;
  /** The environment variable a secret is exposed as. */
  readonly env?: string;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
}

const MOUNT_TYPES: readonly MountType[] = ["bind", "cache", "tmpfs", "secret", "ssh"];
const SHARING: readonly CacheSharing[] = ["shared", "private", "locked"];
const KEYS = [
  "type",
  "from",
  "source",
  "target",
  "readonly",
  "id",
  "sharing",
  "required",
  "size",
  "mode",
  "uid",
  "gid",
  "src",
  "dst",
  "destination",
  "ro",
  "rw",
  "readwrite",
  "env",
];

/** Go's encoding/csv for a single record, which is what BuildKit's csvvalue parses. */
export function csvFields(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error(`parse error on line 1, column ${line.length + 1}: extraneous or missing " in quoted-field`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ",")
        throw new Error(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
    } else {
      const end = line.indexOf(",", i);
      field = line.slice(i, end === -1 ? line.length : end);
      const quote = field.indexOf('"');
      if (quote !== -1) throw new Error(`parse error on line 1, column ${i + quote + 1}: bare " in non-quoted-field`);
      i += field.length;
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

/**
 * Parses one --mount value. With no `expand` the values are not yet known (they may use ARGs), so
 * only what cannot depend on them is checked, as BuildKit does when it first reads the instruction.
 */
export function parseRunMount(value: string, expand?: (word: string) => string): RunMount {
  let fields: string[];
  try {
    fields = csvFields(value);
  } catch (err) {
    throw new Error(`failed to parse csv mounts: ${(err as Error).message}`);
  }
  let type: MountType = "bind";
  let from = "";
  let source = "";
  let target = "";
  let readOnly = false;
  let roAuto = true;
  let sizeLimit = 0;
  let id = "";
  let sharing: CacheSharing | "" = "";
  let required = false;
  let env: string | undefined;
  let mode: number | undefined;
  let uid: number | undefined;
  let gid: number | undefined;

  for (const field of fields) {
    const eq = field.indexOf("=");
    const key = (eq === -1 ? field : field.slice(0, eq)).toLowerCase();
    let v = eq === -1 ? "" : field.slice(eq + 1);
    if (eq === -1) {
      if (!expand) continue;
      switch (key) {
        case "readonly":
        case "ro":
          readOnly = true;
          roAuto = false;
          continue;
        case "readwrite":
        case "rw":
          readOnly = false;
          roAuto = false;
          continue;
        case "required":
          if (type === "secret" || type === "ssh") {
            required = true;
            continue;
          }
          throw new Error(`unexpected key '${key}' for mount type '${type}'`);
        default:
          throw new Error(`invalid field '${field}' must be a key=value pair`);
      }
    }
    if (expand) v = expand(v);
    else if (key === "from") {
      // A stage is chosen before any ARG is known; a variable there cannot name one.
      const dollar = v.indexOf("$");
      if (dollar !== -1 && dollar !== v.length - 1) {
        throw new Error(`'${key}' doesn't support variable expansion, define alias stage instead`);
      }
      continue;
    } else continue;

    const bool = (): boolean => {
      const b = goParseBool(v);
      if (b === undefined) throw new Error(`invalid value for ${key}: ${v}`);
      return b;
    };
    switch (key) {
      case "type": {
        const t = v.toLowerCase() as MountType;
        if (!MOUNT_TYPES.includes(t)) throw new Error(withSuggestion(`unsupported mount type "${v}"`, v, MOUNT_TYPES, true));
        type = t;
        break;
      }
      case "from":
        from = v;
        break;
      case "source":
      case "src":
        source = v;
        break;
      case "target":
      case "dst":
      case "destination":
        target = v;
        break;
      case "readonly":
      case "ro":
        readOnly = bool();
        roAuto = false;
        break;
      case "readwrite":
      case "rw":
        readOnly = !bool();
        roAuto = false;
        break;
      case "required":
        if (type !== "secret" && type !== "ssh") throw new Error(`unexpected key '${key}' for mount type '${type}'`);
        required = bool();
        break;
      case "size": {
        if (type !== "tmpfs") throw new Error(`unexpected key '${key}' for mount type '${type}'`);
        const n = ramInBytes(v);
        if (n === undefined) throw new Error(`invalid value for ${key}: ${v}`);
        sizeLimit = n;
        break;
      }
      case "id":
        id = v;
        break;
      case "sharing": {
        const s = v.toLowerCase() as CacheSharing;
        if (!SHARING.includes(s)) throw new Error(withSuggestion(`unsupported sharing value "${v}"`, v, SHARING, true));
        sharing = s;
        break;
      }
      case "mode":
        mode = goParseUint32(v, 8);
        if (mode === undefined) throw new Error(`invalid value ${v} for mode`);
        break;
      case "uid":
        uid = goParseUint32(v, 10);
        if (uid === undefined) throw new Error(`invalid value ${v} for uid`);
        break;
      case "gid":
        gid = goParseUint32(v, 10);
        if (gid === undefined) throw new Error(`invalid value ${v} for gid`);
        break;
      case "env":
        env = v;
        break;
      default:
        throw new Error(withSuggestion(`unexpected key '${key}' in '${field}'`, key, KEYS, true));
    }
  }

  if (type !== "secret" && type !== "ssh" && type !== "cache") {
    if (mode !== undefined) throw new Error(`mode not allowed for "${type}" type mounts`);
    if (uid !== undefined) throw new Error(`uid not allowed for "${type}" type mounts`);
    if (gid !== undefined) throw new Error(`gid not allowed for "${type}" type mounts`);
  }
  // Only what the step may write to is writable unless asked: caches and tmpfs.
  if (roAuto) readOnly = type !== "cache" && type !== "tmpfs";
  if (type === "secret") {
    if (from !== "") throw new Error("secret mount should not have a from");
    if (sharing !== "") throw new Error("secret mount should not define sharing");
    if (source === "" && target === "" && id === "") throw new Error("invalid secret mount. one of source, target required");
    if (source !== "" && id !== "") throw new Error("both source and id can't be set");
  }
  if (sharing !== "" && type !== "cache") throw new Error(`invalid cache sharing set for ${type} mount`);

  return {
    type,
    from,
    source,
    target,
    readOnly,
    sizeLimit,
    id,
    sharing,
    required,
    ...(env !== undefined ? { env } : {}),
    ...(mode !== undefined ? { mode } : {}),
    ...(uid !== undefined ? { uid } : {}),
    ...(gid !== undefined ? { gid } : {}),
  };
}

/** The stage or image a mount reads from, without expansion: `from=` cannot use variables. */
export function mountFrom(value: string): string {
  let from = "";
  for (const field of csvFields(value)) {
    const eq = field.indexOf("=");
    if (eq !== -1 && field.slice(0, eq).toLowerCase() === "from") from = field.slice(eq + 1);
  }
  return from;
}
