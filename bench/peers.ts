// What the benches that put berth beside Docker and Podman share: a temporary directory, berth on a
// root inside it, a private dockerd in a network namespace of its own, Podman when it is installed,
// and leaving nothing behind: at the end, and also on Ctrl-C, `Peers.cleanup` removes the containers
// of every engine the bench owns, stops the dockerd, kills what is left in the bench's namespaces or
// names its directory, unmounts what lies in that directory, and deletes the namespaces and the
// directory. Engines the bench does not own (a dockerd named with --docker-host) are left to the
// bench, through `onCleanup`.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";

export const BERTH = fileURLToPath(new URL("../../bin/berth.js", import.meta.url));
const ROOTFS_SCRIPT = fileURLToPath(new URL("../../scripts/busybox-rootfs.sh", import.meta.url));

export const quick = process.argv.includes("--quick");

/** A positive integer from `flag`, else from `env` in the environment, else `full` (`quick` with --quick). */
export function setting(flag: string, defaults: { env?: string; full: number; quick: number }): number {
  const i = process.argv.indexOf(flag);
  const text = i >= 0 ? process.argv[i + 1] : defaults.env === undefined ? undefined : process.env[defaults.env];
  if (text === undefined) return quick ? defaults.quick : defaults.full;
  const value = Number(text);
  const name = defaults.env === undefined ? flag : `${flag} (${defaults.env})`;
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not ${text}`);
  return value;
}

/** The value after `flag`, if given. */
export function option(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`${flag} needs a value`);
  return value;
}

export interface Engine {
  name: string;
  /** The full command line of one of the engine's commands. */
  argv: (args: string[]) => string[];
  env?: NodeJS.ProcessEnv;
  /** The network namespace the engine's commands (or its daemon) run in, when it has one. */
  netns?: string;
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(argv: readonly string[], env?: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const lastLines = (text: string, n: number) => text.trimEnd().split("\n").slice(-n).join("\n");

/** The command's stdout; its exit status other than 0 throws, with the last lines it printed. */
export async function must(engine: Engine, args: string[]): Promise<string> {
  const r = await run(engine.argv(args), engine.env);
  if (r.code !== 0) throw new Error(`${engine.name} ${args.join(" ")}: exit ${r.code}:\n${lastLines(r.stderr || r.stdout, 20)}`);
  return r.stdout;
}

/** Wall time in seconds of one command, from spawn to exit, output collected (and shown only when it fails). */
export async function timed(engine: Engine, args: string[]): Promise<number> {
  const start = process.hrtime.bigint();
  await must(engine, args);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** GNU time's %M (KiB) for one command of `engine`, run outside any timed round: time(1) adds a fork
 * and an exec. Its report goes to a file in `dir`. */
export async function peakRssKib(engine: Engine, args: string[], dir: string): Promise<number> {
  const out = `${dir}/rss`;
  const r = await run(["/usr/bin/time", "-f", "%M", "-o", out, ...engine.argv(args)], engine.env);
  if (r.code !== 0) throw new Error(`${engine.name} ${args.join(" ")}: exit ${r.code}: ${r.stderr.trim()}`);
  // A failing command adds a line before the figure.
  const kib = Number(fs.readFileSync(out, "utf8").trim().split("\n").pop());
  if (!Number.isFinite(kib) || kib <= 0) throw new Error(`/usr/bin/time wrote no peak RSS for ${engine.name} ${args.join(" ")}`);
  return kib;
}

export function inNetns(netns: string, argv: string[]): string[] {
  return ["nsenter", `--net=/run/netns/${netns}`, ...argv];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function installed(...commands: string[]): boolean {
  return spawnSync("sh", ["-c", commands.map((c) => `command -v ${c}`).join(" && ")], { stdio: "ignore" }).status === 0;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class Peers {
  /** The bench's temporary directory; everything in it goes at the end. */
  readonly dir: string;
  readonly #prefix: string;
  readonly #namespaces: string[] = [];
  /** Engines whose every container is the bench's: removed at the end. */
  readonly #owned: Engine[] = [];
  readonly #hooks: (() => void)[] = [];
  #dockerd: number | undefined;
  #cleaned = false;

  /** `prefix` names the directory (/tmp/PREFIX-XXXXXX) and the namespaces (PREFIX-ENGINE-PID). Keep
   * it short: conmon's socket path under berth's runroot here must stay within 107 bytes.
   * Ctrl-C (and SIGTERM, SIGHUP) clean up and end the process. */
  constructor(prefix: string) {
    this.#prefix = prefix;
    this.dir = fs.mkdtempSync(`/tmp/${prefix}-`);
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      process.on(signal, () => {
        console.error(`\n${signal}: removing the bench's containers, daemons, namespaces and files`);
        this.cleanup();
        process.exit(130);
      });
    }
  }

  /** A network namespace with `lo` up, deleted at the end. */
  makeNetns(engineName: string): string {
    const name = `${this.#prefix}-${engineName}-${process.pid}`;
    for (const argv of [
      ["ip", "netns", "add", name],
      ["ip", "-n", name, "link", "set", "lo", "up"],
    ]) {
      const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
      if (argv[2] === "add") this.#namespaces.push(name);
    }
    return name;
  }

  /** Runs at the end before the dockerd stops; synchronous, so that it also runs from a signal handler. */
  onCleanup(hook: () => void): void {
    this.#hooks.push(hook);
  }

  /** Writes the busybox root file system of scripts/busybox-rootfs.sh to a tar in the directory. */
  busyboxRootfs(): string {
    const tar = `${this.dir}/rootfs.tar`;
    if (fs.existsSync(tar)) return tar;
    const r = spawnSync("bash", [ROOTFS_SCRIPT, tar], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`busybox-rootfs.sh: ${r.stderr}`);
    return tar;
  }

  /** berth on this Node with a root and runroot in the directory; in a namespace of its own if `netns`. */
  berth(options: { netns?: boolean } = {}): Engine {
    const root = ["--root", `${this.dir}/berth/root`, "--runroot", `${this.dir}/berth/run`];
    const netns = options.netns ? this.makeNetns("berth") : undefined;
    const engine: Engine = {
      name: "berth",
      argv: (a) => {
        const argv = [process.execPath, BERTH, ...root, ...a];
        return netns === undefined ? argv : inNetns(netns, argv);
      },
    };
    if (netns !== undefined) engine.netns = netns;
    this.#owned.push(engine);
    return engine;
  }

  /** A dockerd of the bench's own (data root in the directory, in a namespace of its own), once it
   * answers; undefined, with a note, when dockerd or the docker CLI is not installed. */
  async dockerd(options: { args?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<Engine | undefined> {
    if (!installed("dockerd", "docker")) {
      console.log("docker: not installed, skipped");
      return undefined;
    }
    const home = `${this.dir}/docker`;
    fs.mkdirSync(home);
    const netns = this.makeNetns("docker");
    const engine: Engine = {
      name: "docker",
      netns,
      argv: (a) => ["docker", "-H", `unix://${home}/sock`, ...a],
      env: { DOCKER_CONFIG: `${home}/config`, ...options.env },
    };
    const log = fs.openSync(`${home}/dockerd.log`, "a");
    const daemon = ["dockerd", "--data-root", `${home}/root`, "--exec-root", `${home}/exec`, "--pidfile", `${home}/pid`];
    // Its own process group: Ctrl-C reaches the bench, which removes the containers before dockerd.
    const child = spawn(
      "nsenter",
      [
        `--net=/run/netns/${netns}`,
        ...daemon,
        "-H",
        `unix://${home}/sock`,
        "--default-ulimit",
        "nofile=20000:20000",
        ...(options.args ?? []),
      ],
      { detached: true, stdio: ["ignore", log, log] },
    );
    fs.closeSync(log);
    child.unref();
    this.#dockerd = child.pid!;
    this.#owned.push(engine);
    const deadline = Date.now() + 60_000;
    while ((await run(engine.argv(["version"]), engine.env)).code !== 0) {
      if (!alive(child.pid!) || Date.now() > deadline) throw new Error(`dockerd did not start; see ${home}/dockerd.log`);
      await sleep(200);
    }
    return engine;
  }

  /** Podman with its root, runroot and network files in the directory; in a namespace of its own if
   * `netns`. Undefined, with a note, when podman is not installed. */
  podman(options: { netns?: boolean } = {}): Engine | undefined {
    if (!installed("podman")) {
      console.log("podman: not installed, skipped");
      return undefined;
    }
    const home = `${this.dir}/podman`;
    // Its network files stay in the bench's directory, not in /etc/containers/networks.
    const flags = ["--root", `${home}/root`, "--runroot", `${home}/run`, "--network-config-dir", `${home}/networks`];
    const netns = options.netns ? this.makeNetns("podman") : undefined;
    const engine: Engine = {
      name: "podman",
      argv: (a) => (netns === undefined ? ["podman", ...flags, ...a] : inNetns(netns, ["podman", ...flags, ...a])),
    };
    if (netns !== undefined) engine.netns = netns;
    this.#owned.push(engine);
    return engine;
  }

  /** Synchronous, so that it also runs whole from a signal handler; a second call does nothing. */
  cleanup(): void {
    if (this.#cleaned) return;
    this.#cleaned = true;
    for (const engine of this.#owned) {
      const env = { ...process.env, ...engine.env };
      const [cmd, ...rest] = engine.argv(["ps", "-aq"]);
      const list = spawnSync(cmd!, rest, { encoding: "utf8", env }).stdout?.split("\n").filter(Boolean) ?? [];
      if (list.length) spawnSync(cmd!, engine.argv(["rm", "-f", ...list]).slice(1), { stdio: "ignore", env });
    }
    for (const hook of this.#hooks) {
      try {
        hook();
      } catch (err) {
        console.error(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const dockerd = this.#dockerd;
    if (dockerd !== undefined && alive(dockerd)) {
      process.kill(dockerd, "SIGTERM");
      for (let i = 0; i < 300 && alive(dockerd); i++) sleepSync(100);
      if (alive(dockerd)) process.kill(dockerd, "SIGKILL");
    }
    // What is left (a command killed by Ctrl-C, conmon, containerd and its shims) either names the
    // bench's directory or lives in one of its namespaces; nothing else does.
    const leftovers = new Set<number>();
    for (const ns of this.#namespaces) {
      const r = spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" });
      for (const pid of r.stdout?.split("\n").filter(Boolean) ?? []) leftovers.add(Number(pid));
    }
    for (const entry of fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
      try {
        if (fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(this.dir)) leftovers.add(Number(entry));
      } catch {
        // gone already
      }
    }
    leftovers.delete(process.pid);
    for (const pid of leftovers) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
    const mounts = fs
      .readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .map((line) => line.split(" ")[4] ?? "")
      .filter((target) => target.startsWith(`${this.dir}/`));
    for (const target of mounts.reverse()) spawnSync("umount", ["-l", target]);
    for (const ns of this.#namespaces) spawnSync("ip", ["netns", "del", ns]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
