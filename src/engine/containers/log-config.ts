// Log drivers (HostConfig.LogConfig, docker's --log-driver/--log-opt), checked once here for the
// CLI and the API. Every file driver keeps the container's output in the file conmon writes
// natively (the CRI "k8s-file" line format, see runtime/container-log.ts); the drivers differ in
// their names, options and rotation, which are Docker's (podman's for k8s-file):
// - json-file (the default, as in Docker; docker-compose 1.29 only shows logs for json-file,
//   journald and local): max-size, max-file (1), compress, labels, labels-regex, env, env-regex, tag;
// - local: max-size (20 MiB), max-file (5), compress (true), and no other option;
// - k8s-file: max-size, which conmon enforces by truncating;
// - none: no log at all, and `logs` refuses, as dockerd does.
// Docker's other built-in drivers are refused in words that say so. dockerd checks the options when
// a container starts ("failed to initialize logging driver: ..."); berth checks them at create, with
// dockerd's messages, so that a container it keeps can always start. See log-rotation.ts for how
// the limits are enforced.
import { InvalidArgumentError, NotImplementedError } from "../../errors.js";
import { parseLogTag } from "./log-attributes.js";

export interface LogConfig {
  Type: string;
  Config: Record<string, string>;
}

export const DEFAULT_LOG_DRIVER = "json-file";

/** The drivers berth runs, as /info lists them under Plugins.Log (sorted, as dockerd lists them). */
export const LOG_DRIVERS = ["json-file", "k8s-file", "local", "none"] as const;

/** Linux dockerd 20.10's built-in drivers that berth does not implement. */
const DOCKER_ONLY_DRIVERS = new Set(["syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "gcplogs", "logentries"]);

/** The options each file driver takes (jsonfilelog.ValidateLogOpt, local.ValidateLogOpt, podman). */
const DRIVER_OPTS: Record<string, ReadonlySet<string>> = {
  "json-file": new Set(["max-file", "max-size", "compress", "labels", "labels-regex", "env", "env-regex", "tag"]),
  local: new Set(["max-file", "max-size", "compress"]),
  "k8s-file": new Set(["max-size"]),
};

/** Docker's local driver defaults (daemon/logger/local/config.go). */
const LOCAL_MAX_SIZE = 20 * 1024 * 1024;
const LOCAL_MAX_FILE = 5;

/** How a container's log file is bounded: at most maxFile files of about maxSize bytes, older ones compressed or not. */
export interface LogLimits {
  /** Bytes; undefined keeps one file that grows without bound. */
  maxSize: number | undefined;
  /** Files kept, the live one included; 1 means the file is truncated (replaced) when full. */
  maxFile: number;
  compress: boolean;
}

/** dockerd's words before a driver's own complaint. */
export const LOG_INIT_ERROR = "failed to initialize logging driver: ";
const INIT = LOG_INIT_ERROR;

/** Checks a LogConfig; returns it as inspect shows it (only what the user gave, as dockerd). */
export function checkLogConfig(config: { Type?: string | undefined; Config?: Record<string, string> | undefined } | undefined): LogConfig {
  const type = config?.Type || DEFAULT_LOG_DRIVER;
  const opts = { ...(config?.Config ?? {}) };
  // dockerd's none driver takes any option and uses none.
  if (type === "none") return { Type: type, Config: opts };
  const known = DRIVER_OPTS[type];
  if (!known) {
    if (DOCKER_ONLY_DRIVERS.has(type))
      throw new NotImplementedError(`berth does not implement the ${type} log driver: use json-file, local, k8s-file or none`);
    throw new InvalidArgumentError(`error looking up logging plugin ${type}: plugin "${type}" not found`);
  }
  for (const key of Object.keys(opts)) {
    if (known.has(key)) continue;
    throw new InvalidArgumentError(
      type === "local" ? `unknown log opt '${key}' for log driver local` : `unknown log opt '${key}' for ${type} log driver`,
    );
  }
  logLimits({ Type: type, Config: opts });
  if (opts.tag !== undefined) parseLogTag(opts.tag, INIT);
  return { Type: type, Config: opts };
}

/** The limits a checked LogConfig sets; undefined for none. Throws dockerd's messages for bad values. */
export function logLimits(config: LogConfig | undefined): LogLimits | undefined {
  const type = config?.Type ?? DEFAULT_LOG_DRIVER;
  const opts = config?.Config ?? {};
  if (type === "none") return undefined;
  if (type === "local") return localLimits(opts);
  const maxSize = opts["max-size"] !== undefined ? jsonFileSize(opts["max-size"]) : undefined;
  if (type === "k8s-file") return { maxSize, maxFile: 1, compress: false };
  // jsonfilelog.New, in its order.
  let maxFile = 1;
  if (opts["max-file"] !== undefined) {
    maxFile = atoi(opts["max-file"], INIT);
    if (maxFile < 1) throw new InvalidArgumentError(`${INIT}max-file cannot be less than 1`);
  }
  let compress = false;
  if (opts.compress !== undefined) {
    compress = parseGoBool(opts.compress, INIT);
    if (compress && (maxFile === 1 || maxSize === undefined))
      throw new InvalidArgumentError(`${INIT}compress cannot be true when max-file is less than 2 or max-size is not set`);
  }
  // Without max-size dockerd never rotates, whatever max-file says (measured: accepted and ignored).
  return { maxSize, maxFile: maxSize === undefined ? 1 : maxFile, compress };
}

function jsonFileSize(text: string): number {
  const size = fromHumanSize(text, INIT);
  if (size <= 0) throw new InvalidArgumentError(`${INIT}max-size must be a positive number`);
  return size;
}

/** local.New and its validateConfig (messages measured on dockerd 20.10). */
function localLimits(opts: Record<string, string>): LogLimits {
  let maxSize = LOCAL_MAX_SIZE;
  if (opts["max-size"] !== undefined) maxSize = fromHumanSize(opts["max-size"], `${INIT}invalid value for max-size: ${opts["max-size"]}: `);
  let maxFile = LOCAL_MAX_FILE;
  if (opts["max-file"] !== undefined) maxFile = atoi(opts["max-file"], `${INIT}invalid value for max-file: ${opts["max-file"]}: `);
  let compress = true;
  if (opts.compress !== undefined) compress = parseGoBool(opts.compress, `${INIT}error reading compress log option: `);
  if (maxFile < 0) throw new InvalidArgumentError(`${INIT}max file count cannot be less than 0`);
  if (compress && maxFile <= 1) throw new InvalidArgumentError(`${INIT}compression cannot be enabled when max file count is 1`);
  // max-size 0 means no limit, and a max-file of 0 keeps one file, as 1 does (loggerutils).
  return { maxSize: maxSize > 0 ? maxSize : undefined, maxFile: Math.max(1, maxFile), compress };
}

/**
 * go-units FromHumanSize (v0.4, vendored by dockerd 20.10): decimal multipliers (1k = 1000), an
 * optional space, "i" and "b" suffixes ignored; the fraction is truncated. `prefix` starts the message.
 */
export function fromHumanSize(text: string, prefix = ""): number {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(text);
  if (!m) throw new InvalidArgumentError(`${prefix}invalid size: '${text}'`);
  if (!/^\d+(\.\d+)?$/.test(m[1]!))
    throw new InvalidArgumentError(`${prefix}strconv.ParseFloat: parsing ${JSON.stringify(m[1])}: invalid syntax`);
  const power = m[2] ? " kmgtp".indexOf(m[2].toLowerCase()) : 0;
  return Math.trunc(Number(m[1]) * 1000 ** power);
}

function atoi(text: string, prefix: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new InvalidArgumentError(`${prefix}strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  return Number(text);
}

/** Go's strconv.ParseBool. */
function parseGoBool(text: string, prefix: string): boolean {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return false;
  throw new InvalidArgumentError(`${prefix}strconv.ParseBool: parsing ${JSON.stringify(text)}: invalid syntax`);
}

/** Whether the container's output is kept for `logs` (every driver berth runs but none). */
export function keepsLog(config: LogConfig | undefined): boolean {
  return config?.Type !== "none";
}

/** `logs` (and attach's log replay) of a container whose driver keeps nothing. */
export function checkLogsReadable(config: LogConfig | undefined): void {
  if (!keepsLog(config)) throw new NotImplementedError("configured logging driver does not support reading");
}
