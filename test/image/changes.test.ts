// applyChanges(): `-c` instructions as Docker 20.10 records them (test/golden/docker/inspect-change-*).
import { test } from "node:test";
import assert from "node:assert/strict";
import { applyChanges } from "../../src/image/changes.js";

test("applyChanges() parses exec and shell forms of CMD and ENTRYPOINT", () => {
  assert.deepEqual(applyChanges({}, ['CMD ["sh"]']).Cmd, ["sh"]);
  assert.deepEqual(applyChanges({}, ["CMD echo hi"]).Cmd, ["/bin/sh", "-c", "echo hi"]);
  assert.deepEqual(applyChanges({}, ["ENTRYPOINT /bin/sh -c x"]).Entrypoint, ["/bin/sh", "-c", "/bin/sh -c x"]);
  assert.deepEqual(applyChanges({}, ["cmd [not json"]).Cmd, ["/bin/sh", "-c", "[not json"]);
});

test("applyChanges() sets ENV in both forms and replaces an existing key", () => {
  assert.deepEqual(applyChanges({}, ["ENV A=1 B=2"]).Env, ["A=1", "B=2"]);
  assert.deepEqual(applyChanges({}, ["ENV A 1 two"]).Env, ["A=1 two"]);
  assert.deepEqual(applyChanges({ Env: ["A=0", "C=3"] }, ['ENV A="x y"']).Env, ["A=x y", "C=3"]);
});

test("applyChanges() expands EXPOSE and VOLUME like Docker", () => {
  assert.deepEqual(applyChanges({}, ["EXPOSE 80/udp 443 8080/tcp"]).ExposedPorts, { "80/udp": {}, "443/tcp": {}, "8080/tcp": {} });
  assert.deepEqual(Object.keys(applyChanges({}, ["expose 8000-8002"]).ExposedPorts ?? {}), ["8000/tcp", "8001/tcp", "8002/tcp"]);
  assert.deepEqual(applyChanges({}, ['VOLUME ["/a", "/b"]']).Volumes, { "/a": {}, "/b": {} });
  assert.deepEqual(applyChanges({}, ["VOLUME /data"]).Volumes, { "/data": {} });
});

test("applyChanges() joins a relative WORKDIR to the previous one", () => {
  assert.equal(applyChanges({}, ["WORKDIR w"]).WorkingDir, "/w");
  assert.equal(applyChanges({}, ["WORKDIR /a", "WORKDIR b/../c"]).WorkingDir, "/a/c");
});

test("applyChanges() records LABEL, USER, STOPSIGNAL, ONBUILD and HEALTHCHECK", () => {
  const c = applyChanges({}, [
    'LABEL a=b c="d e"',
    "USER nobody",
    "STOPSIGNAL SIGINT",
    "ONBUILD RUN x",
    "HEALTHCHECK --interval=5s CMD true",
  ]);
  assert.deepEqual(c.Labels, { a: "b", c: "d e" });
  assert.equal(c.User, "nobody");
  assert.equal(c.StopSignal, "SIGINT");
  assert.deepEqual(c.OnBuild, ["RUN x"]);
  assert.deepEqual(c.Healthcheck, { Interval: 5_000_000_000, Test: ["CMD-SHELL", "true"] });
  assert.deepEqual(applyChanges({}, ["HEALTHCHECK NONE"]).Healthcheck, { Test: ["NONE"] });
});

test("applyChanges() refuses instructions Docker refuses, with its words", () => {
  assert.throws(() => applyChanges({}, ["RUN x"]), { message: "run is not a valid change command" });
  assert.throws(() => applyChanges({}, ["FROM x"]), { message: "from is not a valid change command" });
  assert.throws(() => applyChanges({}, ["bogus"]), { message: "bogus is not a valid change command" });
  assert.throws(() => applyChanges({}, [""]), { message: "file with no instructions" });
  assert.throws(() => applyChanges({}, ["ONBUILD ONBUILD RUN x"]), /Chaining ONBUILD/);
  assert.throws(() => applyChanges({}, ["EXPOSE abc"]), /invalid containerPort: abc/);
});

test("applyChanges() leaves its input unchanged", () => {
  const base = { Env: ["A=1"] };
  applyChanges(base, ["ENV A=2"]);
  assert.deepEqual(base, { Env: ["A=1"] });
});

// Issue 9, item 5. Every expectation below was measured with docker CLI 28.2.2 against dockerd
// 20.10.24: `docker commit --change '<instruction>' c img` on a container whose image has
// Env PATH=/usr/bin:/bin and HOME=/root, then `docker inspect -f '{{json .Config}}' img`.
const INHERITED = { Env: ["PATH=/usr/bin:/bin", "HOME=/root"] };

test("applyChanges() expands variables from the inherited environment as Docker's builder does", () => {
  const c = applyChanges(INHERITED, [
    "ENV PATH=/usr/local/bin:$PATH",
    "WORKDIR $HOME/x",
    "ENV A=1 B=$A",
    "LABEL l=$HOME",
    "EXPOSE 80/tcp",
    "VOLUME $HOME/v",
    "USER $A",
  ]);
  assert.deepEqual(
    c.Env,
    ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/root", "A=1", "B="],
    "B sees the environment from before its own ENV",
  );
  assert.equal(c.WorkingDir, "/root/x");
  assert.deepEqual(c.Labels, { l: "/root" });
  assert.deepEqual(c.Volumes, { "/root/v": {} });
  assert.equal(c.User, "1");
});

test("applyChanges() knows quotes, escapes and the :- :+ :? modifiers, and leaves CMD, ENTRYPOINT, HEALTHCHECK and ONBUILD alone", () => {
  const c = applyChanges(INHERITED, [
    `ENV Z=\${HOME:-c} W=\${NOPE:+d} Q='$HOME' R="$HOME x" S=a\\ b T=\\$HOME U=a$ V=\${HOME:+} K=\${NOPE:-}`,
    'ENV L $HOME  and "$HOME"',
    "EXPOSE ${P:-81}/udp",
    'VOLUME ["$HOME/j"]',
    "CMD echo $HOME",
    "ONBUILD RUN echo $HOME",
    "ENV P=82 SIG=SIGKILL",
    'EXPOSE $P "83"',
    'VOLUME $HOME/k "$HOME/l"',
    "USER ${NOPE:-nobody}:$P",
    'LABEL "$P"=x y=${P}',
    'ENTRYPOINT ["$HOME"]',
    "HEALTHCHECK CMD $HOME",
  ]);
  assert.deepEqual(c, {
    User: "nobody:82",
    ExposedPorts: { "81/udp": {}, "82/tcp": {}, "83/tcp": {} },
    Env: [
      "PATH=/usr/bin:/bin",
      "HOME=/root",
      "Z=/root",
      "W=",
      "Q=$HOME",
      "R=/root x",
      "S=a b",
      "T=$HOME",
      "U=a$",
      "V=",
      "K=",
      "L=/root  and /root",
      "P=82",
      "SIG=SIGKILL",
    ],
    Entrypoint: ["$HOME"],
    Cmd: ["/bin/sh", "-c", "echo $HOME"],
    Volumes: { "/root/j": {}, "/root/k": {}, "/root/l": {} },
    Labels: { "82": "x", y: "82" },
    Healthcheck: { Test: ["CMD-SHELL", "$HOME"] },
    OnBuild: ["RUN echo $HOME"],
  });
  const env = (change: string) => applyChanges(INHERITED, [change]).Env?.slice(2);
  assert.deepEqual(env("ENV A=${HOME:?x}"), ["A=/root"]);
  assert.deepEqual(env("ENV A=${1} B=$1x C=$HOME_X D=$"), ["A=", "B=x", "C=", "D=$"]);
  assert.deepEqual(env("ENV A=${HOME:-$PATH} B=${HOME:+$PATH}"), ["A=/root", "B=/usr/bin:/bin"]);
  assert.deepEqual(env('ENV A="a\\"b" B=\\\\\\\\$HOME C="\\$HOME"'), ['A=a"b', "B=\\\\/root", "C=$HOME"]);
  assert.deepEqual(env("ENV A='$HOME' B='a\\b'"), ["A=$HOME", "B=a\\b"]);
  assert.deepEqual(applyChanges({}, ["ENV A=$HOME", "ENV B=$A"]).Env, ["A=", "B="], "import -c starts from an empty environment");
});

test("applyChanges() refuses bad substitutions with dockerd's words", () => {
  const refuses = (change: string, message: string) => assert.throws(() => applyChanges(INHERITED, [change]), { message });
  refuses("ENV A=${HOME#x}", "failed to process \"${HOME#x}\": missing ':' in substitution");
  refuses("ENV A=${HOME", "failed to process \"${HOME\": missing ':' in substitution");
  refuses("ENV A=${HOME:=x}", 'failed to process "${HOME:=x}": unsupported modifier (=) in substitution');
  refuses("ENV A=${}", 'failed to process "${}": syntax error: bad substitution');
  refuses("ENV A=${HOME:-x", "failed to process \"${HOME:-x\": syntax error: missing '}'");
  refuses("ENV A=${NOPE:?x}", 'failed to process "${NOPE:?x}": NOPE: x');
  refuses("ENV A=${NOPE:?}", 'failed to process "${NOPE:?}": NOPE: is not allowed to be unset');
  refuses('ENV A="x', 'failed to process "\\"x": unexpected end of statement while looking for matching double-quote');
  refuses("ENV A=${NOPE:-a b}", 'Syntax error - can\'t find = in "b}". Must be of the form: name=value');
  refuses(
    'VOLUME $HOME/k "$HOME/l m"',
    'failed to process "\\"$HOME/l": unexpected end of statement while looking for matching double-quote',
  );
  refuses("WORKDIR $NOPE", "cannot normalize nothing");
  refuses("ENV =x", "ENV names can not be blank");
  refuses("ENV A", "ENV must have two arguments");
  refuses("LABEL $HOME", "LABEL must have two arguments");
});
