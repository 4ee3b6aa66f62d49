// --sysctl as the docker CLI checks it (opts.ValidateSysctl): only the sysctls a container's own
// namespaces isolate. The daemon does not check them; the runtime refuses the rest at start.

const NAMES = new Set([
  "kernel.msgmax",
  "kernel.msgmnb",
  "kernel.msgmni",
  "kernel.sem",
  "kernel.shmall",
  "kernel.shmmax",
  "kernel.shmmni",
  "kernel.shm_rmid_forced",
]);
const PREFIXES = ["fs.mqueue.", "net."];

/** "NAME=VALUE", unchanged when allowed; the CLI's message otherwise. */
export function checkSysctlFlag(value: string): string {
  const eq = value.indexOf("=");
  const name = eq < 0 ? "" : value.slice(0, eq);
  if (eq < 0 || !(NAMES.has(name) || PREFIXES.some((p) => name.startsWith(p)))) {
    throw new Error(`sysctl '${value}' is not allowed`);
  }
  return value;
}
