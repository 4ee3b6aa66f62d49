// Issue 4's measurement: a container that wrote 2,000 files of 64 KiB (128 MiB) and deleted one;
// times diff, commit, export, and import of the export, beside Docker when --docker-host is given.
// Usage (root): node dist/bench/commit-bench.js [--docker-host unix:///path]
import { spawnSync } from "node:child_process";
import { Peers, must, option } from "./peers.js";

const dockerHost = option("--docker-host");
const WRITE = "mkdir /data && i=0; while [ $i -lt 2000 ]; do head -c 65536 /dev/urandom > /data/f$i; i=$((i+1)); done; rm /bin/vi";

function timed(label: string, argv: string[], env: NodeJS.ProcessEnv = {}): number {
  spawnSync("sync");
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0]!, argv.slice(1), {
    env: { ...process.env, ...env },
    maxBuffer: 1 << 30,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${label}: ${r.stderr}`);
  console.log(`${label.padEnd(34)} ${seconds.toFixed(2)} s`);
  return seconds;
}

function suite(name: string, cli: string[], dir: string): Record<string, number> {
  spawnSync(cli[0]!, [...cli.slice(1), "rm", "-f", "bench-src"], { stdio: "ignore" });
  const made = spawnSync(cli[0]!, [...cli.slice(1), "run", "--network", "none", "--name", "bench-src", "busybox", "sh", "-c", WRITE]);
  if (made.status !== 0) throw new Error(`${name} run: ${made.stderr}`);
  const out = {
    diff: timed(`${name} diff`, [...cli, "diff", "bench-src"]),
    commit: timed(`${name} commit`, [...cli, "commit", "bench-src", "bench-img"]),
    export: timed(`${name} export`, [...cli, "export", "-o", `${dir}/${name}.tar`, "bench-src"]),
    import: timed(`${name} import`, [...cli, "import", `${dir}/${name}.tar`, "bench-flat"]),
  };
  spawnSync(cli[0]!, [...cli.slice(1), "rm", "-f", "bench-src"], { stdio: "ignore" });
  spawnSync(cli[0]!, [...cli.slice(1), "rmi", "bench-img", "bench-flat"], { stdio: "ignore" });
  return out;
}

const peers = new Peers("cbench");
try {
  const berth = peers.berth();
  await must(berth, ["import", "-c", 'CMD ["sh"]', peers.busyboxRootfs(), "busybox"]);
  const results: Record<string, Record<string, number>> = { berth: suite("berth", berth.argv([]), peers.dir) };
  if (dockerHost) results.docker = suite("docker", ["docker", "-H", dockerHost], peers.dir);
  if (results.docker) {
    for (const op of ["diff", "commit", "export", "import"]) {
      console.log(`ratio berth/docker ${op.padEnd(7)} ${(results.berth![op]! / results.docker[op]!).toFixed(2)}x`);
    }
  }
} finally {
  peers.cleanup();
}
