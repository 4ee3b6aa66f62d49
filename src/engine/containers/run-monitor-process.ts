// The run's monitor as a process: started detached beside conmon at each start of a container that
// needs one (its health check runs, or its log rotates into several files), recorded in the
// container's state, and stopped by the run's cleanup. What it does once running is run-monitor.ts.
import { BERTH_ENTRY } from "./berth-entry.js";
import { spawn } from "node:child_process";
import type { Engine } from "../engine.js";
import type { ContainerSpec, ContainerState } from "../../store/container-store.js";
import { processStartTime } from "../../sys/process-start-time.js";
import { probeCommand } from "./healthcheck.js";
import { healthAtStart } from "./health-state.js";
import { monitorRotates } from "./log-rotation.js";

/** The probe a container's runs get, or undefined when its check runs nothing (none, NONE, unknown kind). */
export function healthProbe(spec: ContainerSpec): string[] | undefined {
  return probeCommand(spec.config.Healthcheck, spec.config.Shell);
}

/** The state a run begins with: Health "starting" (keeping the old log) when the container is probed. */
export function healthOnStart(spec: ContainerSpec, state: ContainerState): Pick<ContainerState, "Health"> | Record<string, never> {
  return healthProbe(spec) ? { Health: healthAtStart(state.Health) } : {};
}

/** Whether a run of the container has work for a monitor. */
export function needsRunMonitor(spec: ContainerSpec): boolean {
  return healthProbe(spec) !== undefined || monitorRotates(spec.hostConfig.LogConfig);
}

/**
 * Starts the monitor of run `runId`, detached in a session of its own so that it outlives the
 * command that started the container (run -d, start, the API server, a restart by conmon's exit
 * command). It records itself in the container's state once it runs.
 */
export function spawnRunMonitor(engine: Engine, spec: ContainerSpec, runId: string): void {
  if (!needsRunMonitor(spec)) return;
  const child = spawn(
    process.execPath,
    [BERTH_ENTRY, "--root", engine.config.root, "--runroot", engine.config.runroot, "container", "monitor", spec.id, runId],
    { detached: true, stdio: "ignore" },
  );
  child.on("error", (err) => engine.log.warn(`starting the monitor of ${spec.id.slice(0, 12)}: ${err.message}`));
  child.unref();
}

/** Ends a run's monitor if it still lives: by the pid it recorded, and only if that is still the same process. */
export function stopRunMonitor(state: ContainerState): void {
  const monitor = state.runMonitor;
  if (!monitor || monitor.pid === process.pid) return;
  if (processStartTime(monitor.pid) !== monitor.startTime) return;
  try {
    process.kill(monitor.pid, "SIGKILL");
  } catch {
    // Gone meanwhile.
  }
}

/** Whether the monitor a container's state names is alive (system check). */
export function runMonitorAlive(state: ContainerState): boolean {
  const monitor = state.runMonitor;
  return monitor !== undefined && processStartTime(monitor.pid) === monitor.startTime;
}
