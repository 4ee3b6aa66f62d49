// Issue 15's measurement: `berth image analyze` on a 1 GiB, 100,000-file image whose waste is known
// by construction. The bench writes a docker-archive itself (no container, no registry): a base layer
// of N files (sizes 1 to 20 KiB, 10.5 KiB on average: 100,000 files make 1.0 GiB) in directories of
// 1,000, then three layers over it:
//   1. rewrites every 10th file (same size) and adds N/100 files of 10 KiB in /data/new;
//   2. deletes every 10th file counted from the 5th (whiteouts);
//   3. rewrites every 100th file again (those paths are in three layers).
// It `load`s the archive into a temporary --root/--runroot and times, as the median of R runs after a
// warm-up (page cache warm), `image analyze` (the table), `--format json` and `--layer 3` (the last
// layer: every layer is walked), beside `image inspect` as the floor (start-up and reading the image);
// then the peak RSS of each (GNU time's %M, as speed-bench takes it). It prints what the construction
// says the analysis must find beside what analyze found (it asserts nothing). When dive is installed
// it times `dive --source docker-archive` on the same archive too.
// Everything goes at the end, also on failure and Ctrl-C.
// Usage (root): node dist/bench/analyze-bench.js [--quick] [--files N] [--runs R]
// Defaults: 100,000 files and 5 runs (--quick: 10,000 files, 3 runs).
import { createHash, type Hash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import { END_OF_ARCHIVE, encodeHeader, paddingFor, type TarHeader } from "../src/archive/tar-header.js";
import { type Engine, Peers, installed, median, must, peakRssKib, quick, run, setting, timed } from "./peers.js";

const files = setting("--files", { full: 100_000, quick: 10_000 });
const runs = setting("--runs", { full: 5, quick: 3 });
const IMAGE = "abench/waste:latest";
const PER_DIR = 1000;
const NEW_FILE_SIZE = 10 * 1024;
const newFiles = Math.max(1, Math.floor(files / 100));
const MTIME = 1_700_000_000;

const sizeOf = (i: number) => 1024 * (1 + (i % 20));
const dirOf = (i: number) => `data/d${String(Math.floor(i / PER_DIR)).padStart(4, "0")}`;
const nameOf = (i: number) => `f${String(i).padStart(7, "0")}`;
const rewritten = (i: number) => i % 10 === 0;
const deleted = (i: number) => i % 10 === 5;
const rewrittenTwice = (i: number) => i % 100 === 0;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const peers = new Peers("abench");
const dir = peers.dir;

// ---- the archive ---------------------------------------------------------------------------------

/** Appends to a file through a large buffer; while a layer is open, its bytes are hashed (its diff ID). */
class ArchiveWriter {
  readonly #fd: number;
  readonly #buffer = Buffer.allocUnsafe(8 << 20);
  #used = 0;
  #flushed = 0;
  #layer: { hash: Hash; header: number; start: number; name: string } | undefined;

  constructor(path: string) {
    this.#fd = fs.openSync(path, "w");
  }

  get position(): number {
    return this.#flushed + this.#used;
  }

  write(data: Buffer): void {
    this.#layer?.hash.update(data);
    if (this.#used + data.length > this.#buffer.length) this.#flush();
    if (data.length > this.#buffer.length) {
      fs.writeSync(this.#fd, data);
      this.#flushed += data.length;
      return;
    }
    data.copy(this.#buffer, this.#used);
    this.#used += data.length;
  }

  /** A member of the outer tar whose content is small and known. */
  member(name: string, content: Buffer): void {
    this.write(encodeHeader(outerHeader(name, content.length)));
    this.write(content);
    this.write(paddingFor(content.length));
  }

  /** Opens a layer member: its header is written again with the real size when it closes. */
  openLayer(name: string): void {
    const header = this.position;
    this.write(encodeHeader(outerHeader(name, 0)));
    this.#layer = { hash: createHash("sha256"), header, start: this.position, name };
  }

  /** Closes the layer's tar and returns its diff ID. */
  closeLayer(): string {
    const layer = this.#layer!;
    this.write(END_OF_ARCHIVE);
    this.#layer = undefined;
    const size = this.position - layer.start;
    this.write(paddingFor(size));
    this.#flush();
    const header = encodeHeader(outerHeader(layer.name, size));
    fs.writeSync(this.#fd, header, 0, header.length, layer.header);
    return `sha256:${layer.hash.digest("hex")}`;
  }

  close(): void {
    this.write(END_OF_ARCHIVE);
    this.#flush();
    fs.closeSync(this.#fd);
  }

  #flush(): void {
    fs.writeSync(this.#fd, this.#buffer, 0, this.#used, this.#flushed);
    this.#flushed += this.#used;
    this.#used = 0;
  }
}

function outerHeader(name: string, size: number): TarHeader {
  return { name, type: "file", mode: 0o644, uid: 0, gid: 0, size, mtime: MTIME };
}

const BODY = Buffer.alloc(20 * 1024, "berth analyze bench ");

/** The entries of one layer's tar, written through `out`. */
class LayerTar {
  readonly #out: ArchiveWriter;
  readonly #dirs = new Set<string>();
  constructor(out: ArchiveWriter) {
    this.#out = out;
  }

  dir(path: string): void {
    if (this.#dirs.has(path)) return;
    this.#dirs.add(path);
    this.#entry({ name: `${path}/`, type: "directory", mode: 0o755, uid: 0, gid: 0, size: 0, mtime: MTIME });
  }

  file(dirPath: string, name: string, size: number): void {
    this.dir(dirPath.slice(0, dirPath.lastIndexOf("/")) || dirPath);
    this.dir(dirPath);
    this.#entry({ name: `${dirPath}/${name}`, type: "file", mode: 0o644, uid: 0, gid: 0, size, mtime: MTIME }, size);
  }

  whiteout(dirPath: string, name: string): void {
    this.file(dirPath, `.wh.${name}`, 0);
  }

  #entry(header: TarHeader, size = 0): void {
    this.#out.write(encodeHeader(header));
    if (size === 0) return;
    this.#out.write(BODY.subarray(0, size));
    this.#out.write(paddingFor(size));
  }
}

/** What the analysis must find, by construction (dive's rules, see src/engine/images/analyze-image.ts). */
interface Expected {
  wastedBytes: number;
  wastedPaths: number;
  efficiency: number;
  userWastedPercent: number;
  /** Per layer: added, changed and removed counts. */
  counts: [number, number, number][];
}

function writeArchive(path: string): Expected {
  const out = new ArchiveWriter(path);
  const diffIds: string[] = [];
  const layer = (name: string, body: (tar: LayerTar) => void) => {
    out.openLayer(`${name}/layer.tar`);
    body(new LayerTar(out));
    diffIds.push(out.closeLayer());
  };
  let base = 0;
  let rewrite = 0;
  let rewriteTwice = 0;
  let removed = 0;
  let wastedPaths = 0;
  const counts = { rewrite: 0, twice: 0, removed: 0 };
  layer("0", (tar) => {
    for (let i = 0; i < files; i++) {
      tar.file(dirOf(i), nameOf(i), sizeOf(i));
      base += sizeOf(i);
    }
  });
  layer("1", (tar) => {
    for (let i = 0; i < files; i++) {
      if (!rewritten(i)) continue;
      tar.file(dirOf(i), nameOf(i), sizeOf(i));
      rewrite += sizeOf(i);
      counts.rewrite++;
    }
    for (let k = 0; k < newFiles; k++) tar.file("data/new", nameOf(k), NEW_FILE_SIZE);
  });
  layer("2", (tar) => {
    for (let i = 0; i < files; i++) {
      if (!deleted(i)) continue;
      tar.whiteout(dirOf(i), nameOf(i));
      removed += sizeOf(i);
      counts.removed++;
    }
  });
  layer("3", (tar) => {
    for (let i = 0; i < files; i++) {
      if (!rewrittenTwice(i)) continue;
      tar.file(dirOf(i), nameOf(i), sizeOf(i));
      rewriteTwice += sizeOf(i);
      counts.twice++;
    }
  });
  wastedPaths = counts.rewrite + counts.removed;
  const added = newFiles * NEW_FILE_SIZE;
  const config = {
    architecture: os.arch() === "x64" ? "amd64" : os.arch(),
    os: "linux",
    created: new Date(MTIME * 1000).toISOString(),
    config: { Cmd: ["sh"] },
    rootfs: { type: "layers", diff_ids: diffIds },
    history: [
      `base: ${files} files`,
      "rewrite every 10th file, add /data/new",
      "delete every 10th file from the 5th",
      "rewrite every 100th file again",
    ].map((created_by) => ({ created: new Date(MTIME * 1000).toISOString(), created_by })),
  };
  out.member("config.json", Buffer.from(JSON.stringify(config)));
  const manifest = [{ Config: "config.json", RepoTags: [IMAGE], Layers: ["0", "1", "2", "3"].map((n) => `${n}/layer.tar`) }];
  out.member("manifest.json", Buffer.from(JSON.stringify(manifest)));
  out.close();
  // A rewritten path weighs its size once per layer that holds it; a whiteout weighs what it hides.
  const wastedBytes = 2 * rewrite + rewriteTwice + 2 * removed;
  const cumulative = base + rewrite + added + removed + rewriteTwice;
  return {
    wastedBytes,
    wastedPaths,
    efficiency: (base + added) / cumulative,
    userWastedPercent: wastedBytes / (rewrite + added + rewriteTwice),
    counts: [
      [files, 0, 0],
      [newFiles, counts.rewrite, 0],
      [0, 0, counts.removed],
      [0, counts.twice, 0],
    ],
  };
}

// ---- measuring -----------------------------------------------------------------------------------

interface Row {
  label: string;
  args: string[];
  seconds?: number;
  rssKib?: number;
  failed?: string;
}

async function measure(engine: Engine, row: Row): Promise<void> {
  try {
    const values: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const t = await timed(engine, row.args);
      if (i > 0) values.push(t);
    }
    row.seconds = median(values);
    if (engine.name === "berth" && installed("/usr/bin/time")) row.rssKib = await peakRssKib(engine, row.args, dir);
  } catch (err) {
    row.failed = message(err);
  }
}

function elapsed<T>(fn: () => T): { value: T; seconds: number } {
  const start = process.hrtime.bigint();
  const value = fn();
  return { value, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
const mb = (kib: number) => ((kib * 1024) / 1e6).toFixed(1);

interface AnalysisDoc {
  Size: number;
  Efficiency: number;
  WastedBytes: number;
  UserWastedPercent: number;
  Layers: { Added: { Count: number }; Changed: { Count: number }; Removed: { Count: number } }[];
  Wasted: unknown[];
}

function compare(expected: Expected, doc: AnalysisDoc): void {
  const near = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
  const lines: [string, string | number, string | number, boolean][] = [
    ["wasted bytes", expected.wastedBytes, doc.WastedBytes, expected.wastedBytes === doc.WastedBytes],
    ["wasted paths", expected.wastedPaths, doc.Wasted.length, expected.wastedPaths === doc.Wasted.length],
    ["efficiency", expected.efficiency.toFixed(6), doc.Efficiency.toFixed(6), near(doc.Efficiency, expected.efficiency)],
    [
      "user wasted share",
      expected.userWastedPercent.toFixed(6),
      doc.UserWastedPercent.toFixed(6),
      near(doc.UserWastedPercent, expected.userWastedPercent),
    ],
    ...expected.counts.map(([a, c, r], i): [string, string, string, boolean] => {
      const l = doc.Layers[i];
      const found = l ? `${l.Added.Count}/${l.Changed.Count}/${l.Removed.Count}` : "missing";
      return [`layer ${i} added/changed/removed`, `${a}/${c}/${r}`, found, found === `${a}/${c}/${r}`];
    }),
  ];
  console.log("");
  console.log(`${"by construction".padEnd(34)} ${"expected".padStart(16)} ${"analyze".padStart(16)}`);
  for (const [what, want, got, ok] of lines) {
    console.log(`${what.padEnd(34)} ${String(want).padStart(16)} ${String(got).padStart(16)}${ok ? "" : "   DIFFERS"}`);
  }
}

async function timeDive(archive: string): Promise<void> {
  if (!installed("dive")) {
    console.log("dive: not installed, skipped");
    return;
  }
  // dive's CI mode prints the figures and exits; limits it cannot fail, so that exit 1 means an error.
  const argv = [
    "dive",
    "--source",
    "docker-archive",
    archive,
    "--ci",
    "--lowest-efficiency",
    "0",
    "--highest-user-wasted-percent",
    "1",
    "--highest-wasted-bytes",
    "disabled",
  ];
  const values: number[] = [];
  let last = "";
  for (let i = 0; i <= runs; i++) {
    const start = process.hrtime.bigint();
    const r = await run(argv, { CI: "true" });
    if (r.code !== 0)
      return console.log(`dive: FAILED (exit ${r.code}): ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join("\n")}`);
    if (i > 0) values.push(Number(process.hrtime.bigint() - start) / 1e9);
    last = r.stdout;
  }
  // dive reads the archive itself (it unpacks every layer's tar); berth reads its store's dirs.
  console.log(`dive --source docker-archive --ci: ${median(values).toFixed(3)} s (median of ${runs})`);
  for (const line of last.split("\n").filter((l) => /efficiency|wastedBytes|userWastedPercent/.test(l)))
    console.log(`  dive ${line.trim()}`);
}

// ---- the run -------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("analyze-bench needs root (the store's unpacked layers keep owners and whiteouts)");
  const load = () =>
    `${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} (${os.availableParallelism()} CPUs)`;
  console.log(`analyze bench: ${files} files in the base layer, median of ${runs} runs after a warm-up${quick ? " (--quick)" : ""}`);
  console.log(`load average at start: ${load()}`);
  const berth = peers.berth();
  const archive = `${dir}/waste.tar`;
  const made = elapsed(() => writeArchive(archive));
  const expected = made.value;
  console.log(`write the docker-archive (4 layers, ${gib(fs.statSync(archive).size)}): ${made.seconds.toFixed(2)} s`);
  const loadSeconds = await timed(berth, ["load", "-q", "-i", archive]);
  console.log(`berth load: ${loadSeconds.toFixed(2)} s (the image: ${(made.seconds + loadSeconds).toFixed(2)} s in all)`);

  const doc = JSON.parse(await must(berth, ["image", "analyze", "--format", "json", IMAGE])) as AnalysisDoc;
  console.log(`image size: ${gib(doc.Size)}, ${doc.Layers.length} layers`);
  compare(expected, doc);

  const rows: Row[] = [
    { label: "image inspect (the floor)", args: ["image", "inspect", IMAGE] },
    { label: "image analyze", args: ["image", "analyze", IMAGE] },
    { label: "image analyze --format json", args: ["image", "analyze", "--format", "json", IMAGE] },
    { label: "image analyze --layer 3", args: ["image", "analyze", "--layer", "3", IMAGE] },
  ];
  for (const row of rows) await measure(berth, row);
  if (!installed("/usr/bin/time")) console.log("peak RSS not measured: /usr/bin/time (GNU time) is not installed");
  console.log("");
  console.log(`${"berth command".padEnd(34)} ${"median s".padStart(10)} ${"RSS MB".padStart(10)}`);
  for (const row of rows) {
    const seconds = row.seconds === undefined ? "FAILED" : row.seconds.toFixed(3);
    console.log(`${row.label.padEnd(34)} ${seconds.padStart(10)} ${(row.rssKib === undefined ? "" : mb(row.rssKib)).padStart(10)}`);
  }
  console.log("(page cache warm: each command ran once before the clock; MB = 10^6 bytes)");
  for (const row of rows) if (row.failed) console.log(`FAILED ${row.label}: ${row.failed.replaceAll("\n", "\n  ")}`);
  console.log("");
  await timeDive(archive);
  console.log(`\nload average at end: ${load()}`);
}

try {
  await main();
} catch (err) {
  console.error(`analyze-bench: ${message(err)}`);
  process.exitCode = 1;
} finally {
  peers.cleanup();
}
