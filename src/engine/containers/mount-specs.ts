// -v, --mount and --tmpfs as Docker parses them (volume/mounts/parser_unix.go), into one shape.
import { posix } from "node:path";
import { InvalidArgumentError } from "../../errors.js";

export interface MountRequest {
  type: "bind" | "volume" | "tmpfs";
  /** Host path (bind), volume name (volume; empty for an anonymous one), unused for tmpfs. */
  source: string;
  destination: string;
  readOnly: boolean;
  /** Copy the image's content into a new volume (Docker's default; `nocopy` turns it off). */
  copy: boolean;
  propagation: string;
  tmpfsOptions: string[];
  /** --mount (the API's Mounts) names its own volume driver; HostConfig.VolumeDriver is for the others. */
  ownDriver?: boolean;
}

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const MODES = new Set([
  "ro",
  "rw",
  "z",
  "Z",
  "nocopy",
  "shared",
  "rshared",
  "slave",
  "rslave",
  "private",
  "rprivate",
  "consistent",
  "cached",
  "delegated",
]);

/** One of the modes -v takes ("ro", "z", "rshared", "nocopy", …). */
export function isMountMode(mode: string): boolean {
  return MODES.has(mode);
}

function checkDestination(dest: string, spec: string): string {
  if (!posix.isAbsolute(dest))
    throw new InvalidArgumentError(`invalid mount config for type "volume": invalid mount path: '${dest}' mount path must be absolute`);
  if (posix.normalize(dest) === "/")
    throw new InvalidArgumentError(
      `invalid volume specification: '${spec}': invalid mount config for type "bind": invalid specification: destination can't be '/'`,
    );
  return posix.normalize(dest);
}

/** `-v [SOURCE:]DEST[:MODE]`. */
export function parseVolumeFlag(spec: string): MountRequest {
  const parts = spec.split(":");
  if (parts.length > 3 || parts.some((p) => p === "")) throw new InvalidArgumentError(`invalid volume specification: '${spec}'`);
  let source = "";
  let dest: string;
  let mode = "";
  if (parts.length === 1) dest = parts[0]!;
  else if (
    parts.length === 2 &&
    parts[1]!.split(",").every((m) => MODES.has(m)) &&
    parts[0]!.startsWith("/") &&
    !parts[1]!.startsWith("/")
  ) {
    [dest, mode] = [parts[0]!, parts[1]!];
  } else {
    [source, dest, mode = ""] = parts as [string, string, string?];
  }
  const modes = mode ? mode.split(",") : [];
  for (const m of modes) if (!MODES.has(m)) throw new InvalidArgumentError(`invalid mode: ${m}`);
  const destination = checkDestination(dest, spec);
  const type = source === "" ? "volume" : source.startsWith("/") || source.startsWith(".") ? "bind" : "volume";
  if (type === "volume" && source && !VOLUME_NAME.test(source)) {
    throw new InvalidArgumentError(
      `create ${source}: "${source}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
  return {
    type,
    source: type === "bind" ? posix.resolve(source) : source,
    destination,
    readOnly: modes.includes("ro"),
    copy: !modes.includes("nocopy"),
    propagation: modes.find((m) => /^r?(shared|slave|private)$/.test(m)) ?? "rprivate",
    tmpfsOptions: [],
  };
}

/** `--mount type=bind|volume|tmpfs,source=…,target=…,readonly,…`. */
export function parseMountFlag(spec: string): MountRequest {
  const req: MountRequest = {
    type: "volume",
    source: "",
    destination: "",
    readOnly: false,
    copy: true,
    propagation: "rprivate",
    tmpfsOptions: [],
    ownDriver: true,
  };
  for (const field of spec.split(",")) {
    const eq = field.indexOf("=");
    const key = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? undefined : field.slice(eq + 1);
    switch (key) {
      case "type":
        if (value !== "bind" && value !== "volume" && value !== "tmpfs")
          throw new InvalidArgumentError(`invalid value for 'type': ${value}`);
        req.type = value;
        break;
      case "source":
      case "src":
        req.source = value ?? "";
        break;
      case "target":
      case "destination":
      case "dst":
        req.destination = value ?? "";
        break;
      case "readonly":
      case "ro":
        req.readOnly = value === undefined || value === "true" || value === "1";
        break;
      case "volume-nocopy":
        req.copy = !(value === undefined || value === "true" || value === "1");
        break;
      case "bind-propagation":
        req.propagation = value ?? "rprivate";
        break;
      case "tmpfs-size":
        req.tmpfsOptions.push(`size=${value}`);
        break;
      case "tmpfs-mode":
        req.tmpfsOptions.push(`mode=${value}`);
        break;
      case "consistency":
      case "volume-driver":
      case "volume-label":
      case "volume-opt":
        if (key === "volume-driver" && value !== "local")
          throw new InvalidArgumentError(`volume driver ${value} is not supported; berth has the local driver only`);
        break;
      default:
        throw new InvalidArgumentError(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!req.destination) throw new InvalidArgumentError("invalid argument for --mount: target is required");
  req.destination = checkDestination(req.destination, spec);
  if (req.type === "bind") {
    if (!req.source) throw new InvalidArgumentError(`invalid mount config for type "bind": field Source must not be empty`);
    req.source = posix.resolve(req.source);
  }
  if (req.type === "tmpfs" && req.source)
    throw new InvalidArgumentError(`invalid mount config for type "tmpfs": field Source must not be specified`);
  return req;
}

/** `--tmpfs /dest[:opts]`. */
export function parseTmpfsFlag(spec: string): MountRequest {
  const colon = spec.indexOf(":");
  const dest = colon < 0 ? spec : spec.slice(0, colon);
  const opts =
    colon < 0
      ? []
      : spec
          .slice(colon + 1)
          .split(",")
          .filter(Boolean);
  return {
    type: "tmpfs",
    source: "",
    destination: checkDestination(dest, spec),
    readOnly: opts.includes("ro"),
    copy: false,
    propagation: "rprivate",
    tmpfsOptions: opts,
  };
}
