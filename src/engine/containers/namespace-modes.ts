// --pid, --ipc and --uts: a namespace of the container's own (Docker's default), the host's, or
// another running container's. Checked at create with dockerd's words, resolved to paths at start.
import type { Engine } from "../engine.js";
import type { ContainerSpec } from "../../store/container-store.js";
import type { NamespaceMode } from "../../runtime/spec/spec-input.js";
import { resolveContainer } from "./container-state.js";
import { ConflictError, InvalidArgumentError, NotImplementedError } from "../../errors.js";

type Kind = "pid" | "ipc" | "uts";

function checkOne(engine: Engine, kind: Kind, mode: string): string {
  const container = /^container:(.+)$/.exec(mode);
  if (container && kind !== "uts") {
    resolveContainer(engine, container[1]!); // "No such container" now rather than at start
    return mode;
  }
  if (mode === "" || mode === "host") return mode;
  if (kind === "ipc" && (mode === "private" || mode === "shareable")) return mode;
  if (kind === "ipc" && mode === "none") throw new NotImplementedError("--ipc none (no /dev/shm) is not supported by berth");
  throw new InvalidArgumentError(`--${kind}: invalid ${kind.toUpperCase()} mode`);
}

/** The parts of a create request (create-container.ts) the modes are checked against. */
interface NamespaceRequest {
  hostname?: string | undefined;
  host: { PidMode?: string | undefined; IpcMode?: string | undefined; UTSMode?: string | undefined };
}

export function checkNamespaceModes(engine: Engine, req: NamespaceRequest): { PidMode: string; IpcMode: string; UTSMode: string } {
  const modes = {
    PidMode: checkOne(engine, "pid", req.host.PidMode ?? ""),
    IpcMode: checkOne(engine, "ipc", req.host.IpcMode ?? ""),
    UTSMode: checkOne(engine, "uts", req.host.UTSMode ?? ""),
  };
  if (modes.UTSMode === "host" && req.hostname) throw new InvalidArgumentError("Conflicting options: hostname and the UTS mode");
  return modes;
}

/** The runtime's view of a mode: a container's is the path of its running process's namespace. */
export function namespaceMode(engine: Engine, kind: Kind, mode: string | undefined): NamespaceMode {
  if (!mode || mode === "private" || mode === "shareable") return { kind: "private" };
  if (mode === "host") return { kind: "host" };
  const target = resolveContainer(engine, mode.slice("container:".length));
  if (!target.state.Running) throw new ConflictError(`cannot join ${kind.toUpperCase()} of a non running container: ${target.spec.id}`);
  return { kind: "path", path: `/proc/${target.state.Pid}/ns/${kind}` };
}

/** --ipc host shares the host's /dev/shm as well as its IPC namespace, as Docker does. */
export function sharesHostShm(spec: ContainerSpec): boolean {
  return spec.hostConfig.IpcMode === "host";
}
