// Sizes, durations and JSON as Docker prints them (go-units, encoding/json).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ellipsis, goFormatG, goJson, goTimeString, humanDuration, humanSize, humanSizeWithPrecision } from "../../src/cli/format/units.js";

test("humanSizeWithPrecision() matches go-units for the sizes in Docker's tables", () => {
  assert.equal(humanSizeWithPrecision(1984132, 3), "1.98MB");
  assert.equal(humanSize(1984132), "1.984MB");
  assert.equal(humanSizeWithPrecision(6, 3), "6B");
  assert.equal(humanSize(0), "0B");
  assert.equal(humanSizeWithPrecision(4096, 3), "4.1kB");
  assert.equal(humanSizeWithPrecision(999_999, 3), "1e+03kB");
  assert.equal(humanSizeWithPrecision(1_000_000_000, 3), "1GB");
});

test("goFormatG() drops trailing zeros and uses Go's exponent form", () => {
  assert.equal(goFormatG(2, 3), "2");
  assert.equal(goFormatG(1.5, 3), "1.5");
  assert.equal(goFormatG(123.456, 4), "123.5");
  assert.equal(goFormatG(0.00001234, 3), "1.23e-05");
});

test("humanDuration() matches go-units at each boundary", () => {
  assert.equal(humanDuration(500), "Less than a second");
  assert.equal(humanDuration(1000), "1 second");
  assert.equal(humanDuration(59_000), "59 seconds");
  assert.equal(humanDuration(60_000), "About a minute");
  assert.equal(humanDuration(120_000), "2 minutes");
  assert.equal(humanDuration(3_600_000), "About an hour");
  assert.equal(humanDuration(47 * 3_600_000), "47 hours");
  assert.equal(humanDuration(3 * 86_400_000), "3 days");
  assert.equal(humanDuration(20 * 86_400_000), "2 weeks");
  assert.equal(humanDuration(90 * 86_400_000), "3 months");
  assert.equal(humanDuration(800 * 86_400_000), "2 years");
});

test("goJson() escapes HTML characters as Go's encoding/json does", () => {
  assert.equal(goJson({ Digest: "<none>", A: "a&b" }), '{"Digest":"\\u003cnone\\u003e","A":"a\\u0026b"}');
});

test("goTimeString() prints time.Time.String() in UTC", () => {
  assert.equal(goTimeString(new Date("2026-11-27T02:52:55.123Z")), "2026-11-27 02:52:55 +0000 UTC");
});

test("ellipsis() cuts to the width with a trailing ellipsis", () => {
  assert.equal(ellipsis("short", 45), "short");
  assert.equal(ellipsis("x".repeat(50), 45), "x".repeat(44) + "…");
});
