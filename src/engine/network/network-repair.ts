// Network leftovers: what a run that ended without its cleanup (conmon killed, a crash, a reboot)
// leaves of its sandbox, found for `system check` and released by `--repair` and by `serve` at its
// start. A sandbox row whose container is not running still reserves its address and host ports;
// after a reboot every row is such a one and its namespace file is gone with the runroot's tmpfs.
// A namespace file under the runroot that no row names was left by a process killed in a teardown.
import type { Engine } from "../engine.js";
import type { SandboxRecord } from "../../store/network-store.js";
import { refreshContainer } from "../containers/container-state.js";
import { containerRuntime } from "../containers/container-runtime.js";
import { lockRootfs } from "../containers/container-rootfs.js";
import { isNetnsMounted, listNetns, removeNetns } from "../../network/netns.js";
import { netnsDir, teardownSandbox } from "./sandbox.js";

export interface NetworkLeftover {
  readonly object: string;
  readonly message: string;
}

/** What `system check` lists: stale sandboxes, then namespace files of no sandbox. */
export async function networkLeftovers(engine: Engine): Promise<NetworkLeftover[]> {
  const leftovers: NetworkLeftover[] = [];
  for (const id of await staleSandboxes(engine)) {
    const sandbox = engine.store.networks.sandbox(id);
    if (sandbox) leftovers.push({ object: sandboxLabel(engine, sandbox), message: describeStale(sandbox) });
  }
  for (const file of await strayNetns(engine)) {
    leftovers.push({
      object: `network namespace ${file.path}`,
      message: file.mounted ? "belongs to no sandbox" : "is an empty file of no sandbox",
    });
  }
  return leftovers;
}

/**
 * Releases every stale sandbox (netavark's teardown where its namespace still exists, the file, the
 * reservations) and removes the namespace files of no sandbox. Each sandbox under its container's
 * rootfs lock, checked again there: a start holds that lock while it sets its sandbox up.
 */
export async function releaseNetworkLeftovers(engine: Engine): Promise<void> {
  for (const id of await staleSandboxes(engine)) {
    const lock = await lockRootfs(engine, id);
    try {
      if (await isStale(engine, id)) await teardownSandbox(engine, id);
    } finally {
      lock.release();
    }
  }
  // A start makes its row before its file, and a teardown removes the file before the row: a
  // file with no row is never one in the making.
  for (const file of await strayNetns(engine)) await removeNetns(file.path);
}

async function staleSandboxes(engine: Engine): Promise<string[]> {
  const stale: string[] = [];
  for (const id of engine.store.networks.sandboxContainers()) if (await isStale(engine, id)) stale.push(id);
  return stale;
}

/** Not running, and no task of the runtime's is being created for it (a start in progress). */
async function isStale(engine: Engine, id: string): Promise<boolean> {
  const stored = engine.store.containers.get(id);
  if (!stored || !engine.store.networks.sandbox(id)) return false;
  if (refreshContainer(engine, stored).state.Running) return false;
  const task = await containerRuntime(engine, stored.spec).state(id);
  return !task || task.status === "stopped";
}

async function strayNetns(engine: Engine): Promise<{ path: string; mounted: boolean }[]> {
  const named = new Set(engine.store.networks.sandboxContainers().map((id) => engine.store.networks.sandbox(id)?.netns));
  return (await listNetns(netnsDir(engine))).filter((file) => !named.has(file.path));
}

function sandboxLabel(engine: Engine, sandbox: SandboxRecord): string {
  const name = engine.store.containers.get(sandbox.containerId)?.spec.name ?? "";
  return `network sandbox ${sandbox.sandboxId.slice(0, 12)} of container ${sandbox.containerId.slice(0, 12)} (${name})`;
}

function describeStale(sandbox: SandboxRecord): string {
  const held = [
    ...sandbox.endpoints.map((e) => e.address),
    ...sandbox.reservations.map((r) => `${r.hostIp}:${r.hostPort}/${r.protocol}`),
  ].join(", ");
  const netns = isNetnsMounted(sandbox.netns) ? "" : "; its network namespace is gone";
  return `holds ${held} for a container that is not running${netns}`;
}
