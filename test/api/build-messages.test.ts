// The classic builder's JSON messages (BUILD-API.md §2, §2.1), from synthetic build events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BuildMessages } from "../../src/api/build-messages.js";
import { BuildStepError } from "../../src/engine/build/build-errors.js";
import type { BuildResult } from "../../src/engine/build/build-request.js";
import { CONTAINER, IMAGE_A, IMAGE_B, IMAGE_C, step } from "../helpers/build-steps.js";

function messages(quiet = false) {
  let wire = "";
  const m = new BuildMessages((chunk) => (wire += chunk), { quiet });
  return { m, event: m.reporter.event, wire: () => wire };
}

const from = step(1, "FROM busybox AS builder");
const run = step(2, 'RUN echo "$GREETING" > /greeting.txt && echo to-stderr >&2');
const copy = step(3, "COPY app.txt /app.txt");
const result: BuildResult = { imageId: IMAGE_C, stageImages: [{ stage: 0, imageId: IMAGE_C }], unusedArgs: ["NOPE", "OTHER"] };

function build(event: (e: Parameters<BuildMessages["reporter"]["event"]>[0]) => void): void {
  event({ kind: "step-start", step: from });
  event({ kind: "step-done", step: from, imageId: IMAGE_A });
  event({ kind: "step-start", step: run });
  event({ kind: "step-container", step: run, containerId: CONTAINER });
  event({ kind: "step-output", step: run, stream: "stdout", data: Buffer.from("triggered\nT\n") });
  event({ kind: "step-output", step: run, stream: "stderr", data: Buffer.from("to-stderr\n") });
  event({ kind: "step-container-removed", step: run, containerId: CONTAINER });
  event({ kind: "step-done", step: run, imageId: IMAGE_B });
  event({ kind: "step-start", step: copy });
  event({ kind: "step-cached", step: copy, imageId: IMAGE_C });
  event({ kind: "step-done", step: copy, imageId: IMAGE_C });
  event({ kind: "stage-done", stage: 0, imageId: IMAGE_C });
  event({ kind: "built", imageId: IMAGE_C });
  event({ kind: "tagged", name: "bb-two:1" });
  event({ kind: "tagged", name: "bb" });
  event({ kind: "warning", message: "not the classic builder's" });
}

test("BuildMessages sends dockerd's stream: Step lines, ids, containers, red stderr, aux, the warning and the tags", () => {
  const { m, event, wire } = messages();
  build(event);
  m.finish(result);
  assert.equal(
    wire(),
    [
      '{"stream":"Step 1/3 : FROM busybox AS builder"}',
      '{"stream":"\\n"}',
      '{"stream":" ---\\u003e a1a1a1a1a1a1\\n"}',
      '{"stream":"Step 2/3 : RUN echo \\"$GREETING\\" \\u003e /greeting.txt \\u0026\\u0026 echo to-stderr \\u003e\\u00262"}',
      '{"stream":"\\n"}',
      '{"stream":" ---\\u003e Running in 0123456789ab\\n"}',
      '{"stream":"triggered\\nT\\n"}',
      '{"stream":"\\u001b[91mto-stderr\\n\\u001b[0m"}',
      '{"stream":"Removing intermediate container 0123456789ab\\n"}',
      '{"stream":" ---\\u003e b2b2b2b2b2b2\\n"}',
      '{"stream":"Step 3/3 : COPY app.txt /app.txt"}',
      '{"stream":"\\n"}',
      '{"stream":" ---\\u003e Using cache\\n"}',
      '{"stream":" ---\\u003e c3c3c3c3c3c3\\n"}',
      `{"aux":{"ID":"${IMAGE_C}"}}`,
      '{"stream":"[Warning] One or more build-args [NOPE OTHER] were not consumed\\n"}',
      '{"stream":"Successfully built c3c3c3c3c3c3\\n"}',
      '{"stream":"Successfully tagged bb-two:1\\n"}',
      '{"stream":"Successfully tagged bb:latest\\n"}',
      "",
    ].join("\r\n"),
  );
});

test("BuildMessages keeps a character split between two reads whole", () => {
  const { event, wire } = messages();
  const bytes = Buffer.from("é\n");
  event({ kind: "step-output", step: run, stream: "stdout", data: bytes.subarray(0, 1) });
  event({ kind: "step-output", step: run, stream: "stdout", data: bytes.subarray(1) });
  assert.equal(wire(), '{"stream":"é\\n"}\r\n');
});

test("BuildMessages says how many ONBUILD triggers run, the plural in a message of its own", () => {
  const { event, wire } = messages();
  event({ kind: "step-triggers", step: from, count: 2 });
  event({ kind: "step-triggers", step: from, count: 1 });
  assert.equal(
    wire(),
    '{"stream":"# Executing 2 build trigger"}\r\n{"stream":"s"}\r\n{"stream":"\\n"}\r\n{"stream":"# Executing 1 build trigger"}\r\n{"stream":"\\n"}\r\n',
  );
});

test("BuildMessages ends a failed RUN with its exit code in errorDetail, another failure without one", () => {
  const failed = messages();
  const message = "The command '/bin/sh -c exit 3' returned a non-zero code: 3";
  failed.m.fail(new BuildStepError(message, { step: run, exitCode: 3, command: "/bin/sh -c exit 3" }));
  assert.equal(failed.wire(), `{"errorDetail":{"code":3,"message":"${message}"},"error":"${message}"}\r\n`);

  const other = messages();
  other.m.fail(new Error("COPY failed: file not found in build context or excluded by .dockerignore: stat x: file does not exist"));
  assert.equal(
    other.wire(),
    '{"errorDetail":{"message":"COPY failed: file not found in build context or excluded by .dockerignore: stat x: file does not exist"},"error":"COPY failed: file not found in build context or excluded by .dockerignore: stat x: file does not exist"}\r\n',
  );

  const given = messages();
  given.m.fail(new Error("x"), 7);
  assert.equal(given.wire(), '{"errorDetail":{"code":7,"message":"x"},"error":"x"}\r\n');
});

test("BuildMessages with q sends only the image ID on success, and replays everything on failure", () => {
  const ok = messages(true);
  build(ok.event);
  ok.m.finish(result);
  assert.equal(ok.wire(), `{"stream":"${IMAGE_C}\\n"}\r\n`);

  const bad = messages(true);
  const loud = messages(false);
  for (const target of [bad, loud]) {
    target.event({ kind: "step-start", step: run });
    target.event({ kind: "step-output", step: run, stream: "stderr", data: Buffer.from("oops\n") });
  }
  assert.equal(bad.wire(), "");
  bad.m.fail(new Error("boom"));
  loud.m.fail(new Error("boom"));
  assert.equal(bad.wire(), loud.wire());
});
