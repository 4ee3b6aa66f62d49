import { test } from "node:test";
import assert from "node:assert/strict";
import { formatGoDuration, parseGoDuration } from "../../src/image/go-duration.js";

test("parseGoDuration() reads Go's durations as nanoseconds", () => {
  const cases: [string, number][] = [
    ["1s", 1e9],
    ["1m30s", 90e9],
    ["500ms", 500e6],
    ["500us", 500e3],
    ["1.5h", 5400e9],
    [".5s", 500e6],
    ["-1s", -1e9],
    ["0", 0],
  ];
  for (const [text, ns] of cases) assert.equal(parseGoDuration(text), ns, text);
});

test("parseGoDuration() refuses what Go refuses, in its words", () => {
  assert.throws(() => parseGoDuration("bogus"), { message: 'time: invalid duration "bogus"' });
  assert.throws(() => parseGoDuration(""), { message: 'time: invalid duration ""' });
  assert.throws(() => parseGoDuration("1"), { message: 'time: missing unit in duration "1"' });
  assert.throws(() => parseGoDuration("1x"), { message: 'time: unknown unit "x" in duration "1x"' });
});

test("formatGoDuration() writes time.Duration.String()", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [1e9, "1s"],
    [500e6, "500ms"],
    [90e9, "1m30s"],
    [3600e9, "1h0m0s"],
    [1.5e9, "1.5s"],
    [1500, "1.5µs"],
  ];
  for (const [ns, text] of cases) assert.equal(formatGoDuration(ns), text, text);
});
