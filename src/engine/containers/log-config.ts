// Log drivers (HostConfig.LogConfig, docker's --log-driver/--log-opt), checked once here for the
// CLI and the API. berth keeps a container's output in a file conmon writes and `logs` reads: to a
// Docker user that is the json-file driver (the default), so it carries that name. `none` keeps no
// log (conmon is told so) and `logs` refuses, as dockerd does. Docker's other drivers are real but
// berth does not implement them: they are refused in words that say so, not taken and ignored.
// Names Docker does not know get dockerd's plugin-lookup error.
import { InvalidArgumentError, NotImplementedError } from "../../errors.js";

export interface LogConfig {
  Type: string;
  Config: Record<string, string>;
}

export const DEFAULT_LOG_DRIVER = "json-file";

/** The drivers berth runs, as /info lists them under Plugins.Log. */
export const LOG_DRIVERS = ["json-file", "none"] as const;

/** Linux dockerd 20.10's built-in drivers that berth does not implement. */
const DOCKER_ONLY_DRIVERS = new Set(["local", "syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "gcplogs", "logentries"]);

/** The options dockerd's json-file driver takes (jsonfilelog.ValidateLogOpt). */
const JSON_FILE_OPTS = new Set(["max-file", "max-size", "compress", "labels", "labels-regex", "env", "env-regex", "tag"]);

export function checkLogConfig(config: { Type?: string | undefined; Config?: Record<string, string> | undefined } | undefined): LogConfig {
  const type = config?.Type || DEFAULT_LOG_DRIVER;
  const opts = config?.Config ?? {};
  if (type === "json-file") {
    for (const key of Object.keys(opts)) {
      if (!JSON_FILE_OPTS.has(key)) throw new InvalidArgumentError(`unknown log opt '${key}' for json-file log driver`);
    }
    const first = Object.keys(opts)[0];
    if (first !== undefined) throw new NotImplementedError(`berth does not implement the log opt '${first}' of the json-file log driver`);
    return { Type: type, Config: {} };
  }
  // dockerd's none driver takes any option and uses none.
  if (type === "none") return { Type: type, Config: { ...opts } };
  if (DOCKER_ONLY_DRIVERS.has(type))
    throw new NotImplementedError(`berth does not implement the ${type} log driver: use json-file or none`);
  throw new InvalidArgumentError(`error looking up logging plugin ${type}: plugin "${type}" not found`);
}

/** Whether the container's output is kept for `logs` (every driver berth runs but none). */
export function keepsLog(config: LogConfig | undefined): boolean {
  return config?.Type !== "none";
}

/** `logs` (and attach's log replay) of a container whose driver keeps nothing. */
export function checkLogsReadable(config: LogConfig | undefined): void {
  if (!keepsLog(config)) throw new NotImplementedError("configured logging driver does not support reading");
}
