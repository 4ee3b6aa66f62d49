// Measures berth serve: requests per second for GET /containers/json?all=1 and GET /images/json
// with 1,000 images and 200 containers, and the latency of `docker run --rm busybox true` through
// it; the same against Docker's daemon when --docker-host names one (a throwaway one: the bench
// fills it with the same images and containers, and removes them after). It asserts nothing.
// Usage (root): node dist/bench/api-bench.js [--seconds S] [--runs N] [--docker-host unix:///path]
import * as fs from "node:fs";
import * as os from "node:os";
import * as http from "node:http";
import * as net from "node:net";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import tarStream from "tar-stream";

const BERTH = fileURLToPath(new URL("../../bin/berth.js", import.meta.url));
const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const seconds = Number(arg("--seconds") ?? 5);
const runs = Number(arg("--runs") ?? 10);
const dockerHost = arg("--docker-host");
const IMAGES = 1000;
const CONTAINERS = 200;
const DOCKER = ["/usr/local/bin/docker", "/usr/bin/docker"].find((p) => fs.existsSync(p));

function request(
  agent: http.Agent,
  socketPath: string,
  method: string,
  path: string,
  body?: Buffer | string,
  type = "application/json",
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, agent, method, path, headers: body === undefined ? {} : { "Content-Type": type } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function tinyTar(i: number): Promise<Buffer> {
  const pack = tarStream.pack();
  pack.entry({ name: "id", mtime: new Date(0) }, `image ${i}\n`);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function pool<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** busybox:latest, 1,000 one-file images and 200 created containers, through the API itself. */
async function populate(socketPath: string, busyboxTar: Buffer, prefix: string): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const imported = await request(
    agent,
    socketPath,
    "POST",
    `/images/create?fromSrc=-&repo=busybox&tag=latest&changes=${encodeURIComponent('CMD ["sh"]')}`,
    busyboxTar,
    "application/x-tar",
  );
  if (imported.status !== 200) throw new Error(`import busybox: ${imported.body}`);
  const started = Date.now();
  await pool([...Array(IMAGES).keys()], 4, async (i) => {
    const r = await request(
      agent,
      socketPath,
      "POST",
      `/images/create?fromSrc=-&repo=${prefix}img${i}&tag=latest`,
      await tinyTar(i),
      "application/x-tar",
    );
    if (r.status !== 200) throw new Error(`import ${i}: ${r.body}`);
  });
  const imagesDone = Date.now();
  await pool([...Array(CONTAINERS).keys()], 4, async (i) => {
    const r = await request(
      agent,
      socketPath,
      "POST",
      `/containers/create?name=${prefix}c${i}`,
      JSON.stringify({ Image: "busybox", Cmd: ["true"] }),
    );
    if (r.status !== 201) throw new Error(`create ${i}: ${r.body}`);
  });
  console.log(
    `  set-up: ${IMAGES} imports in ${((imagesDone - started) / 1000).toFixed(1)} s, ${CONTAINERS} creates in ${((Date.now() - imagesDone) / 1000).toFixed(1)} s`,
  );
  agent.destroy();
}

async function requestsPerSecond(socketPath: string, path: string): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  await request(agent, socketPath, "GET", path); // warm
  const end = Date.now() + seconds * 1000;
  let count = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (Date.now() < end) {
        const r = await request(agent, socketPath, "GET", path);
        if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
        count++;
      }
    }),
  );
  agent.destroy();
  return count / seconds;
}

function runLatency(dockerHostUrl: string): Promise<number[]> {
  const once = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const start = process.hrtime.bigint();
      const child = spawn(DOCKER!, ["run", "--rm", "--network", "none", "busybox", "true"], {
        stdio: ["ignore", "ignore", "inherit"],
        env: { ...process.env, DOCKER_HOST: dockerHostUrl },
      });
      child.on("exit", (code) =>
        code === 0 ? resolve(Number(process.hrtime.bigint() - start) / 1e6) : reject(new Error(`docker run exited ${code}`)),
      );
    });
  return (async () => {
    await once();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await once());
    return times;
  })();
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

async function bench(name: string, socketPath: string, busyboxTar: Buffer, prefix: string): Promise<void> {
  console.log(`${name}:`);
  await populate(socketPath, busyboxTar, prefix);
  for (const path of ["/containers/json?all=1", "/images/json"]) {
    console.log(`  GET ${path.padEnd(22)} ${(await requestsPerSecond(socketPath, path)).toFixed(1)} requests/s (4 clients, ${seconds} s)`);
  }
  if (DOCKER) {
    const times = await runLatency(`unix://${socketPath}`);
    console.log(
      `  docker run --rm busybox true: median ${median(times).toFixed(0)} ms, min ${Math.min(...times).toFixed(0)} ms over ${runs}`,
    );
  } else {
    console.log("  docker run: the docker CLI is not installed");
  }
}

async function cleanDocker(socketPath: string, prefix: string): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  await pool(
    [...Array(CONTAINERS).keys()],
    8,
    async (i) => void (await request(agent, socketPath, "DELETE", `/containers/${prefix}c${i}?force=1`)),
  );
  await pool([...Array(IMAGES).keys()], 8, async (i) => void (await request(agent, socketPath, "DELETE", `/images/${prefix}img${i}`)));
  agent.destroy();
}

function waitForSocket(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 15_000;
    const tryOnce = (): void => {
      const s = net.connect(path);
      s.once("connect", () => {
        s.destroy();
        resolve();
      });
      s.once("error", () => (Date.now() > deadline ? reject(new Error("berth serve did not start")) : setTimeout(tryOnce, 50)));
    };
    tryOnce();
  });
}

const dir = fs.mkdtempSync(`${os.tmpdir()}/berth-api-bench-`);
const socket = `${dir}/berth.sock`;
const server = spawn(process.execPath, [BERTH, "--root", `${dir}/root`, "--runroot", `${dir}/run`, "serve", "-H", `unix://${socket}`], {
  stdio: ["ignore", "ignore", "inherit"],
});
try {
  const tar = `${dir}/rootfs.tar`;
  spawnSync("bash", [fileURLToPath(new URL("../../scripts/busybox-rootfs.sh", import.meta.url)), tar]);
  const busyboxTar = fs.readFileSync(tar);
  await waitForSocket(socket);
  console.log(`machine: ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? ""}; node ${process.version}`);
  await bench("berth serve", socket, busyboxTar, "bench-");
  if (dockerHost?.startsWith("unix://")) {
    const path = dockerHost.slice("unix://".length);
    await bench(`docker daemon (${dockerHost})`, path, busyboxTar, "berthbench-");
    await cleanDocker(path, "berthbench-");
  }
} finally {
  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  spawnSync("bash", [
    "-c",
    `for p in $(grep -l ${dir} /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do kill -9 $p; done; grep ${dir} /proc/self/mountinfo | cut -d' ' -f5 | sort -r | xargs -r -n1 umount -l`,
  ]);
  fs.rmSync(dir, { recursive: true, force: true });
}
