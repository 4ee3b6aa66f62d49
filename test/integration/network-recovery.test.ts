// Recovery and robustness of the default bridge: sandboxes left by runs that ended unseen (a killed
// conmon, a reboot) found and released by `system check --repair` and by `serve` at its start;
// twenty runs at once; a host port some other process holds; a host that already uses 172.17.
// Every berth command runs in a network namespace the test makes (beside the private one
// scripts/run-tests.mjs gives the whole run), so that bridges, veths and rules are the test's own.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { BERTH, createTempRoot, isRoot, mountsUnder, type RunResult, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";
import { createNetns, removeNetns } from "../../src/network/netns.js";

const NETAVARK = ["/usr/lib/podman/netavark", "/usr/libexec/podman/netavark"];
const skip = !isRoot()
  ? "needs root: network namespaces, bridges and iptables"
  : !NETAVARK.some((p) => fs.existsSync(p))
    ? "netavark is not installed"
    : false;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A temp root with busybox, and a network namespace of the test's own for its berth commands. */
class World {
  netns = "";
  private readonly nsDir = fs.mkdtempSync(`${os.tmpdir()}/berth-recov-ns-`);
  private generation = 0;
  private readonly children: ChildProcess[] = [];

  private constructor(readonly t: TempRoot) {}

  static async make(tc: TestContext): Promise<World> {
    const w = new World(createTempRoot("berth-recov-"));
    tc.after(() => w.cleanup());
    await w.newNamespace();
    w.ok(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
    return w;
  }

  /** A fresh namespace, as a host has after a reboot: no bridge, no rules. The old one goes. */
  async newNamespace(): Promise<void> {
    if (this.netns) await removeNetns(this.netns);
    this.netns = await createNetns(this.nsDir, { name: `ns${this.generation++}` });
  }

  private argv(args: readonly string[]): string[] {
    return [`--net=${this.netns}`, process.execPath, BERTH, "--root", this.t.root, "--runroot", this.t.runroot, ...args];
  }

  berth(args: readonly string[]): RunResult {
    const r = spawnSync("nsenter", this.argv(args), {
      env: { ...process.env, TZ: "UTC", BERTH_REGISTRY_LOOPBACK_ONLY: "1" },
      encoding: "utf8",
    });
    return { code: r.status ?? 137, stdout: r.stdout, stderr: r.stderr };
  }

  ok(args: readonly string[]): string {
    const r = this.berth(args);
    assert.equal(r.code, 0, `berth ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  }

  berthAsync(args: readonly string[]): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn("nsenter", this.argv(args), {
        env: { ...process.env, TZ: "UTC", BERTH_REGISTRY_LOOPBACK_ONLY: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? 137, stdout, stderr }));
    });
  }

  /** A long-running child in the namespace (a server), killed by its pid at the end. */
  spawnIn(argv: readonly string[]): ChildProcess {
    const child = spawn("nsenter", [`--net=${this.netns}`, ...argv], { stdio: ["ignore", "pipe", "pipe"] });
    this.children.push(child);
    return child;
  }

  outside(argv: readonly string[]): RunResult {
    const r = spawnSync("nsenter", [`--net=${this.netns}`, ...argv], { encoding: "utf8" });
    return { code: r.status ?? 137, stdout: r.stdout, stderr: r.stderr };
  }

  /** GET url from the namespace: the body, or "ERR <code>". */
  fetch(url: string): string {
    const script = `fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(3000) }).then((r) => r.text()).then((b) => process.stdout.write(b), (e) => process.stdout.write("ERR " + (e.cause?.code ?? e.name)))`;
    return this.outside([process.execPath, "-e", script]).stdout;
  }

  async fetchEventually(url: string, expected: string): Promise<string> {
    let body = "";
    for (let i = 0; i < 60 && body !== expected; i++) {
      body = this.fetch(url);
      if (body !== expected) await sleep(100);
    }
    return body;
  }

  netnsFiles(): string[] {
    return fs.existsSync(`${this.t.runroot}/netns`) ? fs.readdirSync(`${this.t.runroot}/netns`) : [];
  }

  links(): string[] {
    return [...this.outside(["ip", "-o", "link"]).stdout.matchAll(/^\d+: ([^:@]+)/gm)].map((m) => m[1]!).sort();
  }

  natRules(): string {
    return this.outside(["iptables", "-t", "nat", "-S"]).stdout;
  }

  inspect(name: string): Record<string, Record<string, unknown>> {
    return (JSON.parse(this.ok(["inspect", name])) as Record<string, Record<string, unknown>>[])[0]!;
  }

  /**
   * What a power cut does to a running container: its conmon dies first (so no exit is recorded and
   * no cleanup runs), then its processes. By pid only: other tests run conmon too.
   */
  killUnseen(name: string): void {
    const json = this.inspect(name);
    const id = json["Id"] as unknown as string;
    const pid = json["State"]!["Pid"] as number;
    const isConmon = (cmdline: string) => (cmdline.split("\0")[0] ?? "").split("/").pop() === "conmon" && cmdline.includes(id);
    const conmons = pidsWhere(isConmon);
    assert.ok(conmons.length > 0, `no conmon found for ${name}`);
    for (const conmon of conmons) process.kill(conmon, "SIGKILL");
    process.kill(pid, "SIGKILL");
  }

  async cleanup(): Promise<void> {
    for (const child of this.children)
      if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, "SIGKILL");
    const ids = this.berth(["ps", "-aq"]).stdout.split("\n").filter(Boolean);
    if (ids.length) this.berth(["rm", "-f", ...ids]);
    this.t.cleanup();
    if (this.netns) await removeNetns(this.netns);
    fs.rmSync(this.nsDir, { recursive: true, force: true });
  }
}

function pidsWhere(match: (cmdline: string) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (match(fs.readFileSync(`/proc/${entry}/cmdline`, "utf8"))) pids.push(Number(entry));
    } catch {
      /* gone already */
    }
  }
  return pids;
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !check(); await sleep(100)) assert.ok(Date.now() < end, `timed out waiting: ${what}`);
}

const HTTPD = ["sh", "-c", "mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 80 -h /www"];

test(
  "system check reports the sandboxes of runs that ended unseen and stray namespace files; --repair frees them",
  { skip },
  async (tc) => {
    const w = await World.make(tc);
    w.ok(["run", "-d", "--name", "alive", "-p", "127.0.0.1:18201:80", "busybox", ...HTTPD]);
    w.ok(["run", "-d", "--name", "gone", "-p", "127.0.0.1:18202:80", "busybox", "sleep", "600"]);
    w.ok(["run", "-d", "--name", "running", "busybox", "sleep", "600"]);
    assert.equal(await w.fetchEventually("http://127.0.0.1:18201/", "hello\n"), "hello\n");
    const sandbox = (name: string) => (w.inspect(name)["NetworkSettings"]!["SandboxKey"] as string).split("/").pop()!;
    const aliveBox = sandbox("alive");
    const goneBox = sandbox("gone");
    const runningBox = sandbox("running");

    // alive: its namespace is still bound; gone: its namespace file vanished too, as after a reboot.
    w.killUnseen("alive");
    w.killUnseen("gone");
    await removeNetns(`${fs.realpathSync(w.t.runroot)}/netns/${goneBox}`);
    // A teardown killed between its netavark call and the row's removal leaves a bound file; one
    // killed between creating the file and binding it, an empty one.
    await createNetns(`${w.t.runroot}/netns`, { name: "strayboundns" });
    fs.writeFileSync(`${w.t.runroot}/netns/strayemptyns`, "", { mode: 0o444 });
    await until(
      "the killed containers read as exited",
      () => w.ok(["ps", "-a", "--filter", "status=exited", "-q"]).split("\n").filter(Boolean).length === 2,
    );

    // Before the repair their host ports stay reserved.
    const blocked = w.berth(["run", "-d", "--name", "taker", "-p", "127.0.0.1:18202:80", "busybox", "sleep", "600"]);
    assert.equal(blocked.code, 125);
    assert.match(blocked.stderr, /Bind for 127\.0\.0\.1:18202 failed: port is already allocated/);

    const runroot = fs.realpathSync(w.t.runroot);
    const id = (name: string) => (w.inspect(name)["Id"] as unknown as string).slice(0, 12);
    const expected = [
      `leftover: network sandbox ${aliveBox} of container ${id("alive")} (alive): holds 172.17.0.2, 127.0.0.1:18201/tcp for a container that is not running (berth system check --repair removes it)`,
      `leftover: network sandbox ${goneBox} of container ${id("gone")} (gone): holds 172.17.0.3, 127.0.0.1:18202/tcp for a container that is not running; its network namespace is gone (berth system check --repair removes it)`,
      `leftover: network namespace ${runroot}/netns/strayboundns: belongs to no sandbox (berth system check --repair removes it)`,
      `leftover: network namespace ${runroot}/netns/strayemptyns: is an empty file of no sandbox (berth system check --repair removes it)`,
      // Their rootfs stays mounted too: a leftover system check knew before.
      ...["alive", "gone"].map(
        (name) =>
          `leftover: mount ${fs.realpathSync(w.t.root)}/containers/${w.inspect(name)["Id"] as unknown as string}/merged: belongs to no running container (berth system check --repair removes it)`,
      ),
    ].sort();
    const check = w.berth(["system", "check"]);
    assert.equal(check.code, 0, check.stderr);
    const lines = check.stdout.trimEnd().split("\n");
    assert.equal(lines.pop(), "No problems found");
    assert.deepEqual(lines.sort(), expected);

    const repair = w.berth(["system", "check", "--repair"]);
    assert.equal(repair.code, 0, repair.stderr);
    const repaired = repair.stdout.trimEnd().split("\n");
    assert.equal(repaired.pop(), "No problems found");
    assert.deepEqual(
      repaired.sort(),
      expected.map((line) => line.replace(/^leftover: /, "repaired: ").replace(/ \(berth system check --repair removes it\)$/, "")).sort(),
    );
    assert.equal(w.ok(["system", "check"]), "No problems found\n");
    // The running container keeps its sandbox; the bound leftover's rules went through netavark.
    assert.deepEqual(w.netnsFiles(), [runningBox]);
    // Both sandboxes' port rules are gone: through netavark in the namespace that was still there,
    // and in a stand-in for the one that vanished.
    assert.doesNotMatch(w.natRules(), /1820[12]/);
    assert.equal(w.fetch("http://127.0.0.1:18201/").startsWith("ERR"), true);

    // The ports and addresses are free again: a new container takes the port, alive starts again.
    w.ok(["rm", "taker"]);
    w.ok(["run", "-d", "--name", "taker", "-p", "127.0.0.1:18202:80", "busybox", "sleep", "600"]);
    w.ok(["start", "alive"]);
    assert.equal(await w.fetchEventually("http://127.0.0.1:18201/", "hello\n"), "hello\n");
    w.ok(["rm", "-f", "alive", "gone", "running", "taker"]);
    assert.deepEqual(w.netnsFiles(), []);
    assert.deepEqual(w.links(), ["lo"]);
  },
);

test("berth serve after a reboot brings a --restart always container back with its address and published port", { skip }, async (tc) => {
  const w = await World.make(tc);
  w.ok(["run", "-d", "--name", "web", "--restart", "always", "-p", "127.0.0.1:18210:80", "busybox", ...HTTPD]);
  w.ok(["run", "-d", "--name", "plain", "-p", "127.0.0.1:18211:80", "busybox", "sleep", "600"]);
  assert.equal(await w.fetchEventually("http://127.0.0.1:18210/", "hello\n"), "hello\n");

  // The reboot: every process gone unseen, every mount gone, the runroot (a tmpfs) emptied, and
  // the host's network as it boots: no bridge, no veths, no iptables rules.
  w.killUnseen("web");
  w.killUnseen("plain");
  await until("the killed processes are gone", () => pidsWhere((c) => c.includes(w.t.dir)).length === 0);
  for (const mount of mountsUnder(w.t.dir)) spawnSync("umount", ["-l", mount]);
  fs.rmSync(w.t.runroot, { recursive: true, force: true });
  await w.newNamespace();

  const server = w.spawnIn([
    process.execPath,
    BERTH,
    "--root",
    w.t.root,
    "--runroot",
    w.t.runroot,
    "serve",
    "-H",
    `unix://${w.t.dir}/api.sock`,
  ]);
  let log = "";
  server.stderr!.on("data", (c: Buffer) => (log += c.toString()));
  await until("serve restarts web", () => /restarted container [0-9a-f]{12} \(restart policy\)/.test(log), 30_000);

  assert.equal(await w.fetchEventually("http://127.0.0.1:18210/", "hello\n"), "hello\n", log);
  assert.doesNotMatch(log, /tearing down/);
  const settings = w.inspect("web")["NetworkSettings"]!;
  const address = settings["IPAddress"] as string;
  assert.match(address, /^172\.17\.0\.\d+$/);
  assert.equal(settings["Gateway"], "172.17.0.1");
  assert.match(w.ok(["exec", "web", "ip", "-4", "-o", "addr", "show", "eth0"]), new RegExp(`inet ${address.replace(/\./g, "\\.")}/16 `));
  // The container without a restart policy stays exited, and its reservations went at the start.
  assert.equal(w.inspect("plain")["State"]!["Status"], "exited");
  w.ok(["run", "-d", "--name", "taker", "-p", "127.0.0.1:18211:80", "busybox", "sleep", "600"]);
  assert.equal(w.ok(["system", "check"]), "No problems found\n");
  assert.equal(w.netnsFiles().length, 2);

  process.kill(server.pid!, "SIGTERM");
  await until("serve stops", () => server.exitCode !== null);
  w.ok(["rm", "-f", "web", "plain", "taker"]);
  assert.deepEqual(w.netnsFiles(), []);
});

test("twenty containers started at once get twenty addresses, reach each other, and leave nothing behind", { skip }, async (tc) => {
  const w = await World.make(tc);
  const names = Array.from({ length: 20 }, (_, i) => `par${i}`);
  const runs = await Promise.all(names.map((name) => w.berthAsync(["run", "-d", "--name", name, "busybox", "sleep", "600"])));
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  const addresses = names.map((name) => w.inspect(name)["NetworkSettings"]!["IPAddress"] as string);
  assert.equal(new Set(addresses).size, 20, addresses.join(" "));
  for (const address of addresses) assert.match(address, /^172\.17\.0\.\d+$/);
  const seen = await Promise.all(names.map((name) => w.berthAsync(["exec", name, "ip", "-4", "-o", "addr", "show", "eth0"])));
  seen.forEach((r, i) => assert.match(r.stdout, new RegExp(`inet ${addresses[i]!.replace(/\./g, "\\.")}/16 `), r.stderr));
  assert.match(w.ok(["exec", "par0", "ping", "-c", "1", "-W", "5", addresses[19]!]), /1 packets received/);
  assert.match(w.ok(["exec", "par19", "ping", "-c", "1", "-W", "5", addresses[0]!]), /1 packets received/);
  assert.equal(w.netnsFiles().length, 20);

  const removed = await Promise.all(names.map((name) => w.berthAsync(["rm", "-f", name])));
  for (const r of removed) assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(w.netnsFiles(), []);
  assert.deepEqual(w.links(), ["lo"], "no veth and no bridge stay");
  assert.equal(w.ok(["system", "check"]), "No problems found\n");
  assert.doesNotMatch(w.natRules(), /NETAVARK-HOSTPORT-DNAT .*dnat name/);
});

test("a host port another process holds fails the start as dockerd's proxy does, and leaves nothing half set up", { skip }, async (tc) => {
  const w = await World.make(tc);
  const holder = w.spawnIn([
    process.execPath,
    "-e",
    `const net = require("node:net"); const dgram = require("node:dgram");
     net.createServer().listen(18220, "127.0.0.1", () => {
       dgram.createSocket({ type: "udp6", ipv6Only: true }).bind({ port: 18221, address: "::" }, () => console.log("ready"));
     });`,
  ]);
  let ready = "";
  holder.stdout!.on("data", (c: Buffer) => (ready += c.toString()));
  await until("the holder listens", () => ready.includes("ready"));

  const tcp = w.berth(["run", "-d", "--name", "held", "-p", "127.0.0.1:18220:80", "busybox", "sleep", "600"]);
  assert.equal(tcp.code, 125);
  assert.match(
    tcp.stderr,
    /^berth: Error response from daemon: driver failed programming external connectivity on endpoint held \([0-9a-f]{64}\): Error starting userland proxy: listen tcp4 127\.0\.0\.1:18220: bind: address already in use\n\nRun 'berth run --help' for more information\n$/,
  );
  const state = w.inspect("held")["State"]!;
  assert.equal(state["Status"], "created");
  assert.match(state["Error"] as string, /Error starting userland proxy: listen tcp4 127\.0\.0\.1:18220: bind: address already in use$/);
  assert.equal(w.inspect("held")["NetworkSettings"]!["SandboxKey"], "");

  // All addresses: 0.0.0.0 is free for UDP, [::] is not.
  const udp = w.berth(["run", "-d", "--name", "heldudp", "-p", "18221:80/udp", "busybox", "sleep", "600"]);
  assert.equal(udp.code, 125);
  assert.match(
    udp.stderr,
    /on endpoint heldudp \([0-9a-f]{64}\): Error starting userland proxy: listen udp6 \[::\]:18221: bind: address already in use\n/,
  );

  // Nothing half made: no sandbox row, no namespace, no veth, no DNAT rule.
  assert.deepEqual(w.netnsFiles(), []);
  assert.deepEqual(w.links(), ["lo"]);
  assert.doesNotMatch(w.natRules(), /1822[01]/);
  assert.equal(w.ok(["system", "check"]), "No problems found\n");

  // Once the other process lets go, the same container starts, and the probe holds nothing itself.
  process.kill(holder.pid!, "SIGKILL");
  await until("the holder is gone", () => holder.exitCode !== null || holder.signalCode !== null);
  w.ok(["start", "held", "heldudp"]);
  assert.equal(w.ok(["port", "held"]), "80/tcp -> 127.0.0.1:18220\n");
  assert.equal(w.ok(["port", "heldudp"]), "80/udp -> 0.0.0.0:18221\n80/udp -> [::]:18221\n");
  w.ok(["rm", "-f", "held", "heldudp"]);
  assert.deepEqual(w.netnsFiles(), []);
});

test("the default bridge takes the first default pool the host uses for nothing else", { skip }, async (tc) => {
  const w = await World.make(tc);
  // 172.17.0.1/16 on an interface that is down (an address, no route) and 172.18/16 as a route only.
  for (const argv of [
    ["ip", "link", "add", "taken0", "type", "bridge"],
    ["ip", "addr", "add", "172.17.0.1/16", "dev", "taken0"],
    ["ip", "route", "add", "blackhole", "172.18.0.0/16"],
  ]) {
    const r = w.outside(argv);
    assert.equal(r.code, 0, r.stderr);
  }
  const out = w.ok(["run", "--rm", "busybox", "sh", "-c", "ip -4 -o addr show eth0; ip route"]);
  assert.match(out, /^\d+: eth0 +inet 172\.19\.0\.2\/16 /m);
  assert.match(out, /^default via 172\.19\.0\.1 dev eth0/m);
  // The choice is the network's from then on, even once 172.17 is free again.
  w.outside(["ip", "link", "del", "taken0"]);
  w.ok(["run", "-d", "--name", "later", "busybox", "sleep", "600"]);
  const settings = w.inspect("later")["NetworkSettings"]!;
  assert.equal(settings["IPAddress"], "172.19.0.2");
  assert.equal(settings["Gateway"], "172.19.0.1");
  assert.equal(settings["MacAddress"], "02:42:ac:13:00:02");
  w.ok(["rm", "-f", "later"]);
});
