// Drives real conmon + runc containers (busybox rootfs, `runc spec` config) through src/runtime, and
// checks the pure parts (log records, detach keys, runc messages) on literal inputs.
import { after, before, describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import { attach, connectAttach } from "../../src/runtime/attach.js";
import { createContainer, type ConmonOptions, type CreatedContainer } from "../../src/runtime/conmon.js";
import { parseRecord, readLog, type LogRecord } from "../../src/runtime/container-log.js";
import { DetachFilter, parseDetachKeys } from "../../src/runtime/detach-keys.js";
import { execInContainer } from "../../src/runtime/exec.js";
import { readExit, waitExit } from "../../src/runtime/exit-file.js";
import { resize } from "../../src/runtime/resize.js";
import { deleteContainer, killContainer, pauseContainer, resumeContainer, runtimeState, startContainer } from "../../src/runtime/runc.js";
import { classifyStartError, ContainerStartError, runtimeErrorMessage } from "../../src/runtime/start-error.js";

const RUNC = "/usr/sbin/runc";
const CONMON = "/usr/bin/conmon";
const BUSYBOX = "/bin/busybox";

function skipReason(): string | false {
  if (process.getuid?.() !== 0) return "needs root to run containers";
  for (const bin of [RUNC, CONMON, BUSYBOX]) if (!fs.existsSync(bin)) return `needs ${bin}`;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Pure parts

describe("classifyStartError", () => {
  it("recognises runc 1.1's messages", () => {
    const prefix = "runc create failed: unable to start container process: ";
    assert.equal(classifyStartError(`${prefix}exec: "nope-cmd": executable file not found in $PATH`), "not-found");
    assert.equal(classifyStartError(`${prefix}exec: "/x/y": stat /x/y: no such file or directory`), "not-found");
    assert.equal(classifyStartError(`${prefix}exec: "/etc/passwd": permission denied`), "not-executable");
    assert.equal(classifyStartError(`${prefix}exec: "/etc": is a directory`), "not-executable");
    assert.equal(classifyStartError(`${prefix}error during container init: error mounting "proc"`), "other");
  });

  it("runtimeErrorMessage reads logfmt and JSON lines", () => {
    const logfmt =
      'time="2024-01-02T03:04:05Z" level=error msg="runc create failed: unable to start container process: exec: \\"nope\\": executable file not found in $PATH"\n';
    assert.equal(
      runtimeErrorMessage(logfmt),
      'runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH',
    );
    const json = '{"level":"error","msg":"container \\"x\\" does not exist","time":"2024-01-02T03:04:05Z"}\n';
    assert.equal(runtimeErrorMessage(json), 'container "x" does not exist');
    assert.equal(runtimeErrorMessage("  plain words\n"), "plain words");
  });
});

describe("detach keys", () => {
  it("parses Docker's syntax", () => {
    assert.deepEqual(parseDetachKeys("ctrl-p,ctrl-q"), [16, 17]);
    assert.deepEqual(parseDetachKeys("ctrl-@,ctrl-[,ctrl-_,a"), [0, 27, 31, 97]);
    assert.deepEqual(parseDetachKeys(""), []);
    assert.throws(() => parseDetachKeys("ctrl-1"), /Unknown character: 'ctrl-1'/);
    assert.throws(() => parseDetachKeys("ab"), /Unknown character: 'ab'/);
  });

  it("holds back a sequence across chunks and releases a broken one", () => {
    const f = new DetachFilter([16, 17]);
    assert.deepEqual(f.push(Buffer.from("ab\x10")), { out: Buffer.from("ab"), detached: false });
    assert.deepEqual(f.push(Buffer.from("c")), { out: Buffer.from("\x10c"), detached: false });
    assert.deepEqual(f.push(Buffer.from("\x10\x10")), { out: Buffer.from("\x10"), detached: false });
    assert.deepEqual(f.push(Buffer.from("\x11rest")), { out: Buffer.alloc(0), detached: true });
    const g = new DetachFilter([16, 17]);
    g.push(Buffer.from("x\x10"));
    assert.deepEqual(g.flush(), Buffer.from("\x10"));
  });
});

describe("readLog", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(join(os.tmpdir(), "berth-log-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const LOG = [
    "2024-03-25T13:20:40.000000001+00:00 stdout F one\n",
    "2024-03-25T13:20:41.000000000+00:00 stderr F two\n",
    "2024-03-25T13:20:42.000000000+00:00 stdout P thr\n",
    "2024-03-25T13:20:42.500000000+00:00 stdout F ee\n",
    "2024-03-25T13:20:43.000000000+00:00 stdout F \n",
    "2024-03-25T13:20:44.000000000+01:00 stdout P no newline\n",
  ].join("");

  async function collect(path: string, opts: Parameters<typeof readLog>[1] = {}): Promise<LogRecord[]> {
    const out: LogRecord[] = [];
    for await (const r of readLog(path, opts)) out.push(r);
    return out;
  }
  const show = (rs: LogRecord[]): string[] => rs.map((r) => `${r.stream}:${r.partial ? "P" : "F"}:${r.line.toString()}`);

  it("parses records, streams, partial lines and times", async () => {
    const path = join(dir, "a.log");
    fs.writeFileSync(path, LOG);
    const rs = await collect(path);
    assert.deepEqual(show(rs), ["stdout:F:one", "stderr:F:two", "stdout:P:thr", "stdout:F:ee", "stdout:F:", "stdout:P:no newline"]);
    assert.equal(rs[0]?.timestamp, "2024-03-25T13:20:40.000000001+00:00");
    assert.equal(rs[5]?.time.toISOString(), "2024-03-25T12:20:44.000Z");
    assert.equal(parseRecord(Buffer.from("garbage")), undefined);
  });

  it("tails by lines, keeping partial records with their line", async () => {
    const path = join(dir, "b.log");
    fs.writeFileSync(path, LOG);
    assert.deepEqual(show(await collect(path, { tail: 1 })), ["stdout:P:no newline"]);
    assert.deepEqual(show(await collect(path, { tail: 3 })), ["stdout:P:thr", "stdout:F:ee", "stdout:F:", "stdout:P:no newline"]);
    assert.equal((await collect(path, { tail: 100 })).length, 6);
    assert.deepEqual(await collect(path, { tail: 0 }), []);
  });

  it("filters by since and until", async () => {
    const path = join(dir, "c.log");
    fs.writeFileSync(path, LOG);
    const rs = await collect(path, { since: new Date("2024-03-25T13:20:41Z"), until: new Date("2024-03-25T13:20:42.200Z") });
    assert.deepEqual(show(rs), ["stderr:F:two", "stdout:P:thr"]);
  });

  it("follows until the exit file appears", async () => {
    const path = join(dir, "d.log");
    const exitFile = join(dir, "d.exit");
    fs.writeFileSync(path, "");
    const seen: string[] = [];
    const done = (async () => {
      for await (const r of readLog(path, { follow: true, exitFile, pollMs: 20 })) seen.push(r.line.toString());
    })();
    await sleep(50);
    fs.appendFileSync(path, "2024-03-25T13:20:40.000000000+00:00 stdout F a\n");
    await waitFor(() => seen.length === 1);
    fs.appendFileSync(path, "2024-03-25T13:20:41.000000000+00:00 stdout F b\n");
    fs.writeFileSync(exitFile, "0");
    await done;
    assert.deepEqual(seen, ["a", "b"]);
  });
});

// ---------------------------------------------------------------------------------------------
// Real containers

interface Ctx {
  base: string;
  id: string;
  opts: ConmonOptions;
  /** Pids of conmons started by the test, killed at the end if still alive. */
  conmons: number[];
}

describe("conmon + runc", { skip: skipReason() }, () => {
  let shared: string;
  let rootfs: string;
  let spec: Record<string, unknown>;

  before(() => {
    shared = fs.mkdtempSync(join(os.tmpdir(), "berth-rt-"));
    rootfs = join(shared, "rootfs");
    fs.mkdirSync(join(rootfs, "bin"), { recursive: true });
    fs.mkdirSync(join(rootfs, "etc"));
    fs.copyFileSync(BUSYBOX, join(rootfs, "bin/busybox"));
    fs.chmodSync(join(rootfs, "bin/busybox"), 0o755);
    const applets = execFileSync(BUSYBOX, ["--list"], { encoding: "utf8" }).split("\n").filter(Boolean);
    for (const a of applets) if (a !== "busybox") fs.symlinkSync("busybox", join(rootfs, "bin", a));
    fs.writeFileSync(join(rootfs, "etc/passwd"), "root:x:0:0:root:/:/bin/sh\n"); // not executable
    execFileSync(RUNC, ["spec", "--bundle", shared]);
    spec = JSON.parse(fs.readFileSync(join(shared, "config.json"), "utf8")) as Record<string, unknown>;
  });
  after(() => fs.rmSync(shared, { recursive: true, force: true }));

  /** A bundle, dirs and options of its own, removed (with the container) when the test ends. */
  function setup(t: TestContext, args: string[], o: { terminal?: boolean; stdin?: boolean } = {}): Ctx {
    const base = fs.mkdtempSync(join(os.tmpdir(), "brt-"));
    const bundle = join(base, "b");
    fs.mkdirSync(bundle);
    const config = structuredClone(spec) as { process: Record<string, unknown>; root: Record<string, unknown> };
    config.process.args = args;
    config.process.terminal = o.terminal ?? false;
    config.root.path = rootfs;
    fs.writeFileSync(join(bundle, "config.json"), JSON.stringify(config));
    const id = randomBytes(32).toString("hex");
    const ctx: Ctx = {
      base,
      id,
      conmons: [],
      opts: {
        id,
        bundle,
        runtimePath: RUNC,
        runtimeRoot: join(base, "r"),
        exitDir: join(base, "x"),
        persistDir: join(base, "p"),
        socketDir: join(base, "s"),
        logPath: join(base, "ctr.log"),
        terminal: o.terminal ?? false,
        stdin: o.stdin ?? false,
      },
    };
    t.after(async () => {
      await deleteContainer(RUNC, ctx.opts.runtimeRoot, id, true).catch(() => undefined);
      for (const pid of ctx.conmons) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      fs.rmSync(base, { recursive: true, force: true });
    });
    return ctx;
  }

  async function create(ctx: Ctx): Promise<CreatedContainer> {
    const c = await createContainer(ctx.opts);
    ctx.conmons.push(c.conmonPid);
    return c;
  }

  it("runs a command: exit file and k8s-file log with both streams", async (t) => {
    const ctx = setup(t, ["sh", "-c", "echo out; echo err >&2; sleep 0.1; printf part; exit 3"]);
    const marker = join(ctx.base, "exit-command-ran");
    ctx.opts.exitCommand = ["/bin/sh", "-c", 'echo "$0" > "$1"', "bye", marker];
    const before = Date.now();
    const c = await create(ctx);
    assert.ok(c.pid > 0 && c.conmonPid > 0);
    assert.equal((await runtimeState(RUNC, ctx.opts.runtimeRoot, ctx.id))?.status, "created");
    await startContainer(RUNC, ctx.opts.runtimeRoot, ctx.id);
    const exit = await waitExit(ctx.opts.exitDir, ctx.id);
    assert.equal(exit.code, 3);
    assert.ok(exit.exitedAt.getTime() >= before - 1000 && exit.exitedAt.getTime() <= Date.now() + 1000);
    assert.deepEqual(readExit(ctx.opts.exitDir, ctx.id), exit);
    assert.equal(fs.readFileSync(join(ctx.opts.persistDir, "exit"), "utf8"), "3");
    const records = [];
    for await (const r of readLog(ctx.opts.logPath!)) records.push(`${r.stream} ${r.partial ? "P" : "F"} ${r.line.toString()}`);
    // Streams are separate pipes, so only the order within one stream is certain.
    assert.deepEqual(
      records.filter((r) => r.startsWith("stdout")),
      ["stdout F out", "stdout P part"],
    );
    assert.deepEqual(
      records.filter((r) => r.startsWith("stderr")),
      ["stderr F err"],
    );
    assert.equal((await runtimeState(RUNC, ctx.opts.runtimeRoot, ctx.id))?.status, "stopped");
    await waitFor(() => fs.existsSync(marker));
    assert.equal(fs.readFileSync(marker, "utf8"), "bye\n");
  });

  it("keeps the container running after the creating process exits", async (t) => {
    const ctx = setup(t, ["sleep", "1000"]);
    const conmonUrl = pathToFileURL(join(import.meta.dirname, "../../src/runtime/conmon.js")).href;
    const runcUrl = pathToFileURL(join(import.meta.dirname, "../../src/runtime/runc.js")).href;
    const script = `
      const { createContainer } = await import(${JSON.stringify(conmonUrl)});
      const { startContainer } = await import(${JSON.stringify(runcUrl)});
      const o = JSON.parse(process.argv[1]);
      const c = await createContainer(o);
      await startContainer(o.runtimePath, o.runtimeRoot, o.id);
      process.stdout.write(JSON.stringify(c));`;
    // spawnSync returns only when the child exited: createContainer must leave no handle behind.
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script, JSON.stringify(ctx.opts)], {
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(child.status, 0, child.stderr);
    const c = JSON.parse(child.stdout) as CreatedContainer;
    ctx.conmons.push(c.conmonPid);

    const state = await runtimeState(RUNC, ctx.opts.runtimeRoot, ctx.id);
    assert.deepEqual(state, { status: "running", pid: c.pid });
    process.kill(c.conmonPid, 0); // throws if conmon is gone
    // conmon leads a session of its own, so the creator's terminal and process group cannot reach it.
    const sid = Number(fs.readFileSync(`/proc/${c.conmonPid}/stat`, "utf8").split(") ")[1]?.split(" ")[3]);
    assert.equal(sid, c.conmonPid);
    assert.equal(readExit(ctx.opts.exitDir, ctx.id), undefined);

    await killContainer(RUNC, ctx.opts.runtimeRoot, ctx.id, "KILL");
    assert.equal((await waitExit(ctx.opts.exitDir, ctx.id)).code, 137);
  });

  it("attaches to cat: stdin in, echo out, EOF ends it", async (t) => {
    const ctx = setup(t, ["cat"], { stdin: true });
    const c = await create(ctx);
    const conn = await connectAttach(c.attachSocket);
    await startContainer(RUNC, ctx.opts.runtimeRoot, ctx.id);
    const stdin = new PassThrough();
    const out = collector();
    const err = collector();
    const attached = attach(conn, { stdin, stdout: out.stream, stderr: err.stream });
    stdin.write("hello\n");
    await waitFor(() => out.text() === "hello\n");
    stdin.write("world\n");
    await waitFor(() => out.text() === "hello\nworld\n");
    stdin.end();
    assert.equal(await attached, "exited");
    assert.equal(err.text(), "");
    assert.equal((await waitExit(ctx.opts.exitDir, ctx.id)).code, 0);
  });

  it("detaches on ctrl-p ctrl-q and leaves the container running", async (t) => {
    const ctx = setup(t, ["cat"], { stdin: true });
    ctx.opts.leaveStdinOpen = true;
    // Longer than sun_path allows: conmon binds and we connect through /proc/self/fd/<dir>.
    ctx.opts.socketDir = join(ctx.base, "s".repeat(40));
    const c = await create(ctx);
    assert.ok(Buffer.byteLength(c.attachSocket) > 108);
    await startContainer(RUNC, ctx.opts.runtimeRoot, ctx.id);
    const stdin = new PassThrough();
    const out = collector();
    const attached = attach(c.attachSocket, { stdin, stdout: out.stream, stderr: collector().stream });
    stdin.write("a\n");
    await waitFor(() => out.text() === "a\n");
    stdin.write("\x10\x11");
    assert.equal(await attached, "detached");
    await sleep(200);
    assert.equal((await runtimeState(RUNC, ctx.opts.runtimeRoot, ctx.id))?.status, "running");
    // A second client still reaches the same cat.
    const out2 = collector();
    const stdin2 = new PassThrough();
    const again = attach(c.attachSocket, { stdin: stdin2, stdout: out2.stream, stderr: collector().stream });
    stdin2.write("b\n");
    await waitFor(() => out2.text() === "b\n");
    stdin2.write("\x10\x11");
    assert.equal(await again, "detached");
  });

  it("runs a shell on a terminal: resize, input, exit code", async (t) => {
    const ctx = setup(t, ["sh"], { terminal: true });
    const c = await create(ctx);
    const conn = await connectAttach(c.attachSocket);
    await startContainer(RUNC, ctx.opts.runtimeRoot, ctx.id);
    await resize(c.ctlPath, 30, 100);
    await sleep(200);
    const stdin = new PassThrough();
    const out = collector();
    const err = collector();
    const attached = attach(conn, { stdin, stdout: out.stream, stderr: err.stream });
    stdin.write("stty size\n");
    await waitFor(() => lines(out.text()).includes("30 100"));
    stdin.write("echo hi\nexit 5\n");
    assert.equal(await attached, "exited");
    assert.ok(lines(out.text()).includes("hi"), JSON.stringify(out.text()));
    assert.equal(err.text(), "", "a terminal has no separate stderr");
    assert.equal((await waitExit(ctx.opts.exitDir, ctx.id)).code, 5);
    // The terminal's output is logged as stdout.
    const streams = new Set<string>();
    for await (const r of readLog(ctx.opts.logPath!)) streams.add(r.stream);
    assert.deepEqual([...streams], ["stdout"]);
  });

  it("signals, pauses and resumes", async (t) => {
    const ctx = setup(t, ["sh", "-c", "trap 'exit 7' TERM; echo ready; while :; do sleep 0.1; done"]);
    await create(ctx);
    await startContainer(RUNC, ctx.opts.runtimeRoot, ctx.id);
    // Follow the log live: it must see "ready" and end by itself once the exit file appears.
    const followed: string[] = [];
    const following = (async () => {
      const exitFile = join(ctx.opts.exitDir, ctx.id);
      for await (const r of readLog(ctx.opts.logPath!, { follow: true, exitFile, pollMs: 50 })) followed.push(r.line.toString());
    })();
    await waitFor(() => followed.includes("ready"));
    await pauseContainer(RUNC, ctx.opts.runtimeRoot, ctx.id);
    assert.equal((await runtimeState(RUNC, ctx.opts.runtimeRoot, ctx.id))?.status, "paused");
    await resumeContainer(RUNC, ctx.opts.runtimeRoot, ctx.id);
    assert.equal((await runtimeState(RUNC, ctx.opts.runtimeRoot, ctx.id))?.status, "running");
    await killContainer(RUNC, ctx.opts.runtimeRoot, ctx.id, "SIGTERM");
    assert.equal((await waitExit(ctx.opts.exitDir, ctx.id)).code, 7);
    await following;
    assert.deepEqual(followed, ["ready"]);
    await assert.rejects(killContainer(RUNC, ctx.opts.runtimeRoot, ctx.id, "TERM"), { kind: "conflict" });
    await deleteContainer(RUNC, ctx.opts.runtimeRoot, ctx.id);
    assert.equal(await runtimeState(RUNC, ctx.opts.runtimeRoot, ctx.id), undefined);
    await assert.rejects(startContainer(RUNC, ctx.opts.runtimeRoot, ctx.id), { kind: "not-found" });
  });

  it("reports a missing executable as not-found and a non-executable as not-executable", async (t) => {
    const missing = setup(t, ["nope-cmd"]);
    await assert.rejects(createContainer(missing.opts), (err: unknown) => {
      assert.ok(err instanceof ContainerStartError, String(err));
      assert.equal(err.reason, "not-found");
      assert.match(err.message, /exec: "nope-cmd": executable file not found in \$PATH/);
      return true;
    });
    assert.equal(await runtimeState(RUNC, missing.opts.runtimeRoot, missing.id), undefined);

    const notExec = setup(t, ["/etc/passwd"]);
    await assert.rejects(createContainer(notExec.opts), (err: unknown) => {
      assert.ok(err instanceof ContainerStartError, String(err));
      assert.equal(err.reason, "not-executable");
      assert.match(err.message, /permission denied/);
      return true;
    });
  });

  it("execs into a running container, attached and detached", async (t) => {
    const ctx = setup(t, ["sleep", "1000"]);
    await create(ctx);
    await startContainer(RUNC, ctx.opts.runtimeRoot, ctx.id);
    const base = (spec as { process: Record<string, unknown> }).process;
    const writeSpec = (name: string, args: string[]): string => {
      const path = join(ctx.base, `${name}.json`);
      fs.writeFileSync(path, JSON.stringify({ ...base, terminal: false, args }));
      return path;
    };
    const common = {
      id: ctx.id,
      runtimePath: RUNC,
      runtimeRoot: ctx.opts.runtimeRoot,
      socketDir: ctx.opts.socketDir,
      terminal: false,
    };

    const out = collector();
    const err = collector();
    const session = await execInContainer(
      {
        ...common,
        execDir: join(ctx.base, "exec1"),
        processSpecPath: writeSpec("p1", ["sh", "-c", "echo from-exec; echo to-err >&2; exit 4"]),
        stdin: false,
        detach: false,
      },
      { stdout: out.stream, stderr: err.stream },
    );
    ctx.conmons.push(session.conmonPid);
    assert.ok(session.pid > 0);
    assert.equal(await session.attached, "exited");
    assert.equal((await session.wait()).code, 4);
    assert.equal(out.text(), "from-exec\n");
    assert.equal(err.text(), "to-err\n");

    // A terminal and stdin: what `docker exec -it` asks for.
    const ttyOut = collector();
    const ttyIn = new PassThrough();
    const tty = await execInContainer(
      {
        ...common,
        terminal: true,
        execDir: join(ctx.base, "exec-tty"),
        processSpecPath: (() => {
          const path = join(ctx.base, "ptty.json");
          fs.writeFileSync(path, JSON.stringify({ ...base, terminal: true, args: ["sh"] }));
          return path;
        })(),
        stdin: true,
        detach: false,
      },
      { stdin: ttyIn, stdout: ttyOut.stream, stderr: collector().stream },
    );
    ctx.conmons.push(tty.conmonPid);
    await tty.terminal.resize({ rows: 12, cols: 34 });
    await sleep(200);
    ttyIn.write("stty size; echo tty-$((1+2))\nexit 3\n");
    assert.equal(await tty.attached, "exited");
    assert.ok(lines(ttyOut.text()).includes("12 34"), JSON.stringify(ttyOut.text()));
    assert.ok(lines(ttyOut.text()).includes("tty-3"), JSON.stringify(ttyOut.text()));
    assert.equal((await tty.wait()).code, 3);

    const detached = await execInContainer({
      ...common,
      execDir: join(ctx.base, "exec2"),
      processSpecPath: writeSpec("p2", ["sh", "-c", "exit 2"]),
      stdin: false,
      detach: true,
    });
    ctx.conmons.push(detached.conmonPid);
    assert.equal(detached.attached, undefined);
    assert.equal((await detached.wait()).code, 2);

    await assert.rejects(
      execInContainer(
        {
          ...common,
          execDir: join(ctx.base, "exec3"),
          processSpecPath: writeSpec("p3", ["nope-cmd"]),
          stdin: false,
          detach: false,
        },
        { stdout: collector().stream, stderr: collector().stream },
      ),
      (e: unknown) => e instanceof ContainerStartError && e.reason === "not-found",
    );
    // The container itself is untouched by its execs.
    assert.equal((await runtimeState(RUNC, ctx.opts.runtimeRoot, ctx.id))?.status, "running");
  });
});

// ---------------------------------------------------------------------------------------------

function collector(): { stream: Writable; text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

function lines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.replace(/\r$/, ""));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for a condition");
    await sleep(20);
  }
}
