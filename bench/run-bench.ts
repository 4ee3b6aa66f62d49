// Times `berth run --rm --network none busybox true` one at a time and 20 in parallel, beside Docker or Podman
// when their commands are installed and answering, in the same run. It asserts nothing.
// Usage (root): node dist/bench/run-bench.js [--runs N] [--docker-host unix:///path]
import { spawn, spawnSync } from "node:child_process";
import { type Engine, Peers, median, must, option, setting } from "./peers.js";

const runs = setting("--runs", { full: 20, quick: 20 });
const dockerHost = option("--docker-host");

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

async function measure(engine: Engine): Promise<{ serial: number; parallel: number }> {
  await timeOnce(engine, ["run", "--rm", "--network", "none", "busybox", "true"]); // warm caches
  const serial: number[] = [];
  for (let i = 0; i < runs; i++) serial.push(await timeOnce(engine, ["run", "--rm", "--network", "none", "busybox", "true"]));
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: 20 }, () => timeOnce(engine, ["run", "--rm", "--network", "none", "busybox", "true"])));
  return { serial: median(serial), parallel: Number(process.hrtime.bigint() - start) / 1e9 };
}

const peers = new Peers("rbench");
try {
  const berth = peers.berth();
  await must(berth, ["import", "-c", 'CMD ["sh"]', peers.busyboxRootfs(), "busybox"]);
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
  peers.cleanup();
}
