// BuildKit's plain progress, fed with the events of synthetic builds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { plainBuildProgress } from "../../src/cli/format/build-progress-plain.js";
import { BuildStepError } from "../../src/engine/build/build-errors.js";
import type { BuildResult } from "../../src/engine/build/build-request.js";
import { CONTAINER, IMAGE_A, IMAGE_B, IMAGE_C, manualClock, step } from "../helpers/build-steps.js";

const result: BuildResult = { imageId: IMAGE_C, stageImages: [{ stage: 0, imageId: IMAGE_C }], unusedArgs: [] };

function view(output?: "image" | "local" | "tar") {
  let text = "";
  const clock = manualClock();
  const v = plainBuildProgress((t) => (text += t), { now: clock.now, ...(output ? { output } : {}) });
  return { ...v, clock, text: () => text, event: v.reporter.event };
}

test("plainBuildProgress() numbers the steps, times their output and ends with the exporter", () => {
  const v = view();
  const from = step(1, "FROM busybox");
  const env = step(2, "ENV A=b");
  const run = step(3, "RUN echo hi; echo err >&2");
  v.event({ kind: "step-start", step: from });
  v.clock.advance(20);
  v.event({ kind: "step-done", step: from, imageId: IMAGE_A });
  v.event({ kind: "step-start", step: env });
  v.event({ kind: "step-done", step: env, imageId: IMAGE_B });
  v.event({ kind: "step-start", step: run });
  v.event({ kind: "step-container", step: run, containerId: CONTAINER });
  v.clock.advance(123);
  v.event({ kind: "step-output", step: run, stream: "stdout", data: Buffer.from("hi\npart") });
  v.clock.advance(100);
  v.event({ kind: "step-output", step: run, stream: "stderr", data: Buffer.from("err\n") });
  v.event({ kind: "step-output", step: run, stream: "stdout", data: Buffer.from("ial\n") });
  v.clock.advance(77);
  v.event({ kind: "step-container-removed", step: run, containerId: CONTAINER });
  v.event({ kind: "step-done", step: run, imageId: IMAGE_C });
  v.event({ kind: "stage-done", stage: 0, imageId: IMAGE_C });
  v.event({ kind: "built", imageId: IMAGE_C });
  v.event({ kind: "tagged", name: "x" });
  v.event({ kind: "tagged", name: "localhost:5000/y:2" });
  v.clock.advance(40);
  v.finish(result);
  assert.equal(
    v.text(),
    [
      "#1 [1/3] FROM busybox",
      "#1 DONE 0.0s",
      "",
      "#2 [3/3] RUN echo hi; echo err >&2",
      "#2 0.123 hi",
      "#2 0.223 err",
      "#2 0.123 partial",
      "#2 DONE 0.3s",
      "",
      "#3 exporting to image",
      "#3 exporting layers done",
      `#3 writing image ${IMAGE_C} done`,
      "#3 naming to docker.io/library/x:latest done",
      "#3 naming to localhost:5000/y:2 done",
      "#3 DONE 0.0s",
      "",
    ].join("\n"),
  );
});

test("plainBuildProgress() shows a named stage, pads the index, and says CACHED for a cache hit", () => {
  const v = view();
  const from = step(1, "FROM --platform=linux/amd64 busybox AS builder", { stageName: "builder", stageSteps: 12 });
  const copy = step(2, "COPY a /a", { stageName: "builder", stageStep: 10, stageSteps: 12 });
  v.event({ kind: "step-start", step: from });
  v.event({ kind: "step-done", step: from, imageId: IMAGE_A });
  v.event({ kind: "step-start", step: copy });
  v.event({ kind: "step-cached", step: copy, imageId: IMAGE_B });
  v.event({ kind: "step-done", step: copy, imageId: IMAGE_B });
  assert.equal(v.text(), "#1 [builder  1/12] FROM busybox\n#1 DONE 0.0s\n\n#2 [builder 10/12] COPY a /a\n#2 CACHED\n");
});

test("plainBuildProgress() hides global ARGs and FROM of an earlier stage or scratch", () => {
  const v = view();
  v.event({ kind: "step-start", step: step(1, "ARG V=1", { stage: -1 }) });
  v.event({ kind: "step-start", step: step(2, "FROM scratch AS a", { stageName: "a" }) });
  v.event({ kind: "step-start", step: step(3, "FROM a AS b", { stage: 1, stageName: "b" }) });
  v.event({ kind: "step-start", step: step(4, "FROM 0", { stage: 2 }) });
  assert.equal(v.text(), "");
});

test("plainBuildProgress() says '#N ...' for a vertex left open when another one prints", () => {
  const v = view();
  const a = step(2, "RUN sleep 1", { stageName: "a" });
  const b = step(2, "RUN echo b", { stage: 1, stageName: "b" });
  v.event({ kind: "step-start", step: a });
  v.event({ kind: "step-start", step: b });
  v.event({ kind: "step-output", step: a, stream: "stdout", data: Buffer.from("x\n") });
  assert.equal(v.text(), "#1 [a 2/3] RUN sleep 1\n#1 ...\n\n#2 [b 2/3] RUN echo b\n#2 ...\n\n#1 [a 2/3] RUN sleep 1\n#1 0.000 x\n");
});

test("plainBuildProgress() ends a failed RUN with BuildKit's words, its last lines and the summary", () => {
  const v = view();
  const run = step(2, "RUN seq 1 12; exit 3");
  v.event({ kind: "step-start", step: run });
  v.clock.advance(5);
  v.event({
    kind: "step-output",
    step: run,
    stream: "stdout",
    data: Buffer.from(Array.from({ length: 12 }, (_, i) => `${i + 1}\n`).join("")),
  });
  const message = "The command '/bin/sh -c seq 1 12; exit 3' returned a non-zero code: 3";
  v.event({ kind: "step-error", step: run, message });
  v.event({ kind: "warning", message: "something to know" });
  v.fail(new BuildStepError(message, { step: run, exitCode: 3, command: "/bin/sh -c seq 1 12; exit 3" }));
  const lines = v.text().split("\n");
  assert.deepEqual(lines.slice(-18), [
    "#1 0.005 12",
    '#1 ERROR: process "/bin/sh -c seq 1 12; exit 3" did not complete successfully: exit code: 3',
    "------",
    " > [2/3] RUN seq 1 12; exit 3:",
    ...Array.from({ length: 10 }, (_, i) => `0.005 ${i + 3}`),
    "------",
    "WARNING: something to know",
    'ERROR: failed to solve: process "/bin/sh -c seq 1 12; exit 3" did not complete successfully: exit code: 3',
    "",
  ]);
});

test("plainBuildProgress() reports another failure in its own words", () => {
  const v = view();
  const copy = step(2, "COPY nothere /x");
  v.event({ kind: "step-start", step: copy });
  v.event({ kind: "step-error", step: copy, message: "COPY failed: file not found" });
  v.fail(new Error("COPY failed: file not found"));
  assert.equal(
    v.text(),
    "#1 [2/3] COPY nothere /x\n#1 ERROR: COPY failed: file not found\n------\n > [2/3] COPY nothere /x:\n------\nERROR: failed to solve: COPY failed: file not found\n",
  );
});

test("plainBuildProgress() names the client exporter for --output local", () => {
  const v = view("local");
  v.event({ kind: "built", imageId: IMAGE_C });
  v.event({ kind: "exported", dest: "/tmp/out" });
  v.finish(result);
  assert.equal(v.text(), "#1 exporting to client directory\n#1 copying files done\n#1 DONE 0.0s\n");
});
