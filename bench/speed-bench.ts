// Issue 14's measurement: how fast berth's commands are beside Docker's and Podman's, in one run.
// - the floor: bare `node -e ''` on the Node berth runs on;
// - read-only commands (`--version`, `images`, `ps -a`, `inspect`, `history`, `volume ls`, `network ls`)
//   and `run --rm --network none IMAGE true`: the median of N after one warm-up, engines taking turns
//   run by run so that a busy neighbour slows them alike; and 20 such runs at once (total wall time);
// - `diff` and `commit` of a container that wrote 2,000 files of 64 KiB (128 MiB) and deleted one, as
//   bench/commit-bench.ts makes it;
// - the peak RSS of each berth command (GNU time's %M: the largest resident set among the process and
//   the children it waited for; conmon's exit command for `run` is not among them), in runs of their own.
// Then a table of medians and ratios, and the aims, each "met" or "missed by" how much. It
// asserts nothing.
// Every engine gets the busybox of scripts/busybox-rootfs.sh, as IMAGE: berth `import`s it into a
// temporary --root/--runroot, Docker and Podman `load` what `berth save` writes (no registry is
// asked). Docker is a dockerd of the bench's own (`--bridge=none`, in a network namespace of its own,
// data root in the bench's directory) unless --docker-host names one: then the bench removes only
// what it made there, and that daemon's other images and containers count in `images` and `ps -a`.
// Podman, when installed, gets a root of its own. Everything goes at the end, also on failure and Ctrl-C.
// Results taken while the machine is busy are not comparable: the load average is printed at the
// start and at the end.
// Usage (root): node dist/bench/speed-bench.js [--quick] [--runs N] [--commits N] [--docker-host unix:///path]
// Defaults: 20 runs and 3 commits (--quick: 5 and 1).
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import { type Engine, Peers, installed, median, must, option, peakRssKib, quick, setting, timed } from "./peers.js";

const runs = setting("--runs", { full: 20, quick: 5 });
const commits = setting("--commits", { full: 3, quick: 1 });
const dockerHost = option("--docker-host");
const PARALLEL = 20;
/** A name of the bench's own, so that a daemon named with --docker-host keeps its own busybox. */
const IMAGE = "sbench/busybox:latest";
const SOURCE = "sbench-src";
const WRITE = "mkdir /data && i=0; while [ $i -lt 2000 ]; do head -c 65536 /dev/urandom > /data/f$i; i=$((i+1)); done; rm /bin/vi";
const READ_ONLY: readonly string[][] = [
  ["--version"],
  ["images"],
  ["ps", "-a"],
  ["inspect", IMAGE],
  ["history", IMAGE],
  ["volume", "ls"],
  ["network", "ls"],
];
const RUN = ["run", "--rm", "--network", "none", IMAGE, "true"];
const MB = 1e6;

type Kind = "floor" | "read-only" | "run" | "parallel" | "diff" | "commit";

interface Row {
  label: string;
  kind: Kind;
  /** Seconds by engine: a median, or the total wall time of the parallel runs. */
  seconds: Map<string, number>;
  /** Why an engine has no figure: its command failed (its first failure ends its turns). */
  failed: Map<string, string>;
  /** The berth command line whose peak RSS this row reports, if any. */
  rssArgs?: string[];
  rssKib?: number;
}

const peers = new Peers("sbench");
const dir = peers.dir;
const engines: Engine[] = [];
const skipped = new Map<string, string>();

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function newRow(label: string, kind: Kind): Row {
  return { label, kind, seconds: new Map(), failed: new Map() };
}

/** One warm-up round (not kept) when `warm`, then `count` rounds, engines taking turns; `before`
 * runs before each clock starts. */
async function measureRounds(
  row: Row,
  options: {
    among: readonly Engine[];
    args: (engine: Engine, round: number) => string[];
    count: number;
    warm: boolean;
    before?: () => void;
  },
): Promise<void> {
  const values = new Map<string, number[]>(options.among.map((e) => [e.name, []]));
  for (let i = options.warm ? 0 : 1; i <= options.count; i++) {
    for (const engine of options.among) {
      if (row.failed.has(engine.name)) continue;
      try {
        options.before?.();
        const t = await timed(engine, options.args(engine, i));
        if (i > 0) values.get(engine.name)!.push(t);
      } catch (err) {
        row.failed.set(engine.name, message(err));
      }
    }
  }
  for (const [name, list] of values) if (list.length && !row.failed.has(name)) row.seconds.set(name, median(list));
}

async function measureParallel(row: Row): Promise<void> {
  for (const engine of engines) {
    const start = process.hrtime.bigint();
    const results = await Promise.allSettled(Array.from({ length: PARALLEL }, () => timed(engine, RUN)));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const failures = results.filter((r) => r.status === "rejected");
    if (failures.length === 0) row.seconds.set(engine.name, seconds);
    else row.failed.set(engine.name, `${failures.length} of ${PARALLEL} failed, the first: ${message(failures[0]!.reason)}`);
  }
}

// ---- engines -----------------------------------------------------------------------------------

const created = { containers: [SOURCE], images: [IMAGE] };

async function startEngines(): Promise<Engine> {
  const berth = peers.berth();
  engines.push(berth);
  await must(berth, ["import", "-c", 'CMD ["sh"]', peers.busyboxRootfs(), IMAGE]);
  await must(berth, ["save", "-o", `${dir}/busybox.tar`, IMAGE]);

  let docker: Engine | undefined;
  if (dockerHost !== undefined) {
    if (!installed("docker")) throw new Error("--docker-host names a dockerd, but the docker CLI is not installed");
    docker = { name: "docker", argv: (a) => ["docker", "-H", dockerHost, ...a], env: { DOCKER_CONFIG: `${dir}/docker-config` } };
    await must(docker, ["version"]);
    // Not the bench's daemon: only what the bench made there goes at the end.
    const external = docker;
    peers.onCleanup(() => {
      const env = { ...process.env, ...external.env };
      const [cmd, ...rest] = external.argv(["rm", "-f", ...created.containers]);
      spawnSync(cmd!, rest, { stdio: "ignore", env });
      spawnSync(cmd!, external.argv(["rmi", ...created.images]).slice(1), { stdio: "ignore", env });
    });
  } else {
    docker = await peers.dockerd({ args: ["--bridge=none"] });
    if (!docker) skipped.set("docker", "not installed");
  }
  if (docker) {
    engines.push(docker);
    await must(docker, ["load", "-i", `${dir}/busybox.tar`]);
  }
  const podman = peers.podman();
  if (podman) {
    engines.push(podman);
    await must(podman, ["load", "-i", `${dir}/busybox.tar`]);
  } else {
    skipped.set("podman", "not installed");
  }
  return berth;
}

async function describeEngines(): Promise<void> {
  console.log(`node: ${process.version} (${process.execPath}), the floor and berth's runtime`);
  for (const engine of engines) console.log(`${engine.name}: ${(await must(engine, ["--version"])).trim()}`);
  const docker = engines.find((e) => e.name === "docker");
  if (docker) {
    const info = await must(docker, ["info", "-f", "{{.ServerVersion}} {{.Driver}}"]);
    const [version, driver] = info.trim().split(" ");
    console.log(`dockerd: ${version}, storage driver ${driver}, ${dockerHost ?? "the bench's own, --bridge=none"}`);
  }
}

// ---- the report --------------------------------------------------------------------------------

const PEERS = ["docker", "podman"] as const;

function cell(row: Row, name: string): string {
  const value = row.seconds.get(name);
  if (value !== undefined) return value.toFixed(3);
  if (row.failed.has(name)) return "FAILED";
  return skipped.has(name) ? "skipped" : "-";
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a !== undefined && b !== undefined ? `${(a / b).toFixed(2)}x` : "-";
}

function printTable(rows: readonly Row[], floor: number | undefined): void {
  const widths = [52, 8, 8, 8, 13, 13, 11, 13];
  const line = (cells: string[]) => console.log(cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : c.padStart(widths[i]!))).join(" "));
  console.log("");
  line([
    "command (median s; parallel: total s)",
    "berth",
    "docker",
    "podman",
    "berth/docker",
    "berth/podman",
    "berth/node",
    "berth RSS MB",
  ]);
  for (const row of rows) {
    const mine = row.seconds.get("berth");
    line([
      row.label,
      ...["berth", ...PEERS].map((name) =>
        row.kind === "floor" ? (name === "berth" ? (mine?.toFixed(3) ?? "FAILED") : "") : cell(row, name),
      ),
      ...PEERS.map((name) => (row.kind === "floor" ? "" : ratio(mine, row.seconds.get(name)))),
      row.kind === "read-only" ? ratio(mine, floor) : "",
      row.rssKib === undefined ? "" : ((row.rssKib * 1024) / MB).toFixed(1),
    ]);
  }
  console.log("(ratios below 1: berth faster; the floor row is bare `node -e ''`, in berth's column; MB = 10^6 bytes)");
  for (const [name, why] of skipped) console.log(`${name}: skipped, ${why}`);
  for (const row of rows)
    for (const [name, why] of row.failed) console.log(`FAILED ${row.label}: ${name}: ${why.replaceAll("\n", "\n  ")}`);
}

/** "met", or by how much `value` is above `limit`. */
function verdict(value: number, limit: number, unit: string, digits: number): string {
  if (value <= limit) return "met";
  return `missed by ${(value - limit).toFixed(digits)} ${unit} (${(value / limit).toFixed(2)}x the aim)`;
}

function whyNot(row: Row, name: string): string {
  if (row.failed.has(name)) return `${name} FAILED`;
  return skipped.has(name) ? `${name} ${skipped.get(name)}` : `no ${name} figure`;
}

/** An aim "berth <= factor x the other": `other` is an engine name or the floor. */
function aimAgainst(row: Row, other: { name: string; value: number | undefined }, factor: number, words: string): void {
  const mine = row.seconds.get("berth");
  const theirs = other.value;
  const title = `aim: ${row.label}: ${words}`;
  if (mine === undefined) return console.log(`${title}: not measured (berth FAILED)`);
  if (theirs === undefined)
    return console.log(`${title}: not measured (${other.name === "node" ? "the floor FAILED" : whyNot(row, other.name)})`);
  const limit = theirs * factor;
  console.log(`${title}: berth ${mine.toFixed(3)} s, aim <= ${limit.toFixed(3)} s: ${verdict(mine, limit, "s", 3)}`);
}

function printAims(rows: readonly Row[], floor: number | undefined): void {
  console.log("");
  const of = (kind: Kind) => rows.filter((r) => r.kind === kind);
  const peer = (row: Row, name: string) => ({ name, value: row.seconds.get(name) });
  for (const row of of("read-only")) {
    aimAgainst(row, { name: "node", value: floor }, 1.5, "<= 1.5x bare node");
    aimAgainst(row, peer(row, "podman"), 1, "faster than podman");
  }
  for (const row of of("run")) {
    aimAgainst(row, peer(row, "docker"), 0.7, "<= 0.7x docker");
    aimAgainst(row, peer(row, "podman"), 1, "faster than podman");
  }
  for (const row of of("parallel")) aimAgainst(row, peer(row, "docker"), 1, "faster than docker");
  for (const row of of("commit")) aimAgainst(row, peer(row, "docker"), 0.5, "<= 0.5x docker");
  for (const row of of("diff")) aimAgainst(row, peer(row, "docker"), 1, "no slower than docker");
  const measured = rows.filter((r) => r.rssKib !== undefined && r.kind !== "floor");
  if (measured.length === 0) return console.log("aim: peak RSS <= 150 MB: not measured");
  const largest = measured.reduce((a, b) => (b.rssKib! > a.rssKib! ? b : a));
  const mb = (largest.rssKib! * 1024) / MB;
  console.log(`aim: peak RSS <= 150 MB: largest ${mb.toFixed(1)} MB (${largest.label}): ${verdict(mb, 150, "MB", 1)}`);
}

// ---- the run -----------------------------------------------------------------------------------

const loadAverage = () =>
  `${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} (${os.availableParallelism()} CPUs)`;

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("speed-bench needs root (namespaces, mounts, dockerd)");
  console.log(`speed bench: median of ${runs} runs after a warm-up, ${commits} commit(s)${quick ? " (--quick)" : ""}`);
  console.log(`load average at start: ${loadAverage()}`);
  const berth = await startEngines();
  await describeEngines();

  const floorEngine: Engine = { name: "berth", argv: (a) => [process.execPath, ...a] };
  const floorRow = newRow("bare node -e ''", "floor");
  floorRow.rssArgs = [];
  await measureRounds(floorRow, { among: [floorEngine], args: () => ["-e", ""], count: runs, warm: true });

  const rows: Row[] = [floorRow];
  for (const args of READ_ONLY) {
    const row = newRow(args.join(" "), "read-only");
    row.rssArgs = args;
    await measureRounds(row, { among: engines, args: () => args, count: runs, warm: true });
    rows.push(row);
  }
  const runRow = newRow(RUN.join(" "), "run");
  runRow.rssArgs = RUN;
  await measureRounds(runRow, { among: engines, args: () => RUN, count: runs, warm: true });
  const parallelRow = newRow(`${PARALLEL} x run, in parallel (total)`, "parallel");
  await measureParallel(parallelRow);
  rows.push(runRow, parallelRow);

  // The container of diff and commit: the same in every engine, made before any clock starts.
  const ready: Engine[] = [];
  const diffRow = newRow(`diff (2,000 files written, 1 deleted)`, "diff");
  const commitRow = newRow(`commit (2,000 files, 128 MiB)`, "commit");
  for (const engine of engines) {
    try {
      await must(engine, ["run", "--network", "none", "--name", SOURCE, IMAGE, "sh", "-c", WRITE]);
      ready.push(engine);
    } catch (err) {
      for (const row of [diffRow, commitRow]) row.failed.set(engine.name, message(err));
    }
  }
  // Dirty pages of what came before are written out before each clock starts, not during it.
  const sync = () => void spawnSync("sync");
  diffRow.rssArgs = ["diff", SOURCE];
  await measureRounds(diffRow, { among: ready, args: () => ["diff", SOURCE], count: runs, warm: true, before: sync });
  const commitImage = (round: number) => {
    const image = `sbench/commit-${round}`;
    created.images.push(image);
    return image;
  };
  commitRow.rssArgs = ["commit", SOURCE, commitImage(0)];
  await measureRounds(commitRow, {
    among: ready,
    args: (_, i) => ["commit", SOURCE, commitImage(i)],
    count: commits,
    warm: false,
    before: sync,
  });
  rows.push(diffRow, commitRow);

  if (installed("/usr/bin/time")) {
    for (const row of rows) {
      if (row.rssArgs === undefined || row.failed.has("berth")) continue;
      try {
        row.rssKib = row.kind === "floor" ? await peakRssKib(floorEngine, ["-e", ""], dir) : await peakRssKib(berth, row.rssArgs, dir);
      } catch (err) {
        console.log(`peak RSS of ${row.label}: ${message(err)}`);
      }
    }
  } else {
    console.log("peak RSS not measured: /usr/bin/time (GNU time) is not installed");
  }

  const floor = floorRow.seconds.get("berth");
  printTable(rows, floor);
  printAims(rows, floor);
  console.log(`\nload average at end: ${loadAverage()}`);
}

try {
  await main();
} catch (err) {
  console.error(`speed-bench: ${message(err)}`);
  process.exitCode = 1;
} finally {
  peers.cleanup();
}
