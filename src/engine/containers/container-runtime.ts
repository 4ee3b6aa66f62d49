// The runtime a container runs on: the one its HostConfig.Runtime named when it was created, so a
// container made with --runtime crun keeps running on crun.
import type { Engine } from "../engine.js";
import type { Runtime } from "../../runtime/runtime.js";
import type { ContainerSpec } from "../../store/container-store.js";

export function containerRuntime(engine: Engine, spec: ContainerSpec): Runtime {
  return engine.runtimes.get(spec.hostConfig.Runtime);
}
