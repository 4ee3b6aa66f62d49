// Typed instructions and the errors BuildKit gives for bad arguments and flags
// (frontend/dockerfile/instructions: parse.go, bflag.go, commands_runmount.go), through parseDockerfile()
// so that every error carries BuildKit's "dockerfile parse error on line N: " prefix.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseDockerfile, DockerfileParseError } from "../../../src/build/dockerfile/dockerfile.js";
import type { Instruction } from "../../../src/build/dockerfile/instructions.js";
import { parseRunMount, csvFields } from "../../../src/build/dockerfile/run-mount.js";

/** The one instruction after `FROM scratch`, without its location. */
function one(line: string): Record<string, unknown> {
  const df = parseDockerfile(`FROM scratch\n${line}\n`);
  const instr = df.stages[0]!.instructions[0]!;
  const { original: _o, startLine: _s, endLine: _e, ...rest } = instr as Instruction & Record<string, unknown>;
  return rest;
}

function parseError(text: string): { message: string; startLine: number; endLine: number } {
  try {
    parseDockerfile(text);
  } catch (err) {
    assert.ok(err instanceof DockerfileParseError, String(err));
    return { message: err.message, startLine: err.startLine, endLine: err.endLine };
  }
  assert.fail(`no error for ${JSON.stringify(text)}`);
}

const RUN_DEFAULTS = { mountSpecs: [], mounts: [], network: "default", security: "sandbox", devices: [], flagsUsed: [], files: [] };
const COPY_DEFAULTS = { contents: [], chown: "", chmod: "", link: false, excludes: [] };

describe("parseInstruction() gives typed instructions", () => {
  const cases: [string, Record<string, unknown>][] = [
    ["RUN echo $HOME && ls", { kind: "RUN", cmdLine: ["echo $HOME && ls"], prependShell: true, ...RUN_DEFAULTS }],
    ['RUN ["echo", "$HOME"]', { kind: "RUN", cmdLine: ["echo", "$HOME"], prependShell: false, ...RUN_DEFAULTS }],
    ["RUN", { kind: "RUN", cmdLine: [], prependShell: true, ...RUN_DEFAULTS }],
    [
      "RUN --network=none --security=insecure make",
      {
        kind: "RUN",
        cmdLine: ["make"],
        prependShell: true,
        ...RUN_DEFAULTS,
        network: "none",
        security: "insecure",
        flagsUsed: ["network", "security"],
      },
    ],
    ['CMD ["nginx", "-g", "daemon off;"]', { kind: "CMD", cmdLine: ["nginx", "-g", "daemon off;"], prependShell: false, files: [] }],
    ["CMD echo hello   world", { kind: "CMD", cmdLine: ["echo hello   world"], prependShell: true, files: [] }],
    ["ENTRYPOINT []", { kind: "ENTRYPOINT", cmdLine: [], prependShell: false, files: [] }],
    ["ENTRYPOINT exec top -b", { kind: "ENTRYPOINT", cmdLine: ["exec top -b"], prependShell: true, files: [] }],
    [
      'ENV MY_NAME="John Doe" MY_DOG=Rex\\ The\\ Dog MY_CAT=fluffy',
      {
        kind: "ENV",
        env: [
          { key: "MY_NAME", value: '"John Doe"', noDelim: false },
          { key: "MY_DOG", value: "Rex\\ The\\ Dog", noDelim: false },
          { key: "MY_CAT", value: "fluffy", noDelim: false },
        ],
      },
    ],
    ["ENV MY_VAR my-value", { kind: "ENV", env: [{ key: "MY_VAR", value: "my-value", noDelim: true }] }],
    [
      'LABEL "com.example.vendor"="ACME Incorporated" version=1.0',
      {
        kind: "LABEL",
        labels: [
          { key: '"com.example.vendor"', value: '"ACME Incorporated"', noDelim: false },
          { key: "version", value: "1.0", noDelim: false },
        ],
      },
    ],
    ["MAINTAINER Jane <j@example.com>", { kind: "MAINTAINER", maintainer: "Jane <j@example.com>" }],
    ["EXPOSE 80/udp 443 8080/tcp 1000-2000", { kind: "EXPOSE", ports: ["1000-2000", "443", "80/udp", "8080/tcp"] }],
    ['VOLUME ["/data", "/var/log"]', { kind: "VOLUME", volumes: ["/data", "/var/log"] }],
    ["VOLUME /data /var/log", { kind: "VOLUME", volumes: ["/data", "/var/log"] }],
    ['VOLUME /data ["/data2"]', { kind: "VOLUME", volumes: ["/data", '["/data2"]'] }],
    ["WORKDIR /path/to dir", { kind: "WORKDIR", path: "/path/to dir" }],
    ["USER patrick:staff", { kind: "USER", user: "patrick:staff" }],
    ["STOPSIGNAL SIGKILL", { kind: "STOPSIGNAL", signal: "SIGKILL" }],
    ['SHELL ["powershell", "-command"]', { kind: "SHELL", shell: ["powershell", "-command"] }],
    ["ARG user1 buildno=1 empty=", { kind: "ARG", args: [{ key: "user1" }, { key: "buildno", value: "1" }, { key: "empty", value: "" }] }],
    ["ARG CONT_IMG_VER=${CONT_IMG_VER:-v1.0.0}", { kind: "ARG", args: [{ key: "CONT_IMG_VER", value: "${CONT_IMG_VER:-v1.0.0}" }] }],
    ["ONBUILD ADD . /app/src", { kind: "ONBUILD", expression: "ADD . /app/src", trigger: "ADD" }],
    ["onbuild   run echo x", { kind: "ONBUILD", expression: "run echo x", trigger: "RUN" }],
    [
      "HEALTHCHECK --interval=5m --timeout=3s CMD curl -f http://localhost/ || exit 1",
      {
        kind: "HEALTHCHECK",
        health: {
          test: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
          interval: 300e9,
          timeout: 3e9,
          startPeriod: 0,
          startInterval: 0,
          retries: 0,
        },
      },
    ],
    [
      'HEALTHCHECK --start-period=1m30s --start-interval=1.5s --retries=4 CMD ["/bin/check", "-q"]',
      {
        kind: "HEALTHCHECK",
        health: { test: ["CMD", "/bin/check", "-q"], interval: 0, timeout: 0, startPeriod: 90e9, startInterval: 1.5e9, retries: 4 },
      },
    ],
    [
      "HEALTHCHECK --interval=0s --timeout=300ms cmd true",
      {
        kind: "HEALTHCHECK",
        health: { test: ["CMD-SHELL", "true"], interval: 0, timeout: 300e6, startPeriod: 0, startInterval: 0, retries: 0 },
      },
    ],
    [
      "HEALTHCHECK NONE",
      { kind: "HEALTHCHECK", health: { test: ["NONE"], interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0 } },
    ],
    ["COPY hom* /mydir/", { kind: "COPY", sources: ["hom*"], dest: "/mydir/", ...COPY_DEFAULTS, from: "", parents: false }],
    [
      "COPY --from=build --chown=55:mygroup --chmod=644 --link a b /dest/",
      {
        kind: "COPY",
        sources: ["a", "b"],
        dest: "/dest/",
        ...COPY_DEFAULTS,
        from: "build",
        chown: "55:mygroup",
        chmod: "644",
        link: true,
        parents: false,
      },
    ],
    [
      "COPY --parents --exclude=*.txt --exclude=*.md ./x/**/ /y/",
      { kind: "COPY", sources: ["./x/**/"], dest: "/y/", ...COPY_DEFAULTS, excludes: ["*.txt", "*.md"], from: "", parents: true },
    ],
    ['COPY ["a b", "/c d/"]', { kind: "COPY", sources: ["a b"], dest: "/c d/", ...COPY_DEFAULTS, from: "", parents: false }],
    [
      "ADD --checksum=sha256:24454f83 https://example.com/x.tar.gz /",
      { kind: "ADD", sources: ["https://example.com/x.tar.gz"], dest: "/", ...COPY_DEFAULTS, checksum: "sha256:24454f83" },
    ],
    [
      "ADD --keep-git-dir=true --unpack=false git@github.com:a/b.git /src",
      { kind: "ADD", sources: ["git@github.com:a/b.git"], dest: "/src", ...COPY_DEFAULTS, checksum: "", keepGitDir: true, unpack: false },
    ],
  ];
  for (const [line, expected] of cases) {
    it(line, () => assert.deepEqual(one(line), expected));
  }

  it("COPY <<EOF /dest takes the body as a file named after the delimiter", () => {
    const df = parseDockerfile("FROM scratch\nCOPY <<-EOT <<'RAW' plain /dest/\n\thello $X\nEOT\nraw $X\nRAW\n");
    const copy = df.stages[0]!.instructions[0]!;
    assert.equal(copy.kind, "COPY");
    assert.deepEqual(copy.kind === "COPY" && [copy.sources, copy.contents, copy.dest], [
      ["plain"],
      [
        { path: "EOT", data: "hello $X\n", expand: true },
        { path: "RAW", data: "raw $X\n", expand: false },
      ],
      "/dest/",
    ]);
    assert.deepEqual([copy.startLine, copy.endLine], [2, 6]);
  });
  it("RUN <<EOF keeps the body for the shell, tabs and all", () => {
    const df = parseDockerfile("FROM scratch\nRUN <<-EOF bash\n\techo $A\nEOF\n");
    const run = df.stages[0]!.instructions[0]!;
    assert.deepEqual(run.kind === "RUN" && [run.cmdLine, run.files], [
      ["<<-EOF bash"],
      [{ name: "EOF", data: "\techo $A\n", chomp: true }],
    ]);
  });
  it("ONBUILD with a heredoc keeps the body in its expression", () => {
    const df = parseDockerfile("FROM scratch\nONBUILD RUN <<EOF\necho hi\nEOF\n");
    const ob = df.stages[0]!.instructions[0]!;
    assert.equal(ob.kind === "ONBUILD" && ob.expression, "RUN <<EOF\necho hi\nEOF");
  });
  it("FROM keeps AS names lowercased and --platform as written", () => {
    const df = parseDockerfile("FROM --platform=$BUILDPLATFORM golang:1.22 As Build-Env\n");
    const from = df.stages[0]!.from;
    assert.deepEqual([from.baseName, from.name, from.platform], ["golang:1.22", "build-env", "$BUILDPLATFORM"]);
  });
});

describe("parseInstruction() refuses bad instructions in BuildKit's words", () => {
  const cases: [string, string][] = [
    ["FROMM busybox", "unknown instruction: FROMM (did you mean FROM?)"],
    ["ECHO hi", "unknown instruction: ECHO"],
    ["Runn x", "unknown instruction: Runn (did you mean run?)"],
    ["FROM a b", "FROM requires either one or three arguments"],
    ["FROM a AS b c", "FROM requires either one or three arguments"],
    ["FROM", "FROM requires either one or three arguments"],
    ["FROM a AS 1st", 'invalid name for build stage: "1st", name can\'t start with a number or contain symbols'],
    ["FROM a AS my$stage", 'invalid name for build stage: "my$stage", name can\'t start with a number or contain symbols'],
    ["FROM --plat=x a", "unknown flag: --plat"],
    ["FROM --platfrom=x a", "unknown flag: --platfrom (did you mean platform?)"],
    ["WORKDIR", "WORKDIR requires exactly one argument"],
    ["USER", "USER requires exactly one argument"],
    ["MAINTAINER", "MAINTAINER requires exactly one argument"],
    ["STOPSIGNAL", "STOPSIGNAL requires exactly one argument"],
    ["EXPOSE", "EXPOSE requires at least one argument"],
    ["VOLUME", "VOLUME requires at least one argument"],
    ['VOLUME ["/a", ""]', "VOLUME specified can not be an empty string"],
    ["ENV", "ENV requires at least one argument"],
    ["LABEL", "LABEL requires at least one argument"],
    ["ENV =x", "ENV names can not be blank"],
    ["ARG", "ARG requires at least one argument"],
    ["ARG =x", "ARG names can not be blank"],
    ["SHELL /bin/sh -c", "SHELL requires the arguments to be in JSON form"],
    ["SHELL []", "SHELL requires at least one argument"],
    ["COPY a", "COPY requires at least two arguments, but only one was provided. Destination could not be determined"],
    ["ADD a", "ADD requires at least two arguments, but only one was provided. Destination could not be determined"],
    ["ONBUILD", "ONBUILD requires at least one argument"],
    ["ONBUILD ONBUILD RUN x", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"],
    ["ONBUILD FROM x", "FROM isn't allowed as an ONBUILD trigger"],
    ["ONBUILD maintainer x", "MAINTAINER isn't allowed as an ONBUILD trigger"],
    ["HEALTHCHECK", "HEALTHCHECK requires at least one argument"],
    ["HEALTHCHECK NONE x", "HEALTHCHECK NONE takes no arguments"],
    ["HEALTHCHECK CMD", "Missing command after HEALTHCHECK CMD"],
    ["HEALTHCHECK CONNECT TCP 7000", 'Unknown type "CONNECT" in HEALTHCHECK (try CMD)'],
    ["HEALTHCHECK --interval=1x CMD true", 'time: unknown unit "x" in duration "1x"'],
    ["HEALTHCHECK --interval=10 CMD true", 'time: missing unit in duration "10"'],
    ["HEALTHCHECK --timeout=abc CMD true", 'time: invalid duration "abc"'],
    ["HEALTHCHECK --interval=100us CMD true", 'Interval "interval" cannot be less than 1ms'],
    ["HEALTHCHECK --retries=-1 CMD true", "--retries cannot be negative (-1)"],
    ["HEALTHCHECK --retries=x CMD true", 'strconv.ParseInt: parsing "x": invalid syntax'],
    ["HEALTHCHECK --retries=9999999999 CMD true", 'strconv.ParseInt: parsing "9999999999": value out of range'],
    ["HEALTHCHECK --interval CMD true", "missing a value on flag: --interval"],
    ["COPY --bogus=1 a /a", "unknown flag: --bogus"],
    ["COPY --chwn=1 a /a", "unknown flag: --chwn (did you mean chown?)"],
    ["COPY --from=a --from=b x /y", "duplicate flag specified: --from"],
    ["COPY --link=maybe a /a", "expecting boolean value for flag --link, not: maybe"],
    ["COPY --link= a /a", "missing a value on flag: --link"],
    ["COPY --from a /a", "missing a value on flag: --from"],
    ["COPY --exclude a /a", "missing a value on flag: --exclude"],
    ["ADD --parents a /a", "unknown flag: --parents"],
    ["COPY --checksum=sha256:0 a /a", "unknown flag: --checksum"],
    ["ENV --x=1 A=b", "unknown flag: --x"],
    ["ARG --x=1 A", "unknown flag: --x"],
    ['CMD --doit ["a"]', "unknown flag: --doit"],
    ["RUN --network=bridge x", 'invalid network mode "bridge"'],
    ["RUN --security=x y", 'security "x" is not valid'],
    ["RUN --mount=type=bogus x", 'unsupported mount type "bogus"'],
    ["RUN --mount=type=cach,target=/c x", 'unsupported mount type "cach" (did you mean cache?)'],
    ["RUN --mount=from=$X,target=/a x", "'from' doesn't support variable expansion, define alias stage instead"],
    ["RUN --mount=type=secret x", "invalid secret mount. one of source, target required"],
    ["RUN --mount=type=secret,id=a,source=b x", "both source and id can't be set"],
    ["RUN --mount=type=secret,id=a,from=b x", "secret mount should not have a from"],
    ["RUN --mount=type=secret,id=a,sharing=locked x", "secret mount should not define sharing"],
    ["RUN --mount=type=bind,mode=0700 x", 'mode not allowed for "bind" type mounts'],
    ["RUN --mount=type=tmpfs,uid=1 x", 'uid not allowed for "tmpfs" type mounts'],
    ["RUN --mount=type=bind,gid=1 x", 'gid not allowed for "bind" type mounts'],
    ["RUN --mount=type=tmpfs,size=lots x", "invalid value for size: lots"],
    ["RUN --mount=type=bind,size=1m x", "unexpected key 'size' for mount type 'bind'"],
    ["RUN --mount=type=cache,required x", "unexpected key 'required' for mount type 'cache'"],
    ["RUN --mount=type=cache,sharing=everyone x", 'unsupported sharing value "everyone"'],
    ["RUN --mount=type=bind,sharing=shared x", "invalid cache sharing set for bind mount"],
    ["RUN --mount=type=bind,target x", "invalid field 'target' must be a key=value pair"],
    ["RUN --mount=type=bind,tagret=/x x", "unexpected key 'tagret' in 'tagret=/x' (did you mean target?)"],
    ["RUN --mount=type=bind,ro=maybe x", "invalid value for ro: maybe"],
    ["RUN --mount=type=cache,mode=999 x", "invalid value 999 for mode"],
    ["RUN --mount=type=cache,uid=-1 x", "invalid value -1 for uid"],
  ];
  for (const [line, message] of cases) {
    it(`${line}: ${message}`, () => {
      assert.deepEqual(parseError(`FROM scratch\n${line}\n`), {
        message: `dockerfile parse error on line 2: ${message}`,
        startLine: 2,
        endLine: 2,
      });
    });
  }
  it("COPY a <<EOF: COPY cannot accept a heredoc as a destination", () => {
    assert.deepEqual(parseError("FROM scratch\nCOPY a <<EOF\nx\nEOF\n"), {
      message: "dockerfile parse error on line 2: COPY cannot accept a heredoc as a destination",
      startLine: 2,
      endLine: 4,
    });
  });
  it("a --mount value that is not CSV fails as csv", () => {
    // The flag's own quotes are removed before CSV sees it; an escaped one reaches the CSV reader.
    const { message } = parseError('FROM scratch\nRUN --mount=type=bind,t\\"arget=/x x\n');
    assert.match(
      message,
      /^dockerfile parse error on line 2: failed to parse csv mounts: parse error on line 1, column \d+: bare " in non-quoted-field$/,
    );
  });
  it("an error names the first line of a continued instruction", () => {
    assert.deepEqual(parseError("FROM scratch\nCOPY \\\n  --bogus=1 \\\n  a /a\n"), {
      message: "dockerfile parse error on line 2: unknown flag: --bogus",
      startLine: 2,
      endLine: 4,
    });
  });
});

describe("parseRunMount() defaults", () => {
  const id = (w: string) => w;
  const base = { from: "", source: "", target: "", sizeLimit: 0, id: "", sharing: "", required: false };
  const cases: [string, Record<string, unknown>][] = [
    ["target=/src", { ...base, type: "bind", target: "/src", readOnly: true }],
    ["type=bind,source=/x,target=/src,rw", { ...base, type: "bind", source: "/x", target: "/src", readOnly: false }],
    [
      "type=bind,from=builder,src=/out,dst=/in,readwrite=true",
      { ...base, type: "bind", from: "builder", source: "/out", target: "/in", readOnly: false },
    ],
    ["type=cache,target=/root/.cache", { ...base, type: "cache", target: "/root/.cache", readOnly: false }],
    [
      "type=cache,id=go,target=/go,sharing=locked,uid=1000,gid=1000,mode=0700",
      { ...base, type: "cache", id: "go", target: "/go", sharing: "locked", readOnly: false, uid: 1000, gid: 1000, mode: 0o700 },
    ],
    ["type=cache,target=/c,ro", { ...base, type: "cache", target: "/c", readOnly: true }],
    ["type=tmpfs,target=/t,size=64m", { ...base, type: "tmpfs", target: "/t", sizeLimit: 64 * 1024 * 1024, readOnly: false }],
    [
      "type=secret,id=aws,target=/root/.aws/credentials",
      { ...base, type: "secret", id: "aws", target: "/root/.aws/credentials", readOnly: true },
    ],
    ["type=secret,id=TOKEN,env=TOKEN,required", { ...base, type: "secret", id: "TOKEN", env: "TOKEN", required: true, readOnly: true }],
    ["type=ssh,required=true", { ...base, type: "ssh", required: true, readOnly: true }],
    ["TYPE=CACHE,Target=/c", { ...base, type: "cache", target: "/c", readOnly: false }],
  ];
  for (const [spec, expected] of cases) {
    it(spec, () => assert.deepEqual({ ...parseRunMount(spec, id) }, expected));
  }
  it("csvFields() reads quoted fields as Go's encoding/csv", () => {
    assert.deepEqual(csvFields('type=bind,"target=/a,b","x=""y"""'), ["type=bind", "target=/a,b", 'x="y"']);
  });
  it("RUN keeps mounts unparsed until expansion when one uses a variable", () => {
    const df = parseDockerfile("FROM scratch\nRUN --mount=type=cache,target=$DIR --mount=type=tmpfs,target=/t x\n");
    const run = df.stages[0]!.instructions[0]!;
    assert.ok(run.kind === "RUN");
    assert.deepEqual(run.mountSpecs, ["type=cache,target=$DIR", "type=tmpfs,target=/t"]);
    assert.equal(run.mounts, undefined);
  });
});
