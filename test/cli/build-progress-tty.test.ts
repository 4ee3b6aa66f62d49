// BuildKit's terminal view, drawn into a string with a hand-moved clock.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ttyBuildProgress } from "../../src/cli/format/build-progress-tty.js";
import { createBuildProgress } from "../../src/cli/format/build-progress.js";
import { BuildStepError } from "../../src/engine/build/build-errors.js";
import type { BuildResult } from "../../src/engine/build/build-request.js";
import { IMAGE_A, IMAGE_B, IMAGE_C, manualClock, step } from "../helpers/build-steps.js";

const result: BuildResult = { imageId: IMAGE_C, stageImages: [], unusedArgs: [] };

function view(columns = 60, rows = 30) {
  let text = "";
  const clock = manualClock();
  const v = ttyBuildProgress((t) => (text += t), { columns, rows, now: clock.now, color: false });
  return { ...v, clock, text: () => text, event: v.reporter.event };
}

/** The drawings, each as the lines it shows, control sequences removed. */
function drawings(text: string): string[][] {
  return text
    .split("\x1b[?25l")
    .slice(1)
    .map((d) =>
      d
        .slice(0, d.indexOf("\x1b[?25h"))
        .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => l.trimEnd()),
    );
}

test("ttyBuildProgress() ends with a static view: FINISHED, each step with its time, CACHED marked", () => {
  const v = view();
  const from = step(1, "FROM busybox");
  const copy = step(2, "COPY a.txt /a.txt");
  const run = step(3, "RUN echo hi");
  v.event({ kind: "step-start", step: from });
  v.event({ kind: "step-done", step: from, imageId: IMAGE_A });
  v.event({ kind: "step-start", step: copy });
  v.event({ kind: "step-cached", step: copy, imageId: IMAGE_B });
  v.event({ kind: "step-start", step: run });
  v.clock.advance(300);
  v.event({ kind: "step-output", step: run, stream: "stdout", data: Buffer.from("hi\n") });
  v.event({ kind: "step-done", step: run, imageId: IMAGE_C });
  v.event({ kind: "built", imageId: IMAGE_C });
  v.clock.advance(900);
  v.finish(result);
  const last = drawings(v.text()).at(-1);
  assert.deepEqual(last, [
    "[+] Building 1.2s (4/4) FINISHED",
    " => [1/3] FROM busybox                                 0.0s",
    " => CACHED [2/3] COPY a.txt /a.txt                     0.0s",
    " => [3/3] RUN echo hi                                  0.3s",
    " => exporting to image                                 0.9s",
  ]);
  // Every drawing but the first goes back over the last one; the cursor is shown again at the end.
  assert.match(v.text(), /\x1b\[5A\x1b\[0G\x1b\[\?25l\[\+\] Building 1\.2s/);
  assert.ok(v.text().endsWith("\x1b[?25h"));
});

test("ttyBuildProgress() shows the last lines of a running step under it, cut to the terminal", () => {
  const v = view(40);
  const run = step(2, "RUN a-long-command-that-does-not-fit --in-forty-columns");
  v.event({ kind: "step-start", step: run });
  v.clock.advance(500);
  v.event({ kind: "step-output", step: run, stream: "stdout", data: Buffer.from("1\n2\n3\n4\n5\n6\n7\n" + "x".repeat(50)) });
  const last = drawings(v.text()).at(-1);
  assert.deepEqual(last, [
    "[+] Building 0.5s (0/1)",
    " => [2/3] RUN a-long-command-that  0.5s",
    " => => # 3",
    " => => # 4",
    " => => # 5",
    " => => # 6",
    " => => # 7",
    " => => # " + "x".repeat(30),
  ]);
  v.finish(result);
});

test("ttyBuildProgress() draws at most every 100 ms, and once more at the end", () => {
  const v = view();
  const run = step(2, "RUN echo hi");
  v.event({ kind: "step-start", step: run });
  for (let i = 0; i < 5; i++) {
    v.clock.advance(10);
    v.event({ kind: "step-output", step: run, stream: "stdout", data: Buffer.from(`${i}\n`) });
  }
  assert.equal(drawings(v.text()).length, 1);
  v.clock.advance(100);
  v.event({ kind: "step-output", step: run, stream: "stdout", data: Buffer.from("late\n") });
  assert.equal(drawings(v.text()).length, 2);
  v.event({ kind: "step-done", step: run, imageId: IMAGE_A });
  v.finish(result);
  assert.equal(drawings(v.text()).length, 3);
});

test("ttyBuildProgress() marks a failed step ERROR, repeats its last lines and ends with the summary", () => {
  const v = view();
  const run = step(2, "RUN echo out; exit 3");
  v.event({ kind: "step-start", step: run });
  v.clock.advance(250);
  v.event({ kind: "step-output", step: run, stream: "stdout", data: Buffer.from("out\n") });
  v.event({ kind: "step-error", step: run, message: "The command '/bin/sh -c echo out; exit 3' returned a non-zero code: 3" });
  v.fail(
    new BuildStepError("The command '/bin/sh -c echo out; exit 3' returned a non-zero code: 3", {
      step: run,
      exitCode: 3,
      command: "/bin/sh -c echo out; exit 3",
    }),
  );
  const text = v.text();
  const after = text.slice(text.lastIndexOf("\x1b[?25h") + "\x1b[?25h".length);
  assert.deepEqual(drawings(text).at(-1), [
    "[+] Building 0.3s (1/1) FINISHED",
    " => ERROR [2/3] RUN echo out; exit 3                   0.3s",
  ]);
  assert.equal(
    after,
    '------\n > [2/3] RUN echo out; exit 3:\n0.250 out\n------\nERROR: failed to solve: process "/bin/sh -c echo out; exit 3" did not complete successfully: exit code: 3\n',
  );
});

test("ttyBuildProgress() colours finished steps blue and failed ones red", () => {
  let text = "";
  const v = ttyBuildProgress((t) => (text += t), { columns: 60, now: manualClock().now });
  const from = step(1, "FROM busybox");
  const run = step(2, "RUN false");
  v.reporter.event({ kind: "step-start", step: from });
  v.reporter.event({ kind: "step-done", step: from, imageId: IMAGE_A });
  v.reporter.event({ kind: "step-start", step: run });
  v.reporter.event({ kind: "step-error", step: run, message: "failed" });
  v.fail(new Error("failed"));
  assert.match(text, /\x1b\[34m => \[1\/3\] FROM busybox +0\.0s\n\x1b\[0m/);
  assert.match(text, /\x1b\[31m => ERROR \[2\/3\] RUN false +0\.0s\n\x1b\[0m/);
});

test("createBuildProgress() picks the view: auto follows the terminal, tty needs one, quiet shows a failure only", () => {
  let out = "";
  const pipe = { write: (t: string) => (out += t) };
  const terminal = { write: (t: string) => (out += t), isTTY: true, columns: 50, rows: 20 };
  const now = manualClock().now;
  const run = step(2, "RUN false");

  createBuildProgress("auto", pipe, { now }).reporter.event({ kind: "step-start", step: run });
  assert.equal(out, "#1 [2/3] RUN false\n");

  out = "";
  const tty = createBuildProgress("auto", terminal, { now, env: {} });
  tty.reporter.event({ kind: "step-start", step: run });
  assert.match(out, /^\x1b\[0G\x1b\[\?25l\[\+\] Building/);
  tty.finish(result);

  assert.throws(() => createBuildProgress("tty", pipe), /failed to get console: provided file is not a console/);

  out = "";
  const quiet = createBuildProgress("quiet", pipe, { now });
  quiet.reporter.event({ kind: "step-start", step: run });
  quiet.finish(result);
  assert.equal(out, "");
  const failing = createBuildProgress("quiet", pipe, { now });
  failing.reporter.event({ kind: "step-start", step: run });
  failing.reporter.event({ kind: "step-error", step: run, message: "boom" });
  assert.equal(out, "");
  failing.fail(new Error("boom"));
  assert.equal(out, "#1 [2/3] RUN false\n#1 ERROR: boom\n------\n > [2/3] RUN false:\n------\nERROR: failed to solve: boom\n");
});
