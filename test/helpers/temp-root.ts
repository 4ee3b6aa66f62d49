// A temporary --root and --runroot per test, and a runner for the real CLI against them. Removal
// unmounts anything left under the root first, so a failed test cannot leak mounts.
import * as fs from "node:fs";
import * as os from "node:os";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { removeTree } from "../../src/sys/remove-tree.js";

export const REPO = fileURLToPath(new URL("../../..", import.meta.url));
// The JavaScript entry: tests run it on their own Node (process.execPath), berth's Node 24.
export const BERTH = `${REPO}/bin/berth.js`;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TempRoot {
  dir: string;
  root: string;
  runroot: string;
  /** Runs `berth --root … --runroot … args`, waiting for it. */
  berth(args: readonly string[], opts?: { input?: string | Buffer; env?: NodeJS.ProcessEnv }): RunResult;
  /** The same as berth(), without blocking this process (a server of the test's must answer meanwhile). */
  berthAsync(args: readonly string[], opts?: { input?: string | Buffer; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  /** The same, without waiting: for concurrency and kill tests. */
  spawnBerth(args: readonly string[], opts?: { env?: NodeJS.ProcessEnv }): ReturnType<typeof spawn>;
  cleanup(): void;
}

/**
 * What a spawned process (stdio all pipes) writes, and its exit code once it closes; `input` goes to
 * its stdin, which is then closed. A process killed by a signal reads as 128 + 9.
 */
export function outputOf(child: ChildProcess, input: string | Buffer = ""): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 128 + 9, stdout, stderr }));
    child.stdin!.end(input);
  });
}

export function createTempRoot(prefix = "berth-test-"): TempRoot {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/${prefix}`);
  const root = `${dir}/root`;
  const runroot = `${dir}/run`;
  const globals = ["--root", root, "--runroot", runroot];
  return {
    dir,
    root,
    runroot,
    berth(args, opts = {}) {
      const result = spawnSync(process.execPath, [BERTH, ...globals, ...args], {
        input: opts.input ?? "",
        env: { ...process.env, TZ: "UTC", BERTH_REGISTRY_LOOPBACK_ONLY: "1", ...opts.env },
        maxBuffer: 256 << 20,
      });
      return { code: result.status ?? 128 + 9, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
    },
    berthAsync(args, opts = {}) {
      return outputOf(this.spawnBerth(args, opts.env ? { env: opts.env } : {}), opts.input ?? "");
    },
    spawnBerth(args, opts = {}) {
      return spawn(process.execPath, [BERTH, ...globals, ...args], {
        env: { ...process.env, TZ: "UTC", BERTH_REGISTRY_LOOPBACK_ONLY: "1", ...opts.env },
      });
    },
    cleanup() {
      killProcessesUsing(dir);
      unmountUnder(dir);
      removeTree(dir);
    },
  };
}

/** Mount points below `dir`, deepest first, read from /proc/self/mountinfo. */
export function mountsUnder(dir: string): string[] {
  const lines = fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n");
  return lines
    .map((l) => l.split(" ")[4] ?? "")
    .filter((m) => m === dir || m.startsWith(dir + "/"))
    .sort((a, b) => b.length - a.length);
}

/** conmon and container processes started for this root: their command lines name its paths. */
export function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(dir)) pids.push(Number(entry));
    } catch {
      /* gone already */
    }
  }
  return pids;
}

function killProcessesUsing(dir: string): void {
  const runc = `${dir}/run/runc`;
  if (fs.existsSync(runc)) {
    for (const id of fs.readdirSync(runc)) spawnSync("runc", ["--root", runc, "delete", "--force", id]);
  }
  for (const pid of processesUsing(dir)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone already */
    }
  }
}

function unmountUnder(dir: string): void {
  for (const mount of mountsUnder(dir)) spawnSync("umount", ["-l", mount]);
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The run monitors (health probes, log rotation: `berth container monitor`) running for a root. */
export function runMonitors(t: TempRoot): number[] {
  return processesUsing(t.dir).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes("monitor");
    } catch {
      return false;
    }
  });
}
