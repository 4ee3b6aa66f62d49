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
  const c = applyChanges({}, ['LABEL a=b c="d e"', "USER nobody", "STOPSIGNAL SIGINT", "ONBUILD RUN x", "HEALTHCHECK --interval=5s CMD true"]);
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
