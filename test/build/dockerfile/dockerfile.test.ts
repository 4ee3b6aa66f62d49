// Stages, global and per-stage ARGs, FROM expansion, --target resolution and dispatch-time expansion,
// as BuildKit's frontend (dockerfile2llb) does them before and while it builds.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  DockerfileParseError,
  parseDockerfile,
  predefinedArgs,
  stagesForTarget,
  type ParseOptions,
} from "../../../src/build/dockerfile/dockerfile.js";
import { expandInstruction, proxyEnv, resolveArgs } from "../../../src/build/dockerfile/expand.js";
import type { Instruction } from "../../../src/build/dockerfile/instructions.js";
import { envFrom } from "../../../src/build/dockerfile/shell-lex.js";

const AMD64 = { os: "linux", architecture: "amd64" };
const ARM = { os: "linux", architecture: "arm", variant: "v7" };

function error(text: string, opts: ParseOptions = {}, target?: string): [string, number] {
  try {
    const df = parseDockerfile(text, opts);
    if (target !== undefined) stagesForTarget(df, target);
    else stagesForTarget(df);
  } catch (err) {
    assert.ok(err instanceof DockerfileParseError, String(err));
    return [err.message, err.startLine];
  }
  assert.fail("no error");
}

describe("parseDockerfile() stages and global ARGs", () => {
  it("splits at FROM, names and numbers stages, keeps ARGs before the first FROM apart", () => {
    const df = parseDockerfile("ARG V=1\nFROM busybox AS Builder\nRUN a\nFROM builder\nCOPY --from=0 /x /y\nFROM scratch\n", {
      platform: AMD64,
      buildPlatform: AMD64,
    });
    assert.deepEqual(
      df.stages.map((s) => [s.index, s.name, s.base, s.baseStage, s.instructions.map((i) => i.kind)]),
      [
        [0, "builder", "busybox", undefined, ["RUN"]],
        [1, "", "builder", 0, ["COPY"]],
        [2, "", "scratch", undefined, []],
      ],
    );
    assert.deepEqual(
      df.metaArgs.map((a) => a.args),
      [[{ key: "V", value: "1" }]],
    );
    assert.equal(df.globalArgs.get("V"), "1");
  });
  it("a stage name used before it is defined is an image", () => {
    const df = parseDockerfile("FROM app\nFROM busybox AS app\n");
    assert.equal(df.stages[0]!.baseStage, undefined);
  });
  it("predefines the platform ARGs for this machine, --build-arg overriding them", () => {
    const args = predefinedArgs({ platform: ARM, buildPlatform: AMD64, target: "", buildArgs: { TARGETVARIANT: "v6" } });
    assert.deepEqual(Object.fromEntries(args), {
      BUILDPLATFORM: "linux/amd64",
      BUILDOS: "linux",
      BUILDOSVERSION: "",
      BUILDARCH: "amd64",
      BUILDVARIANT: "",
      TARGETPLATFORM: "linux/arm/v7",
      TARGETOS: "linux",
      TARGETOSVERSION: "",
      TARGETARCH: "arm",
      TARGETVARIANT: "v6",
      TARGETSTAGE: "default",
    });
  });
  it("TARGETSTAGE is the --target or the last stage's name", () => {
    assert.equal(parseDockerfile("FROM a AS one\nFROM b AS two\n").globalArgs.get("TARGETSTAGE"), "two");
    assert.equal(parseDockerfile("FROM a AS one\nFROM b AS two\n", { target: "one" }).globalArgs.get("TARGETSTAGE"), "one");
  });
  it("expands FROM with global ARGs: defaults, build args, and ARGs that use earlier ones", () => {
    const text = "ARG REG=docker.io\nARG IMG=${REG}/library/busybox\nARG TAG\nFROM ${IMG}:${TAG:-latest}\nFROM $IMG:$TAG AS b\n";
    assert.deepEqual(
      parseDockerfile(text).stages.map((s) => s.base),
      ["docker.io/library/busybox:latest", "docker.io/library/busybox:"],
    );
    const given = parseDockerfile(text, { buildArgs: { TAG: "1.36", REG: "r.example" } });
    assert.deepEqual(
      given.stages.map((s) => s.base),
      ["r.example/library/busybox:1.36", "r.example/library/busybox:1.36"],
    );
    assert.deepEqual([...given.stages[0]!.usedArgs].sort(), ["IMG", "TAG"]);
  });
  it("an ARG after the first FROM does not reach later FROMs", () => {
    const df = parseDockerfile("FROM busybox\nARG TAG=2\nFROM alpine:${TAG:-none}\n");
    assert.equal(df.stages[1]!.base, "alpine:none");
  });
  it("expands FROM --platform with the predefined ARGs", () => {
    const df = parseDockerfile("FROM --platform=$BUILDPLATFORM golang AS build\nFROM --platform=${TARGETOS}/arm64 busybox\n", {
      platform: ARM,
      buildPlatform: AMD64,
    });
    assert.deepEqual(
      df.stages.map((s) => s.platform),
      ["linux/amd64", "linux/arm64"],
    );
  });
  it("keeps directives, the escape token and warnings", () => {
    const df = parseDockerfile("# syntax=docker/dockerfile:1\n# escape=`\nFROM a\nRUN x `\n\n  y\n");
    assert.equal(df.escapeToken, "`");
    assert.deepEqual(
      df.directives.map((d) => d.name),
      ["syntax", "escape"],
    );
    assert.equal(df.warnings.length, 1);
  });
});

describe("parseDockerfile() on a whole file", () => {
  it("reads the reference's cross-compiling multi-stage example", () => {
    const text = [
      "# syntax=docker/dockerfile:1",
      "ARG GO_VERSION=1.22",
      "FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine AS build",
      "WORKDIR /src",
      "ARG TARGETOS TARGETARCH",
      "RUN --mount=target=. \\",
      "    --mount=type=cache,target=/root/.cache/go-build \\",
      "    --mount=type=cache,target=/go/pkg \\",
      "    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/myapp .",
      "",
      "FROM alpine",
      "COPY --from=build /out/myapp /bin",
      'ENTRYPOINT ["/bin/myapp"]',
    ].join("\n");
    const df = parseDockerfile(text, { platform: ARM, buildPlatform: AMD64 });
    const plan = stagesForTarget(df);
    assert.deepEqual(
      plan.stages.map((s) => [s.name, s.base, s.platform, s.from.startLine]),
      [
        ["build", "golang:1.22-alpine", "linux/amd64", 3],
        ["", "alpine", "", 11],
      ],
    );
    const run = df.stages[0]!.instructions[2]!;
    assert.ok(run.kind === "RUN");
    assert.deepEqual([run.startLine, run.endLine, run.cmdLine], [6, 9, ["GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/myapp ."]]);
    assert.deepEqual(
      run.mounts?.map((m) => [m.type, m.target, m.readOnly]),
      [
        ["bind", ".", true],
        ["cache", "/root/.cache/go-build", false],
        ["cache", "/go/pkg", false],
      ],
    );
    const arg = df.stages[0]!.instructions[1]!;
    assert.ok(arg.kind === "ARG");
    assert.deepEqual(
      resolveArgs(arg, { buildArgs: df.buildArgs, globalArgs: { get: (n) => df.globalArgs.get(n) }, env: envFrom({}), escapeToken: "\\" }),
      [
        { key: "TARGETOS", value: "linux" },
        { key: "TARGETARCH", value: "arm" },
      ],
    );
  });
});

describe("parseDockerfile() errors", () => {
  const cases: [string, string, [string, number], ParseOptions?][] = [
    ["an empty file", "", ["the Dockerfile cannot be empty", 0]],
    ["only ARGs", "ARG a=1\n", ["dockerfile contains no stages to build", 0]],
    ["an instruction before FROM", "# c\nRUN echo x\nFROM a\n", ["no build stage in current context", 2]],
    ["a blank base", "ARG X\nFROM ${X}\n", ["base name (${X}) should not be blank", 2]],
    ["a bad base expansion", "FROM ${X:?need_an_image}\n", ['failed to process "${X:?need_an_image}": X: need_an_image', 1]],
    [
      "a FROM expression with spaces",
      "FROM ${X:-a b}\n",
      ["dockerfile parse error on line 1: FROM requires either one or three arguments", 1],
    ],
    ["an empty platform", "FROM --platform=$NOPE busybox\n", ["empty platform value from expression $NOPE", 1]],
    [
      "a malformed platform",
      "FROM --platform=linux//x busybox\n",
      ['failed to parse platform linux//x: "linux//x": unknown operating system or architecture: invalid argument', 1],
    ],
    [
      "an unknown instruction",
      "FROM a\n\nFROMM b\n",
      ["dockerfile parse error on line 3: unknown instruction: FROMM (did you mean FROM?)", 3],
    ],
    ["a heredoc in a classic file", "FROM a\nRUN <<EOF\necho x\n", ["unterminated heredoc", 2]],
  ];
  for (const [name, text, expected, opts] of cases) {
    it(`${name}: ${expected[0]}`, () => assert.deepEqual(error(text, opts), expected));
  }
});

describe("stagesForTarget()", () => {
  const text = [
    "FROM busybox AS base", // 0
    "FROM base AS deps", // 1
    "FROM busybox AS unused", // 2
    "RUN exit 1",
    "FROM busybox AS assets", // 3
    "FROM base AS build", // 4
    "COPY --from=deps /a /a",
    "COPY --from=3 /b /b",
    "COPY --from=alpine:3 /etc/os-release /os",
    "RUN --mount=type=cache,target=/c --mount=from=tools,target=/t make",
    "FROM busybox AS tools", // 5
    "FROM scratch AS final", // 6
    "COPY --from=build /out /",
  ].join("\n");
  const df = parseDockerfile(text);

  it("takes the last stage by default and leaves unused stages out", () => {
    assert.deepEqual(
      stagesForTarget(df).stages.map((s) => s.name),
      ["base", "deps", "assets", "build", "tools", "final"],
    );
  });
  it("builds only what a --target needs (names are case-insensitive)", () => {
    assert.deepEqual(
      stagesForTarget(df, "Deps").stages.map((s) => s.name),
      ["base", "deps"],
    );
    assert.equal(stagesForTarget(df, "unused").target.index, 2);
  });
  it("records where each stage reads from: stages by name or index, images", () => {
    const deps = stagesForTarget(df).dependencies.get(4)!;
    assert.deepEqual(
      deps.map((d) => [d.instruction.kind, d.source]),
      [
        ["FROM", { kind: "stage", index: 0 }],
        ["COPY", { kind: "stage", index: 1 }],
        ["COPY", { kind: "stage", index: 3 }],
        ["COPY", { kind: "image", ref: "alpine:3" }],
        ["RUN", { kind: "stage", index: 5 }],
      ],
    );
  });
  const errors: [string, string, string | undefined, [string, number]][] = [
    ["an unknown target", "FROM a AS build\n", "nope", ['target stage "nope" could not be found', 0]],
    [
      "a misspelt target",
      "FROM a AS build\nFROM b AS final\n",
      "biuld",
      ['target stage "biuld" could not be found (did you mean build?)', 0],
    ],
    ["a stage index out of range", "FROM a\nCOPY --from=3 /x /y\n", undefined, ["invalid stage index 3", 2]],
    [
      "a --from built from a variable",
      "FROM a AS x\nFROM b\nARG S=x\nCOPY --from=$S /x /y\n",
      undefined,
      ["variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround", 4],
    ],
    ["a stage copying from itself", "FROM a AS x\nCOPY --from=x /a /b\n", undefined, ["circular dependency detected on stage: x", 2]],
    [
      "two stages copying from each other",
      "FROM a AS one\nCOPY --from=two /a /b\nFROM a AS two\nCOPY --from=one /a /b\n",
      "two",
      ["circular dependency detected on stage: one", 4],
    ],
    [
      "a copy from a stage defined later",
      "FROM a\nCOPY --from=later /a /b\nFROM b AS later\nFROM c\nCOPY --from=0 /x /y\n",
      undefined,
      ['cannot copy from stage "later", it needs to be defined before current stage "stage-0"', 2],
    ],
  ];
  for (const [name, dockerfile, target, expected] of errors) {
    it(`refuses ${name}: ${expected[0]}`, () => assert.deepEqual(error(dockerfile, {}, target), expected));
  }
});

function first(text: string): Instruction {
  return parseDockerfile(`FROM scratch\n${text}\n`).stages[0]!.instructions[0]!;
}

describe("expandInstruction() expands what BuildKit expands", () => {
  const env = envFrom({ HOME: "/root", NAME: "app", PORTS: "80 443/udp", EMPTY: "", A: "old" });
  const cases: [string, Record<string, unknown>][] = [
    [
      'ENV A=new B=$A C="$NAME x" D=${NOPE:-dflt}',
      {
        env: [
          { key: "A", value: "new", noDelim: false },
          { key: "B", value: "old", noDelim: false },
          { key: "C", value: "app x", noDelim: false },
          { key: "D", value: "dflt", noDelim: false },
        ],
      },
    ],
    ["ENV PATH $HOME/bin:$PATH", { env: [{ key: "PATH", value: "/root/bin:", noDelim: true }] }],
    ["ENV ${NAME}_DIR=/srv/$NAME", { env: [{ key: "app_DIR", value: "/srv/app", noDelim: false }] }],
    [
      'LABEL "$NAME.version"=\'$NOT\' v="${NAME}"',
      {
        labels: [
          { key: "app.version", value: "$NOT", noDelim: false },
          { key: "v", value: "app", noDelim: false },
        ],
      },
    ],
    ["WORKDIR $HOME/$NAME", { path: "/root/app" }],
    ["WORKDIR \\$HOME", { path: "$HOME" }],
    ["USER ${NAME}:${NAME}", { user: "app:app" }],
    ["VOLUME $HOME/data /x/${EMPTY}y", { volumes: ["/root/data", "/x/y"] }],
    ["STOPSIGNAL ${SIG:-SIGTERM}", { signal: "SIGTERM" }],
    ["EXPOSE $PORTS 8080", { ports: ["80", "443/udp", "8080"] }],
    [
      "COPY --chown=$NAME --chmod=${MODE:-644} $NAME/*.txt $HOME/my\\ dir/",
      {
        // COPY's shell form splits at whitespace before expansion: an escape does not hold a path together.
        sources: ["app/*.txt", "/root/my"],
        dest: "dir/",
        chown: "app",
        chmod: "644",
      },
    ],
    ["ADD --checksum=${SUM:-sha256:00} http://x/$NAME.tgz /", { sources: ["http://x/app.tgz"], checksum: "sha256:00" }],
    ["RUN echo $HOME", { cmdLine: ["echo $HOME"] }],
    ['CMD ["echo", "$HOME"]', { cmdLine: ["echo", "$HOME"] }],
    ["ENTRYPOINT $HOME/run", { cmdLine: ["$HOME/run"] }],
    ["ONBUILD RUN echo $HOME", { expression: "RUN echo $HOME" }],
    ['SHELL ["$HOME/sh"]', { shell: ["$HOME/sh"] }],
    ["MAINTAINER $NAME", { maintainer: "$NAME" }],
    [
      "HEALTHCHECK CMD test -f $HOME/ok",
      { health: { test: ["CMD-SHELL", "test -f $HOME/ok"], interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0 } },
    ],
  ];
  for (const [line, expected] of cases) {
    it(line, () => {
      const out = expandInstruction(first(line), env, "\\").instruction as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(out[k], v, k);
    });
  }
  it("reports the names it used, for the cache key", () => {
    const r = expandInstruction(first("COPY $NAME ${NOPE:-x} /$HOME"), env, "\\");
    assert.deepEqual([...r.used].sort(), ["HOME", "NAME"]);
  });
  it("expands heredoc bodies of COPY unless the delimiter was quoted, keeping quotes", () => {
    const df = parseDockerfile("FROM scratch\nCOPY <<A <<'B' /d/\necho \"$NAME\" '$NAME' \\$NAME\nA\nraw $NAME\nB\n");
    const out = expandInstruction(df.stages[0]!.instructions[0]!, env, "\\").instruction;
    assert.deepEqual(out.kind === "COPY" && out.contents, [
      { path: "A", data: "echo \"app\" 'app' $NAME\n", expand: true },
      { path: "B", data: "raw $NAME\n", expand: false },
    ]);
  });
  it("parses RUN mounts with the stage's variables", () => {
    const out = expandInstruction(first("RUN --mount=type=cache,id=$NAME,target=$HOME/.cache x"), env, "\\").instruction;
    assert.deepEqual(out.kind === "RUN" && out.mounts?.map((m) => [m.type, m.id, m.target, m.readOnly]), [
      ["cache", "app", "/root/.cache", false],
    ]);
  });
  it("uses the Dockerfile's escape token", () => {
    const df = parseDockerfile("# escape=`\nFROM scratch\nWORKDIR C:\\$NAME`$HOME\n");
    const out = expandInstruction(df.stages[0]!.instructions[0]!, env, df.escapeToken).instruction;
    assert.equal(out.kind === "WORKDIR" && out.path, "C:\\app$HOME");
  });
  it("COPY's shell form splits at spaces before expansion, so a quoted path with a space breaks", () => {
    assert.throws(() => expandInstruction(first('COPY a "/my dir/"'), env, "\\"), {
      message: 'failed to process "\\"/my": unexpected end of statement while looking for matching double-quote',
    });
  });
  it("refuses what the lexer refuses", () => {
    assert.throws(() => expandInstruction(first("WORKDIR ${HOME"), env, "\\"), { message: /^failed to process "\$\{HOME": / });
    assert.throws(() => expandInstruction(first("USER ${U:?set a user}"), env, "\\"), {
      message: 'failed to process "${U:?set a user}": U: set a user',
    });
    assert.throws(() => expandInstruction(first("RUN --mount=type=$NOPE,target=/x y"), env, "\\"), {
      message: 'unsupported mount type ""',
    });
  });
});

describe("resolveArgs() scopes ARGs as BuildKit does", () => {
  const global = envFrom({ TARGETARCH: "amd64", VERSION: "1.0" });
  const argOf = (line: string) => {
    const i = first(line);
    assert.ok(i.kind === "ARG");
    return i;
  };
  const cases: [string, Record<string, string | undefined>, Record<string, string>, { key: string; value?: string }[]][] = [
    ["ARG TARGETARCH", {}, {}, [{ key: "TARGETARCH", value: "amd64" }]],
    ["ARG VERSION", {}, {}, [{ key: "VERSION", value: "1.0" }]],
    ["ARG VERSION=2.0", {}, {}, [{ key: "VERSION", value: "2.0" }]],
    ["ARG VERSION=2.0", { VERSION: "3.0" }, {}, [{ key: "VERSION", value: "3.0" }]],
    ["ARG UNSET", {}, {}, [{ key: "UNSET" }]],
    ["ARG UNSET", { UNSET: undefined }, {}, [{ key: "UNSET" }]],
    ["ARG EMPTY", { EMPTY: "" }, {}, [{ key: "EMPTY", value: "" }]],
    ["ARG DIR=$HOME/x", {}, { HOME: "/root" }, [{ key: "DIR", value: "/root/x" }]],
    ["ARG A=1 B=${A}2 C", {}, {}, [{ key: "A", value: "1" }, { key: "B", value: "12" }, { key: "C" }]],
    ["ARG USER=${USER:-nobody}", {}, {}, [{ key: "USER", value: "nobody" }]],
    ["ARG USER=${USER:-nobody}", {}, { USER: "env-user" }, [{ key: "USER", value: "env-user" }]],
  ];
  for (const [line, buildArgs, env, expected] of cases) {
    it(`${line} with build args ${JSON.stringify(buildArgs)} and env ${JSON.stringify(env)}`, () => {
      const got = resolveArgs(argOf(line), {
        buildArgs: new Map(Object.entries(buildArgs)),
        globalArgs: global,
        env: envFrom(env),
        escapeToken: "\\",
      });
      assert.deepEqual(got, expected);
    });
  }
  it("proxyEnv() passes the proxy build args in both cases, and nothing else", () => {
    const args = new Map<string, string | undefined>([
      ["Http_Proxy", "http://p:3128"],
      ["no_proxy", "localhost"],
      ["OTHER", "x"],
      ["FTP_PROXY", undefined],
      ["ALL_PROXY", ""],
    ]);
    assert.deepEqual(proxyEnv(args), [
      ["HTTP_PROXY", "http://p:3128"],
      ["http_proxy", "http://p:3128"],
      ["NO_PROXY", "localhost"],
      ["no_proxy", "localhost"],
    ]);
  });
});
