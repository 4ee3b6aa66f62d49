// Times `berth run --rm --network none busybox true` one at a time and 20 in parallel, beside Docker or Podman
// when their commands are installed and answering, in the same run. It asserts nothing.
// Usage (root): node dist/bench/run-bench.js [--runs N] [--docker-host unix:///path]
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import { fileURLToPath } from "node:url";

const BERTH = fileURLToPath(new URL("../../bin/berth.js", import.meta.url));
const runs = Number(process.argv[process.argv.indexOf("--runs") + 1] || 20) || 20;
const dockerHost = process.argv.includes("--docker-host") ? process.argv[process.argv.indexOf("--docker-host") + 1] : undefined;

interface Engine {
  name: string;
  argv: (args: string[]) => string[];
  env?: NodeJS.ProcessEnv;
}

function timeOnce(engine: Engine, args: string[]): Promise<number> {
  const [cmd, ...rest] = engine.argv(args);
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, rest, { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, ...engine.env } });
    child.on("exit", (code) =>
      code === 0 ? resolve(Number(process.hrtime.bigint() - start) / 1e9) : reject(new Error(`${engine.name} exited ${code}`)),
    );
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function measure(engine: Engine): Promise<{ serial: number; parallel: number }> {
  await timeOnce(engine, ["run", "--rm", "--network", "none", "busybox", "true"]); // warm caches
  const serial: number[] = [];
  for (let i = 0; i < runs; i++) serial.push(await timeOnce(engine, ["run", "--rm", "--network", "none", "busybox", "true"]));
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: 20 }, () => timeOnce(engine, ["run", "--rm", "--network", "none", "busybox", "true"])));
  return { serial: median(serial), parallel: Number(process.hrtime.bigint() - start) / 1e9 };
}

const dir = fs.mkdtempSync(`${os.tmpdir()}/berth-run-bench-`);
try {
  const berth: Engine = { name: "berth", argv: (a) => [process.execPath, BERTH, "--root", `${dir}/root`, "--runroot", `${dir}/run`, ...a] };
  const tar = `${dir}/rootfs.tar`;
  spawnSync("bash", [fileURLToPath(new URL("../../scripts/busybox-rootfs.sh", import.meta.url)), tar]);
  spawnSync(berth.argv([])[0]!, [...berth.argv(["import", "-c", 'CMD ["sh"]', tar, "busybox"]).slice(1)]);
  const engines: Engine[] = [berth];
  if (dockerHost && spawnSync("docker", ["-H", dockerHost, "image", "inspect", "busybox"]).status === 0) {
    engines.push({ name: "docker", argv: (a) => ["docker", "-H", dockerHost, ...a] });
  }
  if (spawnSync("podman", ["image", "exists", "busybox"]).status === 0) engines.push({ name: "podman", argv: (a) => ["podman", ...a] });
  const results = new Map<string, { serial: number; parallel: number }>();
  for (const engine of engines) {
    const r = await measure(engine);
    results.set(engine.name, r);
    console.log(
      `${engine.name.padEnd(8)} run --rm busybox true: median ${r.serial.toFixed(3)} s over ${runs}; 20 in parallel: ${r.parallel.toFixed(2)} s`,
    );
  }
  const mine = results.get("berth")!;
  for (const [name, r] of results) {
    if (name !== "berth")
      console.log(
        `ratio berth/${name}: serial ${(mine.serial / r.serial).toFixed(2)}x, parallel ${(mine.parallel / r.parallel).toFixed(2)}x`,
      );
  }
} finally {
  spawnSync("bash", ["-c", `for p in $(grep -l ${dir} /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do kill -9 $p; done`]);
  fs.rmSync(dir, { recursive: true, force: true });
}
