// The builder's pure parts: history texts as the classic builder writes them (BUILD-API §5.1),
// step keys, heredoc commands (BuildKit's dispatch), EXPOSE's port keys.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  healthcheckText,
  metadataCreatedBy,
  runCreatedBy,
  workdirCreatedBy,
  goList,
  goQuotedList,
} from "../../../src/engine/build/created-by.js";
import { stepCacheKey } from "../../../src/engine/build/step-key.js";
import { heredocCommand } from "../../../src/engine/build/run-heredoc.js";
import { expandPorts } from "../../../src/engine/build/stage-builder.js";
import type { Instruction } from "../../../src/build/dockerfile/instructions.js";

const sh = ["/bin/sh", "-c"];

test("metadata steps: the shell, #(nop) and two spaces; WORKDIR one space", () => {
  assert.deepEqual(metadataCreatedBy(sh, "ENV A=b C=d e"), {
    createdBy: "/bin/sh -c #(nop)  ENV A=b C=d e",
    cmd: ["/bin/sh", "-c", "#(nop) ", "ENV A=b C=d e"],
  });
  assert.equal(
    metadataCreatedBy(["/bin/sh", "-ec"], 'CMD ["/bin/sh" "-ec" "echo x"]').createdBy,
    '/bin/sh -ec #(nop)  CMD ["/bin/sh" "-ec" "echo x"]',
  );
  assert.equal(workdirCreatedBy(sh, "/w/x/rel").createdBy, "/bin/sh -c #(nop) WORKDIR /w/x/rel");
});

test("RUN: the build args in scope with a value, counted and sorted, before the command", () => {
  assert.equal(runCreatedBy([...sh, "echo hi"], new Map()).createdBy, "/bin/sh -c echo hi");
  const withArgs = runCreatedBy(
    [...sh, "echo static > /static"],
    new Map([
      ["USED", "x"],
      ["DEF", "d1"],
    ]),
  );
  assert.equal(withArgs.createdBy, "|2 DEF=d1 USED=x /bin/sh -c echo static > /static");
  assert.deepEqual(withArgs.cmd, ["|2", "DEF=d1", "USED=x", "/bin/sh", "-c", "echo static > /static"]);
});

test("Go's list formats, and HEALTHCHECK's struct dump", () => {
  assert.equal(goList(["/data", "[/data2]"]), "[/data [/data2]]");
  assert.equal(goQuotedList(["/bin/sh", "-c"]), '["/bin/sh" "-c"]');
  assert.equal(
    healthcheckText({
      Test: ["CMD-SHELL", "wget -q -O- http://localhost/ || exit 1"],
      Interval: 5e9,
      Timeout: 2e9,
      StartPeriod: 1e9,
      Retries: 4,
    }),
    `&{["CMD-SHELL" "wget -q -O- http://localhost/ || exit 1"] "5s" "2s" "1s" '\\x04'}`,
  );
});

const run = (original: string): Instruction =>
  ({
    kind: "RUN",
    original,
    startLine: 1,
    endLine: 1,
    cmdLine: [original.slice(4)],
    prependShell: true,
    files: [],
  }) as unknown as Instruction;

test("step keys change with the parent, the text, an arg's value and the extra parts, never with arg order", () => {
  const base = {
    parent: "sha256:a",
    instruction: run("RUN echo"),
    args: new Map([
      ["A", "1"],
      ["B", "2"],
    ]),
    extra: [],
  };
  const key = stepCacheKey(base);
  assert.match(key, /^sha256:[a-f0-9]{64}$/);
  assert.equal(
    stepCacheKey({
      ...base,
      args: new Map([
        ["B", "2"],
        ["A", "1"],
      ]),
    }),
    key,
  );
  assert.notEqual(stepCacheKey({ ...base, parent: "sha256:b" }), key);
  assert.notEqual(stepCacheKey({ ...base, instruction: run("RUN  echo") }), key, "whitespace counts");
  assert.notEqual(
    stepCacheKey({
      ...base,
      args: new Map([
        ["A", "1"],
        ["B", ""],
      ]),
    }),
    key,
  );
  assert.notEqual(stepCacheKey({ ...base, extra: ["content"] }), key);
});

test("heredocs: a lone one runs its body in the shell; a shebang body runs as a script; otherwise the shell gets them all", () => {
  const file = (name: string, data: string) => ({ name, data, chomp: false });
  assert.deepEqual(heredocCommand({ cmdLine: ["<<EOF"], prependShell: true, files: [file("EOF", "echo a\necho b\n")] }, sh), {
    argv: ["/bin/sh", "-c", "echo a\necho b\n"],
  });
  assert.deepEqual(heredocCommand({ cmdLine: ["<<EOF"], prependShell: true, files: [file("EOF", "#!/bin/sh\necho s\n")] }, sh), {
    argv: ["/bin/sh", "-c", "/dev/pipes/EOF"],
    script: { name: "EOF", data: "#!/bin/sh\necho s\n" },
  });
  assert.deepEqual(heredocCommand({ cmdLine: ["cat <<EOF > /f"], prependShell: true, files: [file("EOF", "x\n")] }, sh), {
    argv: ["/bin/sh", "-c", "cat <<EOF > /f\nx\nEOF"],
  });
  assert.deepEqual(
    heredocCommand({ cmdLine: ["<<-EOF"], prependShell: true, files: [{ name: "EOF", data: "\techo t\n", chomp: true }] }, sh),
    {
      argv: ["/bin/sh", "-c", "echo t\n"],
    },
  );
  assert.deepEqual(heredocCommand({ cmdLine: ["echo", "x"], prependShell: false, files: [] }, sh), { argv: ["echo", "x"] });
});

test("EXPOSE: ports default to tcp, ranges become one key per port, bad ones are refused", () => {
  assert.deepEqual(expandPorts(["80", "443/udp", "8000-8002/TCP"]), ["80/tcp", "443/udp", "8000/tcp", "8001/tcp", "8002/tcp"]);
  assert.throws(() => expandPorts(["http"]), /invalid containerPort: http/);
  assert.throws(() => expandPorts(["9-3"]), /invalid port range/);
});
