// RUN --mount made real: each type's MountRequests, cache directories that persist and are shared,
// locked or private as BuildKit's are, secrets that never touch a disk and are gone afterwards,
// bind sources that cannot climb out of the context, and mount points scrubbed from the layer.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { openEngine, type Engine } from "../../../src/engine/engine.js";
import { openDirectoryContext } from "../../../src/build/context/open-context.js";
import type { BuildContext } from "../../../src/build/context/index.js";
import { parseRunMount } from "../../../src/build/dockerfile/run-mount.js";
import type { BuildSecret } from "../../../src/engine/build/build-request.js";
import {
  listCacheMounts,
  prepareRunMounts,
  removeCacheMount,
  type PreparedRunMounts,
  type RunMountContext,
} from "../../../src/engine/build/run-mounts.js";
import { isRoot } from "../../helpers/temp-root.js";
import { useBusyboxRoot } from "../../helpers/busybox-root.js";
import type { MountRequest } from "../../../src/engine/containers/mount-specs.js";
import { removeTree } from "../../../src/sys/remove-tree.js";

const skip = isRoot() ? false : "needs root (tmpfs for secrets, chown of cache directories)";
const quiet = { debug() {}, info() {}, warn() {} };

describe("prepareRunMounts()", { skip }, () => {
  let dir: string;
  let engine: Engine;
  let contextDir: string;
  let context: BuildContext;
  let rootfs: string;
  let stageDir: string;
  let steps = 0;
  const secrets: BuildSecret[] = [];

  before(async () => {
    dir = fs.mkdtempSync(`${os.tmpdir()}/berth-run-mounts-`);
    engine = openEngine({ root: `${dir}/root`, runroot: `${dir}/run`, log: quiet });
    contextDir = `${dir}/ctx`;
    fs.mkdirSync(`${contextDir}/src/sub`, { recursive: true });
    fs.writeFileSync(`${contextDir}/src/a.txt`, "a\n");
    fs.writeFileSync(`${contextDir}/src/sub/b.txt`, "b\n");
    fs.symlinkSync("/etc", `${contextDir}/etc-link`);
    fs.symlinkSync("../../../../..", `${contextDir}/up-link`);
    fs.writeFileSync(`${contextDir}/Dockerfile`, "FROM scratch\n");
    context = (await openDirectoryContext(contextDir)).context;
    rootfs = `${dir}/rootfs`;
    fs.mkdirSync(`${rootfs}/run`, { recursive: true });
    fs.writeFileSync(`${rootfs}/run/keep`, "");
    fs.mkdirSync(`${rootfs}/usr/bin`, { recursive: true });
    stageDir = `${dir}/stage`;
    fs.mkdirSync(`${stageDir}/opt/seed`, { recursive: true });
    fs.writeFileSync(`${stageDir}/opt/seed/s.txt`, "seed\n");
    fs.symlinkSync("/etc", `${stageDir}/opt/out`);
    fs.writeFileSync(`${dir}/token`, "s3cr3t");
    secrets.push({ id: "token", source: { kind: "file", path: `${dir}/token` } });
    secrets.push({ id: "fromenv", source: { kind: "env", name: "MY_TOKEN" } });
  });
  after(() => {
    engine.close();
    removeTree(dir);
  });

  const released: string[] = [];
  function ctx(over: Partial<RunMountContext> = {}): RunMountContext {
    const workDir = `${dir}/work-${steps++}`;
    fs.mkdirSync(workDir);
    return {
      engine,
      context,
      mountSource: (from) => {
        assert.equal(from, "stage");
        return Promise.resolve({ path: stageDir, release: () => (released.push(from), Promise.resolve()) });
      },
      secrets,
      clientEnv: { MY_TOKEN: "from-env" },
      rootfs,
      workDir,
      ...over,
    };
  }
  const mounts = (...specs: string[]) => specs.map((s) => parseRunMount(s, (w) => w));

  it("tmpfs: a tmpfs at the target with its size", async () => {
    const p = await prepareRunMounts(mounts("type=tmpfs,target=/scratch,size=1m"), ctx());
    assert.deepEqual(p.mounts, [
      {
        type: "tmpfs",
        source: "",
        destination: "/scratch",
        readOnly: false,
        copy: false,
        propagation: "rprivate",
        tmpfsOptions: ["size=1048576"],
      },
    ]);
    assert.deepEqual(p.env, []);
    await p.release();
  });

  it("bind: the context's own directory, read-only by default; relative targets are below WORKDIR", async () => {
    const p = await prepareRunMounts(mounts("type=bind,source=src,target=sources"), ctx({ workingDir: "/app" }));
    assert.equal(p.mounts.length, 1);
    assert.equal(p.mounts[0]!.source, `${fs.realpathSync(contextDir)}/src`);
    assert.equal(p.mounts[0]!.destination, "/app/sources");
    assert.equal(p.mounts[0]!.readOnly, true);
    await p.release();
  });

  it("bind: the cache key follows the source's content", async () => {
    const one = await prepareRunMounts(mounts("type=bind,source=src,target=/s"), ctx());
    fs.writeFileSync(`${contextDir}/src/a.txt`, "changed\n");
    const two = await prepareRunMounts(mounts("type=bind,source=src,target=/s"), ctx());
    fs.writeFileSync(`${contextDir}/src/a.txt`, "a\n");
    const three = await prepareRunMounts(mounts("type=bind,source=src,target=/s"), ctx());
    assert.notEqual(one.cacheKey, two.cacheKey);
    assert.equal(one.cacheKey, three.cacheKey);
  });

  it("bind rw: a throwaway copy, so the context's files never change", async () => {
    const c = ctx();
    const p = await prepareRunMounts(mounts("type=bind,source=src,target=/s,rw"), c);
    const source = p.mounts[0]!.source;
    assert.ok(source.startsWith(`${c.workDir}/`), source);
    assert.equal(p.mounts[0]!.readOnly, false);
    assert.equal(fs.readFileSync(`${source}/sub/b.txt`, "utf8"), "b\n");
    fs.writeFileSync(`${source}/a.txt`, "scribbled");
    assert.equal(fs.readFileSync(`${contextDir}/src/a.txt`, "utf8"), "a\n");
    await p.release();
  });

  it("bind: files the ignore rules exclude are not in what the step sees", async () => {
    const ignoring = `${dir}/ctx-ignore`;
    fs.mkdirSync(`${ignoring}/src`, { recursive: true });
    fs.writeFileSync(`${ignoring}/src/keep.txt`, "k");
    fs.writeFileSync(`${ignoring}/src/secret.key`, "no");
    fs.writeFileSync(`${ignoring}/.dockerignore`, "**/*.key\n");
    fs.writeFileSync(`${ignoring}/Dockerfile`, "FROM scratch\n");
    const ignored = (await openDirectoryContext(ignoring)).context;
    const p = await prepareRunMounts(mounts("type=bind,source=src,target=/s"), ctx({ context: ignored }));
    assert.deepEqual(fs.readdirSync(p.mounts[0]!.source), ["keep.txt"]);
    assert.equal(p.mounts[0]!.readOnly, true);
    await p.release();
  });

  it("bind: source=../../etc and a link to /etc stay inside the context", async () => {
    await assert.rejects(prepareRunMounts(mounts("type=bind,source=../../etc,target=/x"), ctx()), /"\/etc": not found/);
    await assert.rejects(prepareRunMounts(mounts("type=bind,source=etc-link,target=/x"), ctx()), /not found/);
    const p = await prepareRunMounts(mounts("type=bind,source=up-link/src,target=/x"), ctx());
    assert.equal(p.mounts[0]!.source, `${fs.realpathSync(contextDir)}/src`);
    await p.release();
    fs.mkdirSync(`${contextDir}/etc`);
    try {
      const q = await prepareRunMounts(mounts("type=bind,source=etc-link,target=/x"), ctx());
      assert.equal(q.mounts[0]!.source, `${fs.realpathSync(contextDir)}/etc`);
      await q.release();
    } finally {
      fs.rmdirSync(`${contextDir}/etc`);
    }
  });

  it("bind from=: a path of the stage, resolved inside it and released afterwards", async () => {
    released.length = 0;
    const p = await prepareRunMounts(mounts("type=bind,from=stage,source=/opt/seed,target=/seed"), ctx());
    assert.equal(p.mounts[0]!.source, `${stageDir}/opt/seed`);
    assert.deepEqual(released, []);
    await p.release();
    assert.deepEqual(released, ["stage"]);
    // A link to /etc in the stage means the stage's /etc, which it does not have.
    await assert.rejects(prepareRunMounts(mounts("type=bind,from=stage,source=/opt/out,target=/o"), ctx()), /not found in stage/);
  });

  it("cache: a directory that outlives the step, with its bookkeeping", async () => {
    const one = await prepareRunMounts(mounts("type=cache,target=/root/.cache"), ctx());
    const path = one.mounts[0]!.source;
    assert.ok(path.startsWith(`${engine.config.root}/build/cache-mounts/`), path);
    assert.equal(one.mounts[0]!.readOnly, false);
    assert.equal(fs.statSync(path).mode & 0o7777, 0o755);
    fs.writeFileSync(`${path}/kept`, "x");
    let listed = listCacheMounts(engine.config.root).filter((c) => c.id === "/root/.cache");
    assert.equal(listed.length, 1);
    assert.equal(listed[0]!.inUse, true);
    assert.deepEqual(await removeCacheMount(engine.config.root, "/root/.cache"), [], "in use: left alone");
    await one.release();

    const two = await prepareRunMounts(mounts("type=cache,target=/root/.cache"), ctx());
    assert.equal(two.mounts[0]!.source, path);
    assert.equal(fs.readFileSync(`${path}/kept`, "utf8"), "x");
    await two.release();
    listed = listCacheMounts(engine.config.root).filter((c) => c.id === "/root/.cache");
    assert.equal(listed[0]!.usageCount, 2);
    assert.equal(listed[0]!.inUse, false);
    assert.equal(listed[0]!.size, 1);
    assert.ok(Date.parse(listed[0]!.lastUsedAt) >= Date.parse(listed[0]!.createdAt));

    const removed = await removeCacheMount(engine.config.root, "/root/.cache");
    assert.equal(removed.length, 1);
    assert.equal(fs.existsSync(path), false);
    assert.deepEqual(
      listCacheMounts(engine.config.root).filter((c) => c.id === "/root/.cache"),
      [],
    );
  });

  it("cache: id names the cache, not the target; uid, gid and mode make a new directory", async () => {
    const p = await prepareRunMounts(mounts("type=cache,id=pip,target=/a,uid=1000,gid=1001,mode=0700"), ctx());
    const st = fs.statSync(p.mounts[0]!.source);
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [1000, 1001, 0o700]);
    await p.release();
    const q = await prepareRunMounts(mounts("type=cache,id=pip,target=/b,ro"), ctx());
    assert.equal(q.mounts[0]!.source, p.mounts[0]!.source);
    assert.equal(q.mounts[0]!.readOnly, true);
    await q.release();
  });

  it("cache sharing=shared: two steps at once use the same directory", async () => {
    const a = await prepareRunMounts(mounts("type=cache,id=sh,target=/c"), ctx());
    const b = await prepareRunMounts(mounts("type=cache,id=sh,target=/c,sharing=shared"), ctx());
    assert.equal(a.mounts[0]!.source, b.mounts[0]!.source);
    await a.release();
    await b.release();
  });

  it("cache sharing=private: a second directory while the first is in use", async () => {
    const a = await prepareRunMounts(mounts("type=cache,id=pv,target=/c,sharing=private"), ctx());
    const b = await prepareRunMounts(mounts("type=cache,id=pv,target=/c,sharing=private"), ctx());
    assert.notEqual(a.mounts[0]!.source, b.mounts[0]!.source);
    await a.release();
    await b.release();
    const c = await prepareRunMounts(mounts("type=cache,id=pv,target=/c,sharing=private"), ctx());
    assert.equal(c.mounts[0]!.source, a.mounts[0]!.source, "a free instance is reused");
    await c.release();
    assert.equal(listCacheMounts(engine.config.root).filter((i) => i.id === "pv").length, 2);
  });

  it("cache sharing=locked: the second step waits until the first releases", async () => {
    const a = await prepareRunMounts(mounts("type=cache,id=lk,target=/c,sharing=locked"), ctx());
    let second: PreparedRunMounts | undefined;
    const waiting = prepareRunMounts(mounts("type=cache,id=lk,target=/c,sharing=locked"), ctx()).then((p) => (second = p));
    await sleep(300);
    assert.equal(second, undefined, "the second step must wait for the lock");
    await a.release();
    await waiting;
    assert.equal(second!.mounts[0]!.source, a.mounts[0]!.source);
    await second!.release();
  });

  it("cache sharing=locked: a cancelled build stops waiting", async () => {
    const a = await prepareRunMounts(mounts("type=cache,id=lk2,target=/c,sharing=locked"), ctx());
    const abort = new AbortController();
    const waiting = prepareRunMounts(mounts("type=cache,id=lk2,target=/c,sharing=locked"), ctx({ signal: abort.signal }));
    await sleep(100);
    abort.abort();
    await assert.rejects(waiting, /cancelled/);
    await a.release();
  });

  it("cache from=: a new cache starts as a copy of the stage's directory", async () => {
    const p = await prepareRunMounts(mounts("type=cache,id=seeded,from=stage,source=/opt/seed,target=/c"), ctx());
    assert.equal(fs.readFileSync(`${p.mounts[0]!.source}/s.txt`, "utf8"), "seed\n");
    await p.release();
  });

  it("secret: a read-only file, 0400 root by default, in memory, wiped on release; never in the cache key", async () => {
    const c = ctx();
    const p = await prepareRunMounts(mounts("type=secret,id=token"), c);
    assert.equal(p.mounts.length, 1);
    const m = p.mounts[0]!;
    assert.equal(m.destination, "/run/secrets/token");
    assert.equal(m.readOnly, true);
    assert.equal(m.type, "bind");
    assert.equal(fs.readFileSync(m.source, "utf8"), "s3cr3t");
    const st = fs.statSync(m.source);
    assert.deepEqual([st.mode & 0o7777, st.uid, st.gid], [0o400, 0, 0]);
    assert.ok(m.source.startsWith(`${c.workDir}/`));
    assert.equal(fs.statSync(`${c.workDir}/secrets`).mode & 0o777, 0o700);
    const fsType = fs
      .readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .find((l) => l.split(" ")[4] === `${c.workDir}/secrets`);
    assert.match(fsType ?? "", / - tmpfs /, "secrets live in a tmpfs");
    assert.ok(!p.cacheKey.includes("s3cr3t"));
    await p.release();
    assert.equal(fs.existsSync(m.source), false);
    assert.equal(fs.existsSync(`${c.workDir}/secrets`), false);

    fs.writeFileSync(`${dir}/token`, "other");
    const q = await prepareRunMounts(mounts("type=secret,id=token"), ctx());
    assert.equal(q.cacheKey, p.cacheKey, "the content is not part of the key");
    await q.release();
    fs.writeFileSync(`${dir}/token`, "s3cr3t");
  });

  it("secret: target, mode, uid and gid as given; the id defaults to the target's name", async () => {
    const p = await prepareRunMounts(mounts("type=secret,target=/etc/token,mode=0440,uid=7,gid=8"), ctx());
    const m = p.mounts[0]!;
    assert.equal(m.destination, "/etc/token");
    const st = fs.statSync(m.source);
    assert.deepEqual([st.mode & 0o7777, st.uid, st.gid], [0o440, 7, 8]);
    await p.release();
  });

  it("secret: missing and required is an error; missing and optional is left out", async () => {
    await assert.rejects(prepareRunMounts(mounts("type=secret,id=nope,required"), ctx()), { message: "secret nope: not found" });
    const p = await prepareRunMounts(mounts("type=secret,id=nope"), ctx());
    assert.deepEqual(p.mounts, []);
    await p.release();
  });

  it("secret env=: a variable for the RUN, from a variable of the client or a file", async () => {
    const p = await prepareRunMounts(mounts("type=secret,id=fromenv,env=TOKEN", "type=secret,id=token,env=FILE_TOKEN,target=/t"), ctx());
    assert.deepEqual(p.env, ["TOKEN=from-env", "FILE_TOKEN=s3cr3t"]);
    assert.deepEqual(
      p.mounts.map((m) => m.destination),
      ["/t"],
    );
    assert.ok(!p.cacheKey.includes("from-env"));
    await p.release();
  });

  it("ssh: refused with a clear error", async () => {
    await assert.rejects(prepareRunMounts(mounts("type=ssh"), ctx()), /type=ssh is not supported/);
  });

  it("a failure releases what was already taken", async () => {
    await assert.rejects(prepareRunMounts(mounts("type=cache,id=rollback,target=/c,sharing=locked", "type=ssh"), ctx()));
    const p = await prepareRunMounts(mounts("type=cache,id=rollback,target=/c,sharing=locked"), ctx());
    await p.release();
  });

  it("scrubMountTargets(): the mount points that were not in the image leave no trace in the layer", async () => {
    const p = await prepareRunMounts(
      mounts("type=secret,id=token", "type=cache,id=scrub,target=/cache/deep", "type=tmpfs,target=/usr/bin", "type=tmpfs,target=/work"),
      ctx(),
    );
    await p.release();
    // The upper as runc and the step left it: stubs, /run copied up, and what the step wrote.
    const upper = `${dir}/upper`;
    fs.mkdirSync(`${upper}/run/secrets`, { recursive: true });
    fs.chmodSync(`${upper}/run`, fs.statSync(`${rootfs}/run`).mode & 0o7777);
    fs.writeFileSync(`${upper}/run/secrets/token`, "");
    fs.mkdirSync(`${upper}/cache/deep`, { recursive: true });
    fs.mkdirSync(`${upper}/work`);
    fs.writeFileSync(`${upper}/work/made-by-run`, "x");
    fs.mkdirSync(`${upper}/usr/bin`, { recursive: true });
    await p.scrubMountTargets(upper);
    assert.deepEqual(fs.readdirSync(upper).sort(), ["usr", "work"]);
    assert.deepEqual(fs.readdirSync(`${upper}/work`), ["made-by-run"], "what the step wrote stays");
    assert.deepEqual(fs.readdirSync(`${upper}/usr`), ["bin"], "a target the image had is not a stub");
  });
});

/** A MountRequest as `run --mount` spells it, so the real CLI makes the container. */
function mountFlag(m: MountRequest): string {
  const parts = [`type=${m.type}`, `target=${m.destination}`];
  if (m.type === "bind") parts.push(`source=${m.source}`);
  if (m.readOnly) parts.push("readonly");
  for (const o of m.tmpfsOptions) if (o.startsWith("size=")) parts.push(`tmpfs-size=${o.slice(5)}`);
  return parts.join(",");
}

describe("prepareRunMounts() in a real container", { skip }, () => {
  const bb = useBusyboxRoot();

  it("a busybox container sees the secret, the cache, the tmpfs and a read-only context", async () => {
    const t = bb.t;
    const engine = openEngine({ root: t.root, runroot: t.runroot, log: quiet });
    try {
      const ctxDir = `${t.dir}/ctx`;
      fs.mkdirSync(ctxDir);
      fs.writeFileSync(`${ctxDir}/Dockerfile`, "FROM busybox\n");
      fs.writeFileSync(`${ctxDir}/hello.txt`, "hello from the context\n");
      fs.writeFileSync(`${t.dir}/token`, "s3cr3t");
      const workDir = `${t.dir}/step`;
      fs.mkdirSync(workDir);
      const rootfs = `${t.dir}/rootfs`;
      fs.mkdirSync(rootfs);
      const specs = [
        "type=secret,id=token,uid=1000",
        "type=cache,id=c,target=/cache",
        "type=tmpfs,target=/scratch,size=2m",
        "type=bind,target=/src",
      ];
      const context = (await openDirectoryContext(ctxDir)).context;
      const run = async (script: string) => {
        const p = await prepareRunMounts(
          specs.map((s) => parseRunMount(s, (w) => w)),
          {
            engine,
            context,
            mountSource: () => Promise.reject(new Error("no stages here")),
            secrets: [{ id: "token", source: { kind: "file", path: `${t.dir}/token` } }],
            rootfs,
            workDir,
          },
        );
        try {
          const flags = p.mounts.flatMap((m) => ["--mount", mountFlag(m)]);
          return t.berth(["run", "--rm", "--network", "none", ...flags, "busybox", "sh", "-c", script]);
        } finally {
          await p.release();
        }
      };
      const first = await run(
        "cat /run/secrets/token; echo; stat -c '%a %u' /run/secrets/token; echo cached > /cache/f; " +
          "df -k /scratch | tail -1 | awk '{print $2}'; cat /src/hello.txt; touch /src/x 2>/dev/null && echo WRITABLE; echo done",
      );
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout, "s3cr3t\n400 1000\n2048\nhello from the context\ndone\n");
      const second = await run("cat /cache/f");
      assert.equal(second.stdout, "cached\n", second.stderr);
      assert.equal(fs.existsSync(`${workDir}/secrets`), false);
    } finally {
      engine.close();
    }
  });
});
