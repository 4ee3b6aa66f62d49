// The composition root: the only place that builds the concrete store and runtimes. CLI and API get
// an Engine and call the use-case functions of this folder with it.
import { AttachedStreams } from "./containers/attached-streams.js";
import * as fs from "node:fs";
import { Store } from "../store/store.js";
import { RegistryAccess, defaultRegistryOptions } from "./images/registry-access.js";
import type { RegistryOptions } from "../registry/registry-options.js";
import { ConmonRuntimes } from "../runtime/conmon-runtime.js";
import type { Runtimes } from "../runtime/runtime.js";

/** How registries are reached (insecure ones, mirrors): the CLI's flags and the daemon's settings. */
export type { RegistryOptions };
import { resourceFault } from "../errors.js";

export interface Clock {
  now(): Date;
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export interface EngineConfig {
  root: string;
  runroot: string;
  log: Logger;
  clock?: Clock;
  crashAt?: string | undefined;
  registry?: RegistryOptions;
  /** The OCI runtimes containers run on; default conmon with runc or crun, files under the runroot. */
  runtimes?: Runtimes;
}

export interface Engine {
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  readonly config: EngineConfig;
  readonly registry: RegistryAccess;
  /** A container runs on engine.runtimes.get(its HostConfig.Runtime): containerRuntime() says so. */
  readonly runtimes: Runtimes;
  /** Attaches whose output is still being sent: a wait reports an exit after them. */
  readonly attachedStreams: AttachedStreams;
  close(): void;
}

export const systemClock: Clock = { now: () => new Date() };

export function openEngine(config: EngineConfig): Engine {
  makeRunroot(config.runroot);
  const store = Store.open({ root: config.root, crashAt: config.crashAt, warn: (message) => config.log.warn(message) });
  const registry = new RegistryAccess(config.registry ?? defaultRegistryOptions());
  return {
    store,
    clock: config.clock ?? systemClock,
    log: config.log,
    config,
    registry,
    // Probes nothing until a container needs it: opening the engine must stay cheap.
    runtimes: config.runtimes ?? new ConmonRuntimes(config.runroot, (message) => config.log.warn(message)),
    attachedStreams: new AttachedStreams(),
    close: () => {
      registry.close();
      store.close();
    },
  };
}

/**
 * The runroot holds what running containers need; a file system that cannot take it (full, or
 * read-only) must not stop the commands that only read. Those that start something write below
 * it and fail there, in the file system's own words.
 */
function makeRunroot(runroot: string): void {
  try {
    fs.mkdirSync(runroot, { recursive: true, mode: 0o700 });
  } catch (err) {
    if (!resourceFault(err)) throw err;
  }
}
