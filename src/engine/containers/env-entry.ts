// A rule of its own module, with nothing heavy behind it: the CLI checks -e values while it parses
// flags, on every start of run/create/exec, and must not load the engine for that.
import { InvalidArgumentError } from "../../errors.js";

/** An entry with no name (``, `=x`) is refused, as dockerd's verifyContainerSettings and the docker CLI's -e do. */
export function checkEnvEntry(entry: string): void {
  if (entry.split("=", 1)[0] === "") throw new InvalidArgumentError(`invalid environment variable: ${entry}`);
}
