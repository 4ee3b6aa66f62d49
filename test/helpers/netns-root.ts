// A temp root whose berth commands run in a network namespace of the test file's own (beside the
// private one scripts/run-tests.mjs gives the whole run), so that bridges, addresses and firewall
// rules are the file's alone and go with the namespace at the end, even when a test fails.
import * as fs from "node:fs";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { BERTH, createTempRoot, isRoot, type RunResult, type TempRoot } from "./temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "./busybox.js";
import { createNetns, removeNetns } from "../../src/network/netns.js";

const NETAVARK = ["/usr/lib/podman/netavark", "/usr/libexec/podman/netavark"];

/** Why bridge tests cannot run here, or false. */
export const bridgeTestsSkip: string | false = !isRoot()
  ? "needs root: network namespaces, bridges and iptables"
  : !NETAVARK.some((p) => fs.existsSync(p))
    ? "netavark is not installed"
    : false;

export interface NetnsRoot {
  readonly t: TempRoot;
  /** The namespace file; `nsenter --net=` it to act on the file's network. */
  readonly netns: string;
  berth(args: readonly string[], opts?: { input?: string }): RunResult;
  /** berth(), asserting exit 0; its stdout. */
  ok(args: readonly string[]): string;
  /** berth() without blocking, for commands from several processes at once. */
  berthAsync(args: readonly string[]): Promise<RunResult>;
  /** A host tool (ip, iptables) in the namespace. */
  outside(argv: readonly string[]): RunResult;
  /** Removes every container, the root and the namespace. */
  cleanup(): Promise<void>;
}

const ENV = { ...process.env, TZ: "UTC", BERTH_REGISTRY_LOOPBACK_ONLY: "1" };

export async function createNetnsRoot(prefix: string): Promise<NetnsRoot> {
  const t = createTempRoot(prefix);
  const netns = await createNetns(`${t.dir}/outer`, { name: "ns" });
  const argv = (args: readonly string[]) => [`--net=${netns}`, process.execPath, BERTH, "--root", t.root, "--runroot", t.runroot, ...args];
  const berth = (args: readonly string[], opts: { input?: string } = {}): RunResult => {
    const r = spawnSync("nsenter", argv(args), { env: ENV, encoding: "utf8", ...(opts.input !== undefined ? { input: opts.input } : {}) });
    return { code: r.status ?? 137, stdout: r.stdout, stderr: r.stderr };
  };
  const root: NetnsRoot = {
    t,
    netns,
    berth,
    ok(args) {
      const r = berth(args);
      assert.equal(r.code, 0, `berth ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    },
    berthAsync: (args) =>
      new Promise((resolve, reject) => {
        const child = spawn("nsenter", argv(args), { env: ENV, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? 137, stdout, stderr }));
      }),
    outside(args) {
      const r = spawnSync("nsenter", [`--net=${netns}`, ...args], { encoding: "utf8" });
      return { code: r.status ?? 137, stdout: r.stdout, stderr: r.stderr };
    },
    async cleanup() {
      try {
        const ids = berth(["ps", "-aq"]).stdout.split("\n").filter(Boolean);
        if (ids.length) berth(["rm", "-f", ...ids]);
      } finally {
        t.cleanup();
        await removeNetns(netns);
      }
    },
  };
  root.ok(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
  return root;
}
