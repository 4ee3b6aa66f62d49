// A run's monitor. berth has no daemon, so each run of a container whose health check runs or whose
// log rotates into several files gets a process of its own, started detached beside conmon (as
// conmon's exit command is): `berth container monitor ID RUN-ID` (run-monitor-process.ts). It
// probes health (health-probes.ts) and rotates the log (log-rotation.ts), and ends with the run;
// the run's cleanup kills it if it is still there. See docs/architecture.md, "The run's monitor".
import type { Engine } from "../engine.js";
import { processStartTime } from "../../sys/process-start-time.js";
import { containerRuntime } from "./container-runtime.js";
import { containerPaths } from "./container-paths.js";
import { probeHealth } from "./health-probes.js";
import { logLimits } from "./log-config.js";
import { monitorRotates, rotateLog } from "./log-rotation.js";
import { healthProbe, runMonitorAlive } from "./run-monitor-process.js";

export async function runMonitor(engine: Engine, id: string, runId: string): Promise<void> {
  const startTime = processStartTime(process.pid) ?? "";
  const registered = engine.store.write(() => {
    const now = engine.store.containers.get(id);
    if (!now || !now.state.Running || now.state.runId !== runId) return undefined;
    // A monitor of this run already (a second spawn): leave the work to it.
    if (now.state.runMonitor && runMonitorAlive(now.state)) return undefined;
    engine.store.containers.setState(id, { ...now.state, runMonitor: { pid: process.pid, startTime } });
    return now;
  });
  if (!registered) return;
  const { spec } = registered;
  const runtime = containerRuntime(engine, spec);
  const ended = new AbortController();
  // The run's end (its exit file) stops the monitor at once, whatever it is waiting for.
  void runtime
    .waitExit(id, { signal: ended.signal })
    .catch(() => undefined)
    .finally(() => ended.abort());
  const jobs: Promise<void>[] = [];
  const command = healthProbe(spec);
  if (command) jobs.push(probeHealth(engine, registered, command, ended.signal));
  const limits = logLimits(spec.hostConfig.LogConfig);
  if (limits?.maxSize !== undefined && monitorRotates(spec.hostConfig.LogConfig)) {
    jobs.push(
      rotateLog({
        logPath: containerPaths(engine, id).logPath,
        limits: { ...limits, maxSize: limits.maxSize },
        reopen: () => runtime.reopenLog(id),
        ended: ended.signal,
      }).catch((err: unknown) => engine.log.warn(`rotating the log of ${id.slice(0, 12)}: ${(err as Error).message}`)),
    );
  }
  try {
    await Promise.all(jobs);
  } finally {
    ended.abort();
  }
}
