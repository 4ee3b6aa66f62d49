// The JavaScript entry of this checkout's CLI, for the processes berth leaves running beside a
// container (conmon's exit command, the health monitor): they run on this process's Node, not
// through bin/berth's shell launcher. From dist/src/engine/containers/ (or src/… under a loader)
// up to the repository.
import { fileURLToPath } from "node:url";

export const BERTH_ENTRY = fileURLToPath(new URL("../../../../bin/berth.js", import.meta.url));
