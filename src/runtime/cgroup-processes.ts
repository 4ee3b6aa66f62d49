// A task's processes as its cgroup knows them. The OCI runtime's state (under the runroot, a tmpfs
// that a reboot or a careless clean-up empties) is one way to find a container's processes; the
// cgroup runc put them in is another, which outlives that state: every process the container
// forks stays in it. When the state is gone, this is how the runtime still signals, kills and
// cleans up after the task. Works on cgroup v1 (one hierarchy per controller, plus the unified
// one of a hybrid host) and v2 (the unified hierarchy alone).
import * as fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { SystemError } from "../errors.js";

export const CGROUP_ROOT = "/sys/fs/cgroup";

/** The cgroup runc puts a task in, below each hierarchy's root. */
export function taskCgroupPath(id: string): string {
  return `/berth/${id}`;
}

/** The task's cgroup directory in each mounted hierarchy where it exists. */
export function cgroupDirs(cgroupsPath: string, root = CGROUP_ROOT): string[] {
  if (fs.existsSync(`${root}/cgroup.controllers`)) return fs.existsSync(`${root}${cgroupsPath}`) ? [`${root}${cgroupsPath}`] : [];
  const dirs: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    return [];
  }
  // Co-mounted controllers (cpu,cpuacct) appear once as a directory and again as symlinks to it.
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const dir = `${root}/${entry.name}${cgroupsPath}`;
    if (fs.existsSync(dir)) dirs.push(dir);
  }
  return dirs;
}

/** A cgroup and the cgroups a container made below it, deepest first. */
function subtree(dir: string): string[] {
  const out: string[] = [];
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) if (entry.isDirectory()) out.push(...subtree(`${dir}/${entry.name}`));
  out.push(dir);
  return out;
}

function readProcs(dir: string): number[] {
  try {
    return fs
      .readFileSync(`${dir}/cgroup.procs`, "utf8")
      .split("\n")
      .filter((line) => /^\d+$/.test(line))
      .map(Number);
  } catch {
    return [];
  }
}

/** A zombie has ended: only its parent's wait is missing, and it can neither run nor be killed. */
function running(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== "Z";
}

function procStat(pid: number): { state: string; startTime: number } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name in parentheses may hold spaces and parentheses: fields start after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0] ?? "", startTime: Number(fields[19] ?? 0) };
}

/** The live processes of the task's cgroup and the cgroups below it, in every hierarchy. */
export function cgroupProcesses(cgroupsPath: string, root = CGROUP_ROOT): number[] {
  const pids = new Set<number>();
  for (const dir of cgroupDirs(cgroupsPath, root)) for (const sub of subtree(dir)) for (const pid of readProcs(sub)) pids.add(pid);
  return [...pids].filter(running).sort((a, b) => a - b);
}

/**
 * The container's init: the process that is pid 1 in its own pid namespace, or, for a container
 * sharing the host's pid namespace, the one started first (exec'd processes come later).
 */
export function cgroupInit(cgroupsPath: string, root = CGROUP_ROOT): number | undefined {
  const pids = cgroupProcesses(cgroupsPath, root);
  const nsInit = pids.find((pid) => innermostPid(pid) === 1);
  if (nsInit !== undefined) return nsInit;
  let first: { pid: number; startTime: number } | undefined;
  for (const pid of pids) {
    const stat = procStat(pid);
    if (stat && (!first || stat.startTime < first.startTime)) first = { pid, startTime: stat.startTime };
  }
  return first?.pid;
}

function innermostPid(pid: number): number | undefined {
  try {
    const line = fs
      .readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("NSpid:"));
    const last = line?.trim().split(/\s+/).pop();
    return last === undefined ? undefined : Number(last);
  } catch {
    return undefined;
  }
}

/** Sends `signal` to each process; one that ended meanwhile is no error. */
export function signalProcesses(pids: readonly number[], signal: number): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
  }
}

/** Whether the task's cgroup is frozen (a paused container). */
export function cgroupFrozen(cgroupsPath: string, root = CGROUP_ROOT): boolean {
  for (const dir of cgroupDirs(cgroupsPath, root)) {
    const v1 = readText(`${dir}/freezer.state`);
    if (v1 !== undefined && v1 !== "THAWED") return true;
    if (/^frozen 1$/m.test(readText(`${dir}/cgroup.events`) ?? "")) return true;
  }
  return false;
}

function readText(path: string): string | undefined {
  try {
    return fs.readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

function write(path: string, text: string): boolean {
  try {
    fs.writeFileSync(path, text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Kills every process of the task's cgroup, those it forks meanwhile too, and returns once none
 * is left: with cgroup.kill where the kernel has it (v2, 5.14+), else freeze, SIGKILL, thaw, until
 * cgroup.procs is empty. SystemError when processes survive `timeoutMs`.
 */
export async function killCgroup(cgroupsPath: string, opts: { root?: string; timeoutMs?: number } = {}): Promise<void> {
  const root = opts.root ?? CGROUP_ROOT;
  const killFile = cgroupDirs(cgroupsPath, root)
    .map((dir) => `${dir}/cgroup.kill`)
    .find((file) => fs.existsSync(file));
  if (killFile && write(killFile, "1")) {
    await waitEmpty(cgroupsPath, root, opts.timeoutMs ?? 10_000);
    if (!cgroupProcesses(cgroupsPath, root).length) return;
  }
  await freezeKillThaw(cgroupsPath, opts);
}

/** The freezer's way: nothing can fork between the listing and the kill while the cgroup is frozen. */
export async function freezeKillThaw(cgroupsPath: string, opts: { root?: string; timeoutMs?: number } = {}): Promise<void> {
  const root = opts.root ?? CGROUP_ROOT;
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    if (!cgroupProcesses(cgroupsPath, root).length) return;
    if (Date.now() > deadline) {
      throw new SystemError(
        `cannot kill the processes of cgroup ${cgroupsPath}: ${cgroupProcesses(cgroupsPath, root).join(" ")} still run`,
      );
    }
    const freezer = freezerOf(cgroupsPath, root);
    if (freezer) await freezer.freeze(deadline);
    try {
      signalProcesses(cgroupProcesses(cgroupsPath, root), 9);
    } finally {
      freezer?.thaw();
    }
    await waitEmpty(cgroupsPath, root, 100);
  }
}

interface Freezer {
  freeze(deadline: number): Promise<void>;
  thaw(): void;
}

function freezerOf(cgroupsPath: string, root: string): Freezer | undefined {
  for (const dir of cgroupDirs(cgroupsPath, root)) {
    if (fs.existsSync(`${dir}/freezer.state`)) {
      return {
        freeze: async (deadline) => {
          write(`${dir}/freezer.state`, "FROZEN");
          while (readText(`${dir}/freezer.state`) === "FREEZING" && Date.now() < deadline) await sleep(5);
        },
        thaw: () => void write(`${dir}/freezer.state`, "THAWED"),
      };
    }
    if (fs.existsSync(`${dir}/cgroup.freeze`)) {
      return {
        freeze: async (deadline) => {
          write(`${dir}/cgroup.freeze`, "1");
          while (!/^frozen 1$/m.test(readText(`${dir}/cgroup.events`) ?? "") && Date.now() < deadline) await sleep(5);
        },
        thaw: () => void write(`${dir}/cgroup.freeze`, "0"),
      };
    }
  }
  return undefined;
}

async function waitEmpty(cgroupsPath: string, root: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (cgroupProcesses(cgroupsPath, root).length && Date.now() < deadline) await sleep(10);
}

/** Removes the task's emptied cgroup directories in every hierarchy, deepest first. */
export function removeCgroup(cgroupsPath: string, root = CGROUP_ROOT): void {
  const failures: string[] = [];
  for (const dir of cgroupDirs(cgroupsPath, root)) {
    for (const sub of subtree(dir)) {
      try {
        fs.rmdirSync(sub);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") failures.push(`${sub}: ${(err as Error).message}`);
      }
    }
  }
  if (failures.length) throw new SystemError(`cannot remove cgroup ${cgroupsPath}: ${failures.join("; ")}`);
}
