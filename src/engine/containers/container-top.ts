// `top`: the processes of a running container, as the runtime's ps lists them with ps's options
// (default -ef). The CLI prints the text; the API splits it into Titles and Processes.
import type { Engine } from "../engine.js";
import { resolveContainer } from "./container-state.js";
import { containerRuntime } from "./container-runtime.js";
import { ConflictError } from "../../errors.js";

export function topContainer(engine: Engine, idOrName: string, psArgs: readonly string[]): string {
  const record = resolveContainer(engine, idOrName);
  if (!record.state.Running) throw new ConflictError(`Container ${record.spec.id} is not running`);
  return containerRuntime(engine, record.spec).processes(record.spec.id, psArgs);
}

/** ps output as dockerd's ContainerTopOKBody: the header's words, and each row cut into as many fields. */
export function splitPsOutput(text: string): { Titles: string[]; Processes: string[][] } {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const Titles = (lines[0] ?? "").trim().split(/\s+/);
  const Processes = lines.slice(1).map((line) => {
    const fields = line.trim().split(/\s+/);
    if (fields.length <= Titles.length) return fields;
    return [...fields.slice(0, Titles.length - 1), fields.slice(Titles.length - 1).join(" ")];
  });
  return { Titles, Processes };
}
