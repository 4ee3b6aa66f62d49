// The classic builder's JSON messages (BUILD-API.md §2, §2.1), from synthetic build events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BuildMessages } from "../../src/api/build-messages.js";
import { BuildStepError } from "../../src/engine/build/build-errors.js";
import type { BuildResult } from "../../src/engine/build/build-request.js";
import { CONTAINER, IMAGE_A, IMAGE_B, IMAGE_C, step } from "../helpers/build-steps.js";

function messages(quiet = false) {
  let wire = "";
  const m = new BuildMessages((chunk) => (wire += chunk), { quiet, stages: [0] });
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

/** Three stages of one build: 0 and 2 independent, 3 the target copying from both. */
function parallelStages(quiet = false) {
  let wire = "";
  const m = new BuildMessages((chunk) => (wire += chunk), { quiet, stages: [0, 2, 3] });
  const lines = () =>
    wire
      .split("\r\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { stream?: string; aux?: { ID: string }; error?: string })
      .map((o) => o.stream ?? (o.aux ? `aux ${o.aux.ID.slice(7, 9)}` : `error ${o.error}`));
  return { m, event: m.reporter.event, lines };
}

const arg = step(1, "ARG V=1", { stage: -1, id: "-1:0", total: 7 });
const a1 = step(2, "FROM busybox AS a", { stage: 0, id: "0:from", total: 7 });
const a2 = step(3, "RUN echo a", { stage: 0, id: "0:0", total: 7 });
const b1 = step(4, "FROM busybox AS b", { stage: 2, id: "2:from", total: 7 });
const b2 = step(5, "RUN echo b", { stage: 2, id: "2:0", total: 7 });
const c1 = step(6, "FROM busybox", { stage: 3, id: "3:from", total: 7 });
const c2 = step(7, "COPY --from=a /a /a", { stage: 3, id: "3:0", total: 7 });

test("BuildMessages sends parallel stages one after the other: a later stage's messages wait for the earlier ones", () => {
  const { event, lines } = parallelStages();
  event({ kind: "step-start", step: arg });
  // The engine starts every stage at once: their FROM steps interleave.
  for (const s of [a1, b1, c1]) event({ kind: "step-start", step: s });
  event({ kind: "step-done", step: b1, imageId: IMAGE_A });
  event({ kind: "step-done", step: a1, imageId: IMAGE_A });
  event({ kind: "step-done", step: c1, imageId: IMAGE_A });
  event({ kind: "step-start", step: b2 });
  event({ kind: "step-start", step: a2 });
  event({ kind: "step-output", step: b2, stream: "stdout", data: Buffer.from("b\n") });
  event({ kind: "step-output", step: a2, stream: "stdout", data: Buffer.from("a\n") });
  assert.deepEqual(lines(), [
    "Step 1/7 : ARG V=1",
    "\n",
    "Step 2/7 : FROM busybox AS a",
    "\n",
    " ---> a1a1a1a1a1a1\n",
    "Step 3/7 : RUN echo a",
    "\n",
    "a\n",
  ]);
  // Stage 2 finishes first: still held, as stage 0 is not done.
  event({ kind: "step-done", step: b2, imageId: IMAGE_B });
  event({ kind: "stage-done", stage: 2, imageId: IMAGE_B });
  assert.equal(lines().length, 8);
  event({ kind: "step-done", step: a2, imageId: IMAGE_C });
  event({ kind: "stage-done", stage: 0, imageId: IMAGE_C });
  event({ kind: "step-start", step: c2 });
  event({ kind: "step-done", step: c2, imageId: IMAGE_C });
  event({ kind: "stage-done", stage: 3, imageId: IMAGE_C });
  event({ kind: "tagged", name: "x:1" });
  // Stage 3 is live once 0 and 2 are done: its held FROM, then its COPY as it comes.
  assert.deepEqual(lines().slice(8), [
    " ---> c3c3c3c3c3c3\n",
    "aux c3",
    "Step 4/7 : FROM busybox AS b",
    "\n",
    " ---> a1a1a1a1a1a1\n",
    "Step 5/7 : RUN echo b",
    "\n",
    "b\n",
    " ---> b2b2b2b2b2b2\n",
    "aux b2",
    "Step 6/7 : FROM busybox",
    "\n",
    " ---> a1a1a1a1a1a1\n",
    "Step 7/7 : COPY --from=a /a /a",
    "\n",
    " ---> c3c3c3c3c3c3\n",
    "aux c3",
  ]);
});

test("BuildMessages on a failure sends what every stage printed, in Dockerfile order, then the error", () => {
  for (const quiet of [false, true]) {
    const { m, event, lines } = parallelStages(quiet);
    event({ kind: "step-start", step: a1 });
    event({ kind: "step-start", step: b1 });
    event({ kind: "step-start", step: b2 });
    event({ kind: "step-output", step: b2, stream: "stdout", data: Buffer.from("b\n") });
    event({ kind: "step-start", step: a2 });
    m.fail(new Error("boom"));
    assert.deepEqual(
      lines(),
      [
        "Step 2/7 : FROM busybox AS a",
        "\n",
        "Step 3/7 : RUN echo a",
        "\n",
        "Step 4/7 : FROM busybox AS b",
        "\n",
        "Step 5/7 : RUN echo b",
        "\n",
        "b\n",
        "error boom",
      ],
      `quiet=${quiet}`,
    );
  }
});
