// `berth build`, `builder prune` and POST /build up to the builder: what the front ends refuse and
// answer themselves (flag errors, the context, the Dockerfile and the target checked first), in
// the docker CLI's and dockerd's words. Builds that run steps are tested with the builder.
import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { createTempRoot, isRoot } from "../helpers/temp-root.js";
import { useApiServer } from "../helpers/api-server.js";
import { buildTar } from "../helpers/tar-builder.js";
import { formatPlatform, hostPlatform } from "../../src/build/dockerfile/dockerfile.js";

const USAGE = "\n\nUsage:  berth build [OPTIONS] PATH | URL | -\n\nRun 'berth build --help' for more information\n";
const skip = isRoot() ? false : "needs root";
const DOCKER = ["/usr/local/bin/docker", "/usr/bin/docker"].find((p) => fs.existsSync(p));

describe("berth build: refusals before any build", () => {
  const t = createTempRoot();
  after(() => t.cleanup());
  const ctx = `${t.dir}/ctx`;
  fs.mkdirSync(ctx);

  const cases: [string[], number, string][] = [
    [["build"], 1, "berth: 'berth build' requires 1 argument" + USAGE],
    [
      ["image", "build", "a", "b"],
      1,
      "berth: 'berth image build' requires 1 argument\n\nUsage:  berth image build [OPTIONS] PATH | URL | -\n\nRun 'berth image build --help' for more information\n",
    ],
    [
      ["build", "-t", "Foo", "."],
      125,
      'invalid argument "Foo" for "-t, --tag" flag: invalid reference format: repository name (library/Foo) must be lowercase' + USAGE,
    ],
    [["build", "--ulimit", "bad", "."], 125, 'invalid argument "bad" for "--ulimit" flag: invalid ulimit argument: bad' + USAGE],
    [
      ["build", "--output", "type=registry", "."],
      125,
      'invalid argument "type=registry" for "-o, --output" flag: output type "registry" is not supported by berth (local, tar or image)' +
        USAGE,
    ],
    [
      ["build", "-o", "type=local", "."],
      125,
      'invalid argument "type=local" for "-o, --output" flag: dest is required for local output' + USAGE,
    ],
    [
      ["build", "--progress", "fancy", "."],
      125,
      'invalid argument "fancy" for "--progress" flag: invalid progress mode "fancy": expected auto, plain, tty or quiet' + USAGE,
    ],
    [
      ["build", "--network", "mynet", "."],
      125,
      'invalid argument "mynet" for "--network" flag: berth builds run their RUN steps on the network "default", "host" or "none", not "mynet"' +
        USAGE,
    ],
    [
      ["build", "--secret", "id=a,bogus=1", "."],
      125,
      "invalid argument \"id=a,bogus=1\" for \"--secret\" flag: unexpected key 'bogus' in 'id=a,bogus=1'" + USAGE,
    ],
    [["build", "--add-host", "x", "."], 125, 'invalid argument "x" for "--add-host" flag: bad format for add-host: "x"' + USAGE],
    [["build", "--shm-size", "lots", "."], 125, 'invalid argument "lots" for "--shm-size" flag: invalid size: \'lots\'' + USAGE],
    [["build", "-m", "bogus", "."], 125, 'invalid argument "bogus" for "-m, --memory" flag: invalid size: \'bogus\'' + USAGE],
    [["build", "--memory-swap", "bogus", "."], 125, 'invalid argument "bogus" for "--memory-swap" flag: invalid size: \'bogus\'' + USAGE],
    [
      ["build", "-c", "abc", "."],
      125,
      'invalid argument "abc" for "-c, --cpu-shares" flag: strconv.ParseInt: parsing "abc": invalid syntax' + USAGE,
    ],
    [
      ["build", "--cpu-period", "x", "."],
      125,
      'invalid argument "x" for "--cpu-period" flag: strconv.ParseInt: parsing "x": invalid syntax' + USAGE,
    ],
    [
      ["build", "--cpu-quota", "1.5", "."],
      125,
      'invalid argument "1.5" for "--cpu-quota" flag: strconv.ParseInt: parsing "1.5": invalid syntax' + USAGE,
    ],
    [
      ["buildx", "build", "--push", "."],
      125,
      "berth does not support the '--push' flag of 'berth buildx build' yet\n\nUsage:  berth buildx build [OPTIONS] PATH | URL | -\n\nRun 'berth buildx build --help' for more information\n",
    ],
    [
      ["build", "https://example.invalid/repo.git"],
      1,
      "unable to prepare context: berth does not fetch URL contexts (https://example.invalid/repo.git): clone or download it, then build the directory\n",
    ],
    [["build", "-f", "-", "-"], 1, "invalid argument: can't use stdin for both build context and dockerfile\n"],
  ];
  for (const [argv, code, stderr] of cases) {
    test(`berth ${argv.join(" ")}`, () => {
      const r = t.berth(argv);
      assert.equal(r.stderr, stderr);
      assert.equal(r.stdout, "");
      assert.equal(r.code, code);
    });
  }

  test("a missing context directory and a missing Dockerfile: the docker CLI's words, exit 1", () => {
    const gone = t.berth(["build", `${t.dir}/nothere`]);
    assert.equal(gone.stderr, `unable to prepare context: path "${t.dir}/nothere" not found\n`);
    assert.equal(gone.code, 1);
    const missing = t.berth(["build", ctx]);
    assert.equal(
      missing.stderr,
      `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${fs.realpathSync(ctx)}/Dockerfile: no such file or directory\n`,
    );
    assert.equal(missing.code, 1);
    const named = t.berth(["build", "-f", `${ctx}/Other.Dockerfile`, ctx]);
    assert.match(named.stderr, /lstat .*\/Other\.Dockerfile: no such file or directory\n$/);
    assert.equal(named.code, 1);
  });

  test("--platform: another machine's is refused, naming the one berth builds for", () => {
    fs.writeFileSync(`${ctx}/Dockerfile`, "FROM busybox\n");
    const host = formatPlatform(hostPlatform());
    const other = host === "linux/amd64" ? "linux/arm64" : "linux/amd64";
    const r = t.berth(["build", "--platform", other, ctx]);
    assert.equal(
      r.stderr,
      `berth builds only for this machine's platform (${host}), not "${other}": it runs RUN steps without emulation\n`,
    );
    assert.equal(r.code, 1);
    fs.rmSync(`${ctx}/Dockerfile`);
  });

  test("build --help lists the flags and says what --squash does", () => {
    const r = t.berth(["build", "--help"]);
    assert.equal(r.code, 0);
    for (const flag of ["--build-arg", "--cache-from", "--iidfile", "--no-cache-filter", "--output", "--secret", "--target", "--ulimit"])
      assert.ok(r.stdout.includes(flag), flag);
    assert.match(
      r.stdout.replace(/\s+/g, " "),
      /--squash Accepted for compatibility: berth already writes one minimal layer per filesystem step/,
    );
  });
});

describe("builder prune and system df: the build cache", { skip }, () => {
  const t = createTempRoot();
  after(() => t.cleanup());

  test("prune -f on an empty cache: the docker CLI's report", () => {
    const r = t.berth(["builder", "prune", "-f"]);
    assert.deepEqual(r, { code: 0, stdout: "Total reclaimed space: 0B\n", stderr: "" });
    const all = t.berth(["builder", "prune", "-a", "-f", "--filter", "until=1h", "--keep-storage", "1g"]);
    assert.deepEqual(all, { code: 0, stdout: "Total reclaimed space: 0B\n", stderr: "" });
  });

  test("prune asks first (dangling, or all with -a); no answer removes nothing", () => {
    const r = t.berth(["builder", "prune"]);
    assert.deepEqual(r, {
      code: 0,
      stdout: "WARNING! This will remove all dangling build cache. Are you sure you want to continue? [y/N] ",
      stderr: "",
    });
    const a = t.berth(["builder", "prune", "-a"], { input: "y\n" });
    assert.equal(
      a.stdout,
      "WARNING! This will remove all build cache. Are you sure you want to continue? [y/N] Total reclaimed space: 0B\n",
    );
  });

  test("prune refuses a filter it does not know, and a bad one, before asking", () => {
    const bogus = t.berth(["builder", "prune", "--filter", "bogus=1"]);
    assert.deepEqual(bogus, {
      code: 1,
      stdout: "",
      stderr: "Error response from daemon: failed to prune build cache: Invalid filter 'bogus'\n",
    });
    const bad = t.berth(["builder", "prune", "--filter", "foo"]);
    assert.equal(bad.code, 125);
    assert.match(
      bad.stderr,
      /^invalid argument "foo" for "--filter" flag: bad format of filter \(expected name=value\)\n\nUsage:  berth builder prune/,
    );
  });

  test("build - with a tar on stdin: a missing Dockerfile is the daemon's 500 words; nothing is left in the store", async () => {
    const tar = await buildTar([{ type: "file", name: "a.txt", body: "x" }], { gzip: true });
    const r = t.berth(["build", "-"], { input: tar });
    assert.deepEqual(r, { code: 1, stdout: "", stderr: "Error response from daemon: Cannot locate specified Dockerfile: Dockerfile\n" });
    const named = t.berth(["build", "-f", "sub/App.Dockerfile", "-"], { input: tar });
    assert.equal(named.stderr, "Error response from daemon: Cannot locate specified Dockerfile: sub/App.Dockerfile\n");
    assert.deepEqual(fs.readdirSync(`${t.root}/tmp`), []);
  });

  test("system df has the Build Cache row and -v its section", () => {
    const df = t.berth(["system", "df"]);
    assert.equal(df.code, 0);
    assert.match(df.stdout, /\nBuild Cache     0         0         0B        0B\n$/);
    const v = t.berth(["system", "df", "-v"]);
    assert.match(v.stdout, /\nBuild cache usage: 0B\n\nCACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED\n$/);
    const json = JSON.parse(t.berth(["system", "df", "-v", "--format", "json"]).stdout);
    assert.deepEqual(json.BuildCache, []);
  });
});

describe("POST /build: answers before the build", { skip }, () => {
  const served = useApiServer();
  const post = async (query: string, body: Buffer, version = "/v1.41") => {
    const r = await served.server.request("POST", `${version}/build${query}`, { body, headers: { "Content-Type": "application/x-tar" } });
    return { status: r.status, body: r.body.toString() };
  };
  const message = (text: string) => JSON.stringify({ message: text }) + "\n";
  const ctx = (dockerfile: string) => buildTar([{ type: "file", name: "Dockerfile", body: dockerfile }]);

  test("a parse error is a 400, with and without the version prefix", async () => {
    for (const prefix of ["/v1.41", ""]) {
      const r = await post("?version=1", await ctx("FROM busybox\nFROMM busybox\n"), prefix);
      assert.equal(r.status, 400, r.body);
      assert.match(JSON.parse(r.body).message, /dockerfile parse error on line 2: unknown instruction: FROMM/);
    }
  });

  test("an empty Dockerfile and one with no FROM are 400s", async () => {
    assert.equal((await post("", await ctx(""))).status, 400);
    assert.equal((await post("", await ctx("RUN echo x\n"))).status, 400);
  });

  test("an unknown target is a 400", async () => {
    const r = await post("?target=nope", await ctx("FROM busybox AS builder\nFROM busybox\n"));
    assert.equal(r.status, 400);
    assert.match(JSON.parse(r.body).message, /target stage "nope" could not be found/);
  });

  test("a missing Dockerfile is a 500 naming it; an empty body too", async () => {
    const other = await buildTar([{ type: "file", name: "a.txt", body: "x" }]);
    assert.deepEqual(await post("", other), { status: 500, body: message("Cannot locate specified Dockerfile: Dockerfile") });
    assert.deepEqual(await post("?dockerfile=sub%2FApp.Dockerfile", other), {
      status: 500,
      body: message("Cannot locate specified Dockerfile: sub/App.Dockerfile"),
    });
    assert.deepEqual(await post("", Buffer.alloc(0)), { status: 500, body: message("Cannot locate specified Dockerfile: Dockerfile") });
  });

  test("a garbage body is a 500", async () => {
    const r = await post("", Buffer.from("this is not a tar archive at all, nor compressed".repeat(20)));
    assert.equal(r.status, 500, r.body);
  });

  test("a gzipped context is read (its Dockerfile's parse error comes back)", async () => {
    const gz = await buildTar([{ type: "file", name: "Dockerfile", body: "FROMM x\n" }], { gzip: true });
    assert.equal((await post("", gz)).status, 400);
  });

  test("version=2, an isolation other than the default and a bad tag are refused before the body is read", async () => {
    const body = await ctx("FROM busybox\n");
    const v2 = await post("?version=2", body);
    assert.equal(v2.status, 400);
    assert.match(JSON.parse(v2.body).message, /BuildKit sessions \(version=2\)/);
    assert.deepEqual(await post("?isolation=hyperv", body), { status: 400, body: message('Unsupported isolation: "hyperv"') });
    assert.deepEqual(await post("?t=Bad", body), {
      status: 500,
      body: message("invalid reference format: repository name (library/Bad) must be lowercase"),
    });
  });

  test("the store keeps no staged context after these answers", () => {
    const tmp = `${served.server.t.root}/tmp`;
    const left = fs.existsSync(tmp) ? fs.readdirSync(tmp).filter((n) => !n.startsWith(".")) : [];
    assert.deepEqual(left, []);
  });

  test("POST /build/prune and /build/cancel", async () => {
    const p = await served.server.request("POST", "/v1.41/build/prune?filters=");
    assert.equal(p.status, 200);
    assert.deepEqual(JSON.parse(p.body.toString()), { CachesDeleted: null, SpaceReclaimed: 0 });
    const all = await served.server.request("POST", `/v1.41/build/prune?all=1&filters=${encodeURIComponent('{"until":{"1h":true}}')}`);
    assert.equal(all.status, 200);
    const bad = await served.server.request("POST", `/v1.41/build/prune?filters=${encodeURIComponent('{"bogus":{"1":true}}')}`);
    assert.equal(bad.status, 400);
    assert.deepEqual(JSON.parse(bad.body.toString()), { message: "failed to prune build cache: Invalid filter 'bogus'" });
    const cancel = await served.server.request("POST", "/v1.41/build/cancel?id=x");
    assert.equal(cancel.status, 200);
    assert.equal(cancel.body.length, 0);
  });

  test("the docker CLI 28 (classic, POST /build) reports the early answers as dockerd's", { skip: !DOCKER && "no docker CLI" }, () => {
    const dir = `${served.server.t.dir}/cli-ctx`;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(`${dir}/Dockerfile`, "FROM busybox\nFROMM busybox\n");
    const env = { ...process.env, DOCKER_HOST: served.server.dockerHost, DOCKER_CONFIG: `${served.server.t.dir}/docker-config` };
    const docker = (args: string[]) => spawnSync(DOCKER!, args, { env, encoding: "utf8", timeout: 60_000 });
    const parse = docker(["build", dir]);
    assert.equal(parse.status, 1);
    assert.match(parse.stderr, /Error response from daemon: dockerfile parse error on line 2: unknown instruction: FROMM/);
    fs.writeFileSync(`${dir}/Dockerfile`, "FROM busybox AS a\nFROM busybox\n");
    const target = docker(["build", "--target", "nope", dir]);
    assert.equal(target.status, 1);
    assert.match(target.stderr, /Error response from daemon: .*target stage "nope" could not be found/);
    const prune = docker(["builder", "prune", "-f"]);
    assert.equal(prune.status, 0, prune.stderr);
    assert.equal(prune.stdout, "Total reclaimed space: 0B\n");
    const df = docker(["system", "df", "--format", "{{.Type}} {{.TotalCount}} {{.Size}}"]);
    assert.match(df.stdout, /^Build Cache 0 0B$/m);
  });

  test("GET /system/df: BuildCache null and BuilderSize 0 with no cache", async () => {
    const df = JSON.parse((await served.server.request("GET", "/v1.41/system/df")).body.toString());
    assert.equal(df.BuildCache, null);
    assert.equal(df.BuilderSize, 0);
  });
});
