// Times what commit/export (pack: tar + sha256) and import/load (unpack) do to a layer, beside
// GNU tar on the same tree in the same run, and prints the ratios. Run as root (extraction sets
// owners): node dist/bench/layer-bench.js [--small N] [--large-mib M] [--dir D]
import * as fs from "node:fs";
import * as os from "node:os";
import { spawnSync } from "node:child_process";
import { pipeline } from "node:stream/promises";
import { Writable } from "node:stream";
import { packTree } from "../src/archive/pack.js";
import { extractLayer } from "../src/archive/extract.js";
import { HashingStream } from "../src/image/digest.js";

function arg(name: string, fallback: number | string): string {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1]! : String(fallback);
}

const smallCount = Number(arg("--small", 100_000));
const largeMiB = Number(arg("--large-mib", 1024));
const base = fs.mkdtempSync(`${arg("--dir", os.tmpdir())}/berth-bench-`);
const tree = `${base}/tree`;

function makeTree(): void {
  const perDir = 1000;
  for (let i = 0; i < smallCount; i++) {
    const dir = `${tree}/d${Math.floor(i / perDir)}`;
    if (i % perDir === 0) fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(`${dir}/f${i}`, Buffer.alloc(512 + (i % 7) * 512, i % 251));
  }
  const large = Math.max(1, Math.round(largeMiB / 256));
  const chunk = Buffer.alloc(1 << 20);
  for (let j = 0; j < large; j++) {
    const fd = fs.openSync(`${tree}/large${j}.bin`, "w");
    for (let m = 0; m < largeMiB / large; m++) {
      chunk.fill((m * 31 + j) & 0xff);
      fs.writeSync(fd, chunk);
    }
    fs.closeSync(fd);
  }
}

async function time(label: string, fn: () => Promise<void> | void): Promise<number> {
  spawnSync("sync");
  const start = process.hrtime.bigint();
  await fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`${label.padEnd(34)} ${seconds.toFixed(2)} s`);
  return seconds;
}

async function removeAndSettle(dir: string): Promise<void> {
  fs.rmSync(dir, { recursive: true, force: true });
  spawnSync("sync");
  await new Promise((resolve) => setTimeout(resolve, 5000));
}

function sh(command: string): void {
  const r = spawnSync("bash", ["-c", command], { stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0) throw new Error(`${command} failed`);
}

try {
  console.log(`tree: ${smallCount} small files + ${largeMiB} MiB in large files, under ${base}`);
  await time("generate tree", makeTree);
  const berthPack = await time("berth pack (tar + sha256)", async () => {
    const hash = new HashingStream();
    await pipeline(packTree(tree), hash, new Writable({ write: (_c, _e, cb) => cb() }));
  });
  const tarPack = await time("GNU tar -c | sha256sum", () => sh(`tar -C ${tree} -cf - . | sha256sum >/dev/null`));
  sh(`tar -C ${tree} -cf ${base}/layer.tar .`);
  // Deleting 100,000 files keeps an ext4 mounted with `discard` busy for a while; let it settle so
  // that whichever unpack runs first is not charged for it. Each side runs twice, alternating.
  await removeAndSettle(tree);
  let berthUnpack = Infinity;
  let tarUnpack = Infinity;
  for (let round = 1; round <= 2; round++) {
    tarUnpack = Math.min(
      tarUnpack,
      await time(`GNU tar -x (round ${round})`, () => {
        fs.mkdirSync(`${base}/out-tar`);
        sh(`tar -C ${base}/out-tar -xf ${base}/layer.tar`);
      }),
    );
    await removeAndSettle(`${base}/out-tar`);
    berthUnpack = Math.min(
      berthUnpack,
      await time(`berth unpack (sha256 + extract, round ${round})`, async () => {
        fs.mkdirSync(`${base}/out-berth`);
        const hash = new HashingStream();
        await extractLayer(fs.createReadStream(`${base}/layer.tar`, { highWaterMark: 1 << 20 }).pipe(hash), `${base}/out-berth`);
      }),
    );
    await removeAndSettle(`${base}/out-berth`);
  }
  console.log(`\npack ratio   berth / tar: ${(berthPack / tarPack).toFixed(2)}x`);
  console.log(`unpack ratio berth / tar: ${(berthUnpack / tarUnpack).toFixed(2)}x (best of two rounds each)`);
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}
