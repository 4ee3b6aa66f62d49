// The grammar check docker's CLI makes on a name before it sends anything: its failures are the
// CLI's own words, printed without "Error response from daemon". The daemon's further rules
// (digest algorithm names, the older registry rule) come from the engine.
import { ClientError } from "./errors.js";
import { InvalidArgumentError } from "../errors.js";
import type { Reference } from "../image/reference.js";

export async function parseClientReference(name: string): Promise<Reference> {
  // Loaded here, not at the top: every CLI command loads its command file, few need references.
  const { parseReference } = await import("../image/reference.js");
  try {
    return parseReference(name);
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw new ClientError(err.message);
    throw err;
  }
}
