// Networking, for berth beside Docker (and Podman when installed) in one run: `run --rm busybox true`
// on the default bridge, the time until a published port answers HTTP, throughput from loopback
// through a published port, and between two containers on a user network. It asserts nothing.
// Each engine works inside a network namespace made here (Docker with its own dockerd), so no
// bridge, veth or iptables rule lands in the host's; all of it goes at the end, also on Ctrl-C.
// Usage (root): node dist/bench/network-bench.js [--quick] [--runs N] [--transfers N] [--size-mib M] [--port P]
// (or BENCH_RUNS, BENCH_TRANSFERS, BENCH_SIZE_MIB, BENCH_PORT in the environment).
import { spawn, spawnSync } from "node:child_process";
import { type Engine as PeerEngine, Peers, inNetns, median, must, quick, run, setting, sleep } from "./peers.js";

const runs = setting("--runs", { env: "BENCH_RUNS", full: 10, quick: 3 });
const transfers = setting("--transfers", { env: "BENCH_TRANSFERS", full: 3, quick: 1 });
const sizeMib = setting("--size-mib", { env: "BENCH_SIZE_MIB", full: 1024, quick: 64 });
const basePort = setting("--port", { env: "BENCH_PORT", full: 18400, quick: 18400 });

/** The listener of both throughput measures: busybox nc hands the connection to dd as its stdin,
 * because nc's own copy loop moves a few kilobytes per poll (37 MB/s here) and would be the thing
 * measured. The clock is read in the container when the connection arrives and at EOF; fullblock
 * makes dd's record count the number of MiB that arrived. */
const RECEIVER = [
  "nc -l -p 8080 -e sh -c 'adjtimex > /tmp/t0; dd of=/dev/null bs=1M iflag=fullblock 2> /tmp/dd; echo rc=$? >> /tmp/dd; adjtimex > /tmp/t1' &",
  "while ! netstat -ltn | grep -q ':8080 '; do usleep 10000; done",
  "echo listening",
  "wait $!",
  "cat /tmp/t0 /tmp/t1 /tmp/dd",
].join("\n");

interface Engine extends PeerEngine {
  netns: string;
  /** The user network of measure 4, or why the engine has none. */
  network?: { name: string } | { skipped: string };
}

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

// ---- the four measures -------------------------------------------------------------------------

async function runTrue(engine: Engine): Promise<number> {
  const start = process.hrtime.bigint();
  await must(engine, ["run", "--rm", "busybox", "true"]);
  return seconds(start);
}

/** From the start of `run -d -p` until a GET through the published port on 127.0.0.1 gets a 200.
 * The poller (busybox wget in the engine's namespace) is running before the clock starts. Its own
 * -T timeout makes Debian's busybox 1.35 wget segfault, hence timeout(1). */
async function timeToHttp(engine: Engine, name: string, port: number): Promise<number> {
  const poller = spawn(
    "nsenter",
    [
      `--net=/run/netns/${engine.netns}`,
      "busybox",
      "sh",
      "-c",
      `echo polling; until timeout 2 busybox wget -q -O /dev/null http://127.0.0.1:${port}/passwd 2>/dev/null; do usleep 20000; done; echo answered`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    let start = 0n;
    const answered = new Promise<number>((resolve, reject) => {
      let out = "";
      poller.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("answered")) resolve(seconds(start));
      });
      poller.on("error", reject);
      poller.on("close", () => reject(new Error(`${engine.name}: the HTTP poller ended before port ${port} answered`)));
    });
    await new Promise<void>((resolve) => poller.stdout.once("data", () => resolve()));
    start = process.hrtime.bigint();
    const args = ["run", "-d", "--name", name, "-p", `127.0.0.1:${port}:8080`, "busybox", "httpd", "-f", "-p", "8080", "-h", "/etc"];
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${engine.name}: port ${port} never answered`)), 60_000);
    });
    try {
      const [, elapsed] = await Promise.all([must(engine, args), Promise.race([answered, timeout])]);
      return elapsed;
    } finally {
      clearTimeout(timer);
    }
  } finally {
    if (poller.exitCode === null) poller.kill("SIGKILL");
    await run(engine.argv(["rm", "-f", name]), engine.env);
  }
}

async function waitForLog(engine: Engine, name: string, text: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await must(engine, ["logs", name])).includes(text)) {
    if (Date.now() > deadline) throw new Error(`${engine.name}: ${name} never printed "${text}"`);
    await sleep(50);
  }
}

/** Starts a receiver, lets `send` connect to it, and returns MB/s as the receiver's clock saw it. */
async function transfer(engine: Engine, name: string, runArgs: string[], send: (receiver: string) => Promise<void>): Promise<number> {
  try {
    await must(engine, ["run", "-d", "--name", name, ...runArgs, "busybox", "sh", "-c", RECEIVER]);
    await waitForLog(engine, name, "listening");
    await send(name);
    const code = (await must(engine, ["wait", name])).trim();
    const log = await must(engine, ["logs", name]);
    if (code !== "0") throw new Error(`${engine.name}: receiver ${name} exited ${code}: ${log}`);
    const usec = [...log.matchAll(/time\.tv_sec:\s*(\d+)\s+time\.tv_usec:\s*(\d+)/g)].map((m) => Number(m[1]) * 1e6 + Number(m[2]));
    const records = /(\d+)\+(\d+) records in/.exec(log);
    if (usec.length !== 2 || !records || !log.includes("rc=0")) throw new Error(`${engine.name}: receiver ${name} printed ${log}`);
    if (records[1] !== String(sizeMib) || records[2] !== "0") {
      throw new Error(`${engine.name}: receiver ${name} got ${records[1]}+${records[2]} MiB records, not ${sizeMib}`);
    }
    return (sizeMib * 1048576) / 1e6 / ((usec[1]! - usec[0]!) / 1e6);
  } finally {
    await run(engine.argv(["rm", "-f", name]), engine.env);
  }
}

/** From the engine's namespace's loopback through the published port: docker-proxy for Docker (it
 * never DNATs loopback), netavark's DNAT for berth. */
function throughPublishedPort(engine: Engine, name: string, port: number): Promise<number> {
  return transfer(engine, name, ["-p", `127.0.0.1:${port}:8080`], async () => {
    const argv = inNetns(engine.netns, [
      "busybox",
      "nc",
      "127.0.0.1",
      String(port),
      "-e",
      "busybox",
      "dd",
      "if=/dev/zero",
      "bs=1M",
      `count=${sizeMib}`,
    ]);
    const r = await run(argv);
    if (r.code !== 0) throw new Error(`${engine.name}: sender to 127.0.0.1:${port} exited ${r.code}: ${r.stderr}`);
  });
}

function betweenContainers(engine: Engine, network: string, name: string): Promise<number> {
  return transfer(engine, name, ["--network", network], async (receiver) => {
    const [info] = JSON.parse(await must(engine, ["inspect", receiver])) as {
      NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
    }[];
    const ip = info?.NetworkSettings.Networks[network]?.IPAddress;
    if (!ip) throw new Error(`${engine.name}: ${receiver} has no address on ${network}`);
    await must(engine, [
      "run",
      "--rm",
      "--network",
      network,
      "busybox",
      "nc",
      ip,
      "8080",
      "-e",
      "dd",
      "if=/dev/zero",
      "bs=1M",
      `count=${sizeMib}`,
    ]);
  });
}

// ---- engines ---------------------------------------------------------------------------------

const peers = new Peers("nbench");
const dir = peers.dir;
const engines: Engine[] = [];

/** An engine of the peers with the namespace every engine of this bench has. */
function withNetns(engine: PeerEngine): Engine {
  if (engine.netns === undefined) throw new Error(`${engine.name} has no network namespace`);
  const withOne: Engine = { ...engine, netns: engine.netns };
  engines.push(withOne);
  return withOne;
}

peers.onCleanup(() => {
  for (const engine of engines) {
    if (engine.network && "name" in engine.network) {
      const [cmd, ...rest] = engine.argv(["network", "rm", engine.network.name]);
      spawnSync(cmd!, rest, { stdio: "ignore", env: { ...process.env, ...engine.env } });
    }
  }
});

async function startBerth(): Promise<Engine> {
  const engine = withNetns(peers.berth({ netns: true }));
  const rootfs = peers.busyboxRootfs();
  await must(engine, ["import", "-c", 'CMD ["sh"]', rootfs, "busybox:latest"]);
  await must(engine, ["save", "-o", `${dir}/busybox.tar`, "busybox:latest"]);
  return engine;
}

async function startDocker(): Promise<Engine | undefined> {
  const docker = await peers.dockerd();
  if (!docker) return undefined;
  const engine = withNetns(docker);
  await must(engine, ["load", "-i", `${dir}/busybox.tar`]);
  return engine;
}

async function startPodman(): Promise<Engine | undefined> {
  const podman = peers.podman({ netns: true });
  if (!podman) return undefined;
  const engine = withNetns(podman);
  await must(engine, ["load", "-i", `${dir}/busybox.tar`]);
  return engine;
}

async function createUserNetwork(engine: Engine): Promise<void> {
  const name = "nbench-net";
  const r = await run(engine.argv(["network", "create", name]), engine.env);
  if (r.code === 0) engine.network = { name };
  else if (/not support/.test(r.stderr)) engine.network = { skipped: r.stderr.trim() };
  else throw new Error(`${engine.name} network create ${name}: exit ${r.code}: ${r.stderr.trim()}`);
}

// ---- the run -----------------------------------------------------------------------------------

interface Measure {
  title: string;
  unit: string;
  higherIsBetter: boolean;
  values: Map<string, number[]>;
  skipped: Map<string, string>;
}

function report(measure: Measure, all: readonly Engine[]): void {
  console.log(`\n${measure.title}`);
  const medians = new Map<string, number>();
  for (const engine of all) {
    const values = measure.values.get(engine.name);
    const skipped = measure.skipped.get(engine.name);
    if (skipped !== undefined) {
      console.log(`  ${engine.name.padEnd(7)} skipped: ${skipped}`);
    } else if (values?.length) {
      medians.set(engine.name, median(values));
      const digits = measure.unit === "s" ? 3 : 0;
      console.log(
        `  ${engine.name.padEnd(7)} median ${median(values).toFixed(digits)} ${measure.unit} over ${values.length} (${values.map((v) => v.toFixed(digits)).join(", ")})`,
      );
    }
  }
  const mine = medians.get("berth");
  const others = [...medians].filter(([name]) => name !== "berth");
  if (mine === undefined || others.length === 0) return;
  const [bestName, best] = others.reduce((a, b) => ((measure.higherIsBetter ? b[1] > a[1] : b[1] < a[1]) ? b : a));
  const better = measure.higherIsBetter ? "above 1: berth faster" : "below 1: berth faster";
  console.log(`  ratio berth/${bestName} (fastest other): ${(mine / best).toFixed(2)}x (${better})`);
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("network-bench needs root (namespaces, mounts, dockerd)");
  console.log(`network bench: ${runs} runs, ${transfers} transfers of ${sizeMib} MiB${quick ? " (--quick)" : ""}; MB = 10^6 bytes`);
  const berth = await startBerth();
  await startDocker();
  await startPodman();
  for (const engine of engines) await createUserNetwork(engine);

  const measure = (title: string, unit: string, higherIsBetter: boolean): Measure => ({
    title,
    unit,
    higherIsBetter,
    values: new Map(engines.map((e) => [e.name, []])),
    skipped: new Map(),
  });
  const m1 = measure("1. run --rm busybox true, default bridge", "s", false);
  const m2 = measure("2. run -d -p 127.0.0.1:PORT:8080 busybox httpd until GET answers 200", "s", false);
  const m3 = measure(`3. ${sizeMib} MiB from loopback through a published port into a container`, "MB/s", true);
  const m4 = measure(`4. ${sizeMib} MiB between two containers on a user network`, "MB/s", true);

  // Engines take turns run by run, so that a busy neighbour on the machine slows them alike. The
  // first round of each measure warms caches (the bridge is made, the image is read) and is not kept.
  let port = basePort;
  for (let i = 0; i <= runs; i++) {
    for (const engine of engines) {
      const t = await runTrue(engine);
      if (i > 0) m1.values.get(engine.name)!.push(t);
    }
  }
  for (let i = 0; i <= runs; i++) {
    for (const engine of engines) {
      const t = await timeToHttp(engine, `nb-http-${i}`, port++);
      if (i > 0) m2.values.get(engine.name)!.push(t);
    }
  }
  for (let i = 0; i < transfers; i++) {
    for (const engine of engines) m3.values.get(engine.name)!.push(await throughPublishedPort(engine, `nb-port-${i}`, port++));
  }
  for (const engine of engines) {
    if (engine.network && "skipped" in engine.network)
      m4.skipped.set(engine.name, `\`${engine.name} network create\` says: ${engine.network.skipped}`);
  }
  for (let i = 0; i < transfers; i++) {
    for (const engine of engines) {
      if (engine.network && "name" in engine.network) {
        m4.values.get(engine.name)!.push(await betweenContainers(engine, engine.network.name, `nb-net-${i}`));
      }
    }
  }
  const docker = engines.find((e) => e.name === "docker");
  if (docker) {
    const driver = (await must(docker, ["info", "-f", "{{.Driver}}"])).trim();
    const ids = await Promise.all(
      [berth, docker].map(async (e) => (await must(e, ["image", "inspect", "-f", "{{.Id}}", "busybox:latest"])).trim()),
    );
    console.log(`docker storage driver: ${driver}; busybox:latest is ${ids[0]} in berth and ${ids[1]} in docker`);
  }
  for (const m of [m1, m2, m3, m4]) report(m, engines);
}

try {
  await main();
} catch (err) {
  console.error(`network-bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  peers.cleanup();
}
