// `berth build`'s flag values as the docker CLI and buildx read them (pure parsing, no engine).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  isUrlContext,
  parseBuildArgs,
  parseBuildNetwork,
  parseLabelFlags,
  parseOutputFlag,
  parseProgressFlag,
  parseSecretFlag,
} from "../../src/cli/commands/build-flags.js";
import { buildFlags, dockerfileExcerpt } from "../../src/cli/commands/build-command.js";
import { ClientError } from "../../src/cli/errors.js";
import { formatPlatform, hostPlatform } from "../../src/build/dockerfile/dockerfile.js";

describe("--build-arg", () => {
  test("K=V, K from the environment, K unset stays without a value, the last of a name wins", () => {
    const args = parseBuildArgs(["A=1", "B", "C", "D=x=y", "A=2", "E="], { B: "fromenv" });
    assert.deepEqual(
      [...args],
      [
        ["A", "2"],
        ["B", "fromenv"],
        ["C", undefined],
        ["D", "x=y"],
        ["E", ""],
      ],
    );
  });
});

describe("--label", () => {
  test("k=v and a bare k (empty value)", () => {
    assert.deepEqual(parseLabelFlags(["a=b", "c", "d=e=f"]), { a: "b", c: "", d: "e=f" });
  });
});

describe("--output", () => {
  test("buildx's forms", () => {
    assert.deepEqual(parseOutputFlag("type=local,dest=out"), { type: "local", dest: "out" });
    assert.deepEqual(parseOutputFlag("type=tar,dest=x.tar"), { type: "tar", dest: "x.tar" });
    assert.deepEqual(parseOutputFlag("type=tar,dest=-"), { type: "tar", dest: "-" });
    assert.deepEqual(parseOutputFlag("type=image"), { type: "image" });
    assert.deepEqual(parseOutputFlag("type=docker"), { type: "image" });
    assert.deepEqual(parseOutputFlag("outdir"), { type: "local", dest: "outdir" });
    assert.deepEqual(parseOutputFlag("-"), { type: "tar", dest: "-" });
  });
  test("refusals name what is wrong", () => {
    assert.throws(() => parseOutputFlag("type=registry"), /output type "registry" is not supported by berth/);
    assert.throws(() => parseOutputFlag("type=local"), /dest is required for local output/);
    assert.throws(() => parseOutputFlag("dest=x"), /output type is required/);
    assert.throws(() => parseOutputFlag("type=local,dest=x,compression=gzip"), /unsupported output attribute 'compression'/);
    assert.throws(() => parseOutputFlag("type=image,name=x"), /tag the image with -t/);
    assert.throws(() => parseOutputFlag("type=local,dest"), /must be a key=value pair/);
  });
});

describe("--secret", () => {
  test("file and env sources, buildx's aliases and default ids", () => {
    assert.deepEqual(parseSecretFlag("id=a,src=/run/a.txt", {}), { id: "a", source: { kind: "file", path: "/run/a.txt" } });
    assert.deepEqual(parseSecretFlag("id=a,source=f", {}), { id: "a", source: { kind: "file", path: "f" } });
    assert.deepEqual(parseSecretFlag("type=file,src=/x/token", {}), { id: "token", source: { kind: "file", path: "/x/token" } });
    assert.deepEqual(parseSecretFlag("id=t,env=TOKEN", {}), { id: "t", source: { kind: "env", name: "TOKEN" } });
    assert.deepEqual(parseSecretFlag("env=TOKEN", {}), { id: "TOKEN", source: { kind: "env", name: "TOKEN" } });
    assert.deepEqual(parseSecretFlag("type=env,id=t,src=TOKEN", {}), { id: "t", source: { kind: "env", name: "TOKEN" } });
  });
  test("id alone: the variable when the environment has it, else the file", () => {
    assert.deepEqual(parseSecretFlag("id=TOKEN", { TOKEN: "x" }), { id: "TOKEN", source: { kind: "env", name: "TOKEN" } });
    assert.deepEqual(parseSecretFlag("id=TOKEN", {}), { id: "TOKEN", source: { kind: "file", path: "TOKEN" } });
  });
  test("refusals", () => {
    assert.throws(() => parseSecretFlag("type=ssh,id=a", {}), /unsupported secret type "ssh"/);
    assert.throws(() => parseSecretFlag("id=a,bogus=1", {}), /unexpected key 'bogus'/);
    assert.throws(() => parseSecretFlag("id=a,src=f,env=E", {}), /src or env, not both/);
    assert.throws(() => parseSecretFlag("src=", {}), /needs src=FILE or env=VAR/);
    assert.throws(() => parseSecretFlag("justtext", {}), /must be a key=value pair/);
  });
});

describe("--progress, --network and the context argument", () => {
  test("progress modes", () => {
    for (const m of ["auto", "plain", "tty", "quiet"]) assert.equal(parseProgressFlag(m), m);
    assert.throws(() => parseProgressFlag("fancy"), /invalid progress mode "fancy": expected auto, plain, tty or quiet/);
  });
  test("network modes", () => {
    for (const m of ["default", "host", "none"]) assert.equal(parseBuildNetwork(m), m);
    assert.throws(() => parseBuildNetwork("bridge2"), /"default", "host" or "none", not "bridge2"/);
  });
  test("URL contexts are told apart from paths", () => {
    for (const u of ["https://x/y.git", "http://x/ctx.tar", "git://h/r", "git@github.com:a/b", "github.com/a/b"])
      assert.ok(isUrlContext(u), u);
    for (const p of [".", "-", "ctx", "./http:", "/tmp/git@x"]) assert.ok(!isUrlContext(p), p);
  });
});

describe("buildFlags: the request's parts", () => {
  const base = {
    tag: [],
    buildArg: [],
    label: [],
    cache: true,
    network: "default",
    addHost: [],
    output: [],
    cacheFrom: [],
    secret: [],
    ulimit: [],
    securityOpt: [],
    progress: "auto",
    rm: true,
  };
  test("defaults: an image, rm, auto progress, no platform", () => {
    const f = buildFlags(base, {});
    assert.deepEqual(f.output, { type: "image" });
    assert.equal(f.rm, true);
    assert.equal(f.forceRm, false);
    assert.equal(f.noCache, false);
    assert.equal(f.platform, "");
    assert.equal(f.progress, "auto");
    assert.deepEqual(f.noCacheFilter, []);
  });
  test("the RUN steps' limits: none unless given", () => {
    assert.deepEqual(buildFlags(base, {}).stepHost, {
      Memory: 0,
      MemorySwap: 0,
      CpuShares: 0,
      CpuPeriod: 0,
      CpuQuota: 0,
      CpusetCpus: "",
      CpusetMems: "",
      CgroupParent: "",
      SecurityOpt: null,
      Isolation: "",
    });
  });
  test("-m, --memory-swap, -c, --cpu-*, --cpuset-*, --cgroup-parent, --isolation; --security-opt is a comma list", () => {
    const f = buildFlags(
      {
        ...base,
        memory: 67108864,
        memorySwap: -1,
        cpuShares: 512,
        cpuPeriod: 50000,
        cpuQuota: 25000,
        cpusetCpus: "0",
        cpusetMems: "0",
        cgroupParent: "/bp",
        isolation: "default",
        securityOpt: ["seccomp=unconfined,label=disable", "no-new-privileges"],
      },
      {},
    );
    assert.deepEqual(f.stepHost, {
      Memory: 67108864,
      MemorySwap: -1,
      CpuShares: 512,
      CpuPeriod: 50000,
      CpuQuota: 25000,
      CpusetCpus: "0",
      CpusetMems: "0",
      CgroupParent: "/bp",
      SecurityOpt: ["seccomp=unconfined", "label=disable", "no-new-privileges"],
      Isolation: "default",
    });
  });
  test("--no-cache, --rm=false, -q (quiet progress), --no-cache-filter and --cache-from lists", () => {
    const f = buildFlags({ ...base, cache: false, rm: false, quiet: true, cacheFilter: ["a,b", "c"], cacheFrom: ["x:1,y:2"] }, {});
    assert.equal(f.noCache, true);
    assert.equal(f.rm, false);
    assert.equal(f.progress, "quiet");
    assert.deepEqual(f.noCacheFilter, ["a", "b", "c"]);
    assert.deepEqual(f.cacheFrom, ["x:1", "y:2"]);
  });
  test("--platform: this machine's is taken (normalised), any other refused", () => {
    const host = formatPlatform(hostPlatform());
    assert.equal(buildFlags({ ...base, platform: host }, {}).platform, host);
    assert.equal(buildFlags({ ...base, platform: host.toUpperCase() }, {}).platform, host);
    const other = host.endsWith("amd64") ? "linux/arm64" : "linux/amd64";
    assert.throws(
      () => buildFlags({ ...base, platform: other }, {}),
      (err: Error) => err instanceof ClientError && err.message.includes(`only for this machine's platform (${host})`),
    );
    assert.throws(() => buildFlags({ ...base, platform: "windows/amd64" }, {}), ClientError);
  });
  test("one output only; --load agrees with type=image only", () => {
    assert.throws(() => buildFlags({ ...base, output: [{ type: "image" }, { type: "local", dest: "d" }] }, {}), /multiple outputs/);
    assert.throws(() => buildFlags({ ...base, load: true, output: [{ type: "local", dest: "d" }] }, {}), /--load and --output/);
    assert.deepEqual(buildFlags({ ...base, load: true }, {}).output, { type: "image" });
  });
  test("output and secret file paths are made absolute against the working directory", () => {
    const f = buildFlags({ ...base, output: [{ type: "local", dest: "out" }], secret: ["id=a,src=s.txt"] }, {});
    assert.deepEqual(f.output, { type: "local", dest: `${process.cwd()}/out` });
    assert.deepEqual(f.secrets, [{ id: "a", source: { kind: "file", path: `${process.cwd()}/s.txt` } }]);
    assert.deepEqual(buildFlags({ ...base, output: [{ type: "tar", dest: "-" }] }, {}).output, { type: "tar", dest: "-" });
  });
  test("--secret id= reads the environment it is given", () => {
    const f = buildFlags({ ...base, secret: ["id=TOK"] }, { TOK: "1" });
    assert.deepEqual(f.secrets, [{ id: "TOK", source: { kind: "env", name: "TOK" } }]);
  });
});

test("dockerfileExcerpt(): BuildKit's file:line header and the lines around the error, marked >>>", () => {
  const text = Buffer.from("FROM busybox\nRUN a\nFROMM x\nRUN b\nRUN c\nRUN d\n");
  assert.equal(
    dockerfileExcerpt({ startLine: 3, endLine: 3 }, "Dockerfile", text),
    [
      "Dockerfile:3",
      "--------------------",
      "   1 |     FROM busybox",
      "   2 |     RUN a",
      "   3 | >>> FROMM x",
      "   4 |     RUN b",
      "   5 |     RUN c",
      "--------------------",
      "",
    ].join("\n"),
  );
  assert.equal(dockerfileExcerpt(new Error("no lines"), "Dockerfile", text), undefined);
  assert.equal(dockerfileExcerpt({ startLine: 0 }, "Dockerfile", text), undefined, "line 0: the whole file (an empty one, no stage)");
});
