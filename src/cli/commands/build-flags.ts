// `berth build`'s flag values as the docker CLI and buildx read them, into the parts of a
// BuildRequest. Values that do not parse are flag errors (commander's InvalidArgumentError, which
// PflagCommand words as pflag does: `invalid argument "x" for "--output" flag: ...`, exit 125).
import { basename } from "node:path";
import { InvalidArgumentError } from "commander";
import type { BuildOutput, BuildSecret } from "../../engine/build/build-request.js";
import type { ProgressMode as BuildProgressMode } from "../format/build-progress.js";

/** The flag parser's wrapper for a check that throws berth's errors: their words become pflag's. */
export function flagValue<T>(check: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return check(value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

/** A repeatable flag whose each value is checked (and converted) as it is parsed. */
export function collectValues<T>(check: (value: string) => T): (value: string, previous?: T[]) => T[] {
  const one = flagValue(check);
  return (value, previous = []) => [...previous, one(value)];
}

/**
 * `--build-arg K=V` and `--build-arg K`: a bare name takes its value from the environment, and is
 * left without one (undefined: as if not given, the Dockerfile's default applies) when unset there.
 * The last of a repeated name wins.
 */
export function parseBuildArgs(entries: readonly string[], env: NodeJS.ProcessEnv): Map<string, string | undefined> {
  const args = new Map<string, string | undefined>();
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    if (eq < 0) args.set(entry, env[entry]);
    else args.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return args;
}

/** `--label k=v` (a bare `k` is an empty value, as docker's ConvertKVStringsToMap makes it). */
export function parseLabelFlags(entries: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    if (eq < 0) labels[entry] = "";
    else labels[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return labels;
}

/** buildx's CSV fields: `a=b,c=d`, each field a key=value pair. */
function csvFields(value: string, what: string): [string, string][] {
  return value.split(",").map((field) => {
    const eq = field.indexOf("=");
    if (eq < 0) throw new Error(`invalid ${what} field '${field}': must be a key=value pair`);
    return [field.slice(0, eq).trim().toLowerCase(), field.slice(eq + 1).trim()];
  });
}

/**
 * `--output`/`-o` as buildx reads it: `type=local,dest=DIR`, `type=tar,dest=FILE` (`dest=-` is
 * stdout), `type=image` (also `docker`, buildx's name for the local image store), a bare path (a
 * local directory) or `-` (a tar on stdout).
 */
export function parseOutputFlag(value: string): BuildOutput {
  if (value === "-") return { type: "tar", dest: "-" };
  if (!value.includes("=")) return { type: "local", dest: value };
  const fields = csvFields(value, "output");
  const get = (key: string) => fields.find(([k]) => k === key)?.[1];
  for (const [key] of fields)
    if (!["type", "dest", "name"].includes(key)) throw new Error(`unsupported output attribute '${key}' (berth takes type, dest and name)`);
  const type = get("type");
  if (type === undefined) throw new Error("output type is required (type=local, type=tar or type=image)");
  const dest = get("dest");
  switch (type) {
    case "local":
    case "tar":
      if (!dest) throw new Error(`dest is required for ${type} output`);
      if (get("name") !== undefined) throw new Error(`name is only for type=image output`);
      return { type, dest };
    case "image":
    case "docker":
      if (dest !== undefined) throw new Error(`berth writes type=${type} output to its own image store: dest is not taken`);
      // name=: buildx's way to tag the image; -t does that here, and a second way would be ignored.
      if (get("name") !== undefined) throw new Error("name= is not taken by berth: tag the image with -t");
      return { type: "image" };
    default:
      throw new Error(`output type ${JSON.stringify(type)} is not supported by berth (local, tar or image)`);
  }
}

/**
 * `--secret` as buildx reads it: `id=ID,src=FILE` (also `source=`, `type=file`), `id=ID,env=VAR`
 * (also `type=env` with `src=VAR`). Without an id, a file's base name or the variable's name is it.
 * `id=ID` alone is the variable ID when the environment has it, else the file ID (BuildKit's
 * secretsprovider rule).
 */
export function parseSecretFlag(value: string, environment: NodeJS.ProcessEnv): BuildSecret {
  let type: string | undefined;
  let id: string | undefined;
  let src: string | undefined;
  let env: string | undefined;
  for (const [key, v] of csvFields(value, "secret")) {
    if (key === "type") {
      if (v !== "file" && v !== "env") throw new Error(`unsupported secret type ${JSON.stringify(v)}`);
      type = v;
    } else if (key === "id") id = v;
    else if (key === "src" || key === "source") src = v;
    else if (key === "env") env = v;
    else throw new Error(`unexpected key '${key}' in '${value}'`);
  }
  if (type === "env" && env === undefined) [env, src] = [src, undefined];
  if (env !== undefined && src !== undefined) throw new Error(`a secret takes src or env, not both: '${value}'`);
  if (env !== undefined) {
    if (env === "") throw new Error(`the secret's env= names no variable: '${value}'`);
    return { id: id || env, source: { kind: "env", name: env } };
  }
  if (type === "env") throw new Error(`a type=env secret needs env=VAR: '${value}'`);
  if (!src && id && type === undefined) {
    if (environment[id] !== undefined) return { id, source: { kind: "env", name: id } };
    return { id, source: { kind: "file", path: id } };
  }
  if (!src) throw new Error(`a secret needs src=FILE or env=VAR: '${value}'`);
  return { id: id || basename(src), source: { kind: "file", path: src } };
}

const PROGRESS_MODES: readonly BuildProgressMode[] = ["auto", "plain", "tty", "quiet"];

export function parseProgressFlag(value: string): BuildProgressMode {
  if (!(PROGRESS_MODES as readonly string[]).includes(value))
    throw new Error(`invalid progress mode ${JSON.stringify(value)}: expected auto, plain, tty or quiet`);
  return value as BuildProgressMode;
}

/** `--network` for RUN steps: the modes berth's builder has. */
export function parseBuildNetwork(value: string): "default" | "host" | "none" {
  if (value === "default" || value === "host" || value === "none") return value;
  throw new Error(`berth builds run their RUN steps on the network "default", "host" or "none", not ${JSON.stringify(value)}`);
}

/** A context argument that names a URL (docker's urlutil: http(s), git), which berth does not fetch. */
export function isUrlContext(arg: string): boolean {
  return /^(https?:\/\/|git:\/\/|git@|github\.com\/)/.test(arg);
}
