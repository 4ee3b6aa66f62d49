import { test } from "node:test";
import assert from "node:assert/strict";
import { compareTimestamps, formatTimestamp } from "../../src/image/config.js";

test("compareTimestamps orders formatTimestamp's texts by time, whatever their fraction's length", () => {
  const at = (ms: number) => formatTimestamp(new Date(Date.UTC(2026, 11, 7, 11, 40, 5, ms)));
  assert.equal(at(600), "2026-12-07T11:40:05.6Z");
  assert.equal(at(610), "2026-12-07T11:40:05.61Z");
  // As text "…05.6Z" sorts after "…05.61Z": the order ps and system df got wrong.
  assert.ok(at(600).localeCompare(at(610)) > 0);
  assert.ok(compareTimestamps(at(600), at(610)) < 0);
  assert.ok(compareTimestamps(at(0), at(1)) < 0);
  assert.ok(compareTimestamps(at(999), "2026-12-07T11:40:06Z") < 0);
  assert.equal(compareTimestamps(at(610), at(610)), 0);
  assert.ok(compareTimestamps("2026-12-07T11:40:05.000000001Z", "2026-12-07T11:40:05Z") > 0);
  const shuffled = [610, 6, 600, 0, 61, 999].map(at);
  assert.deepEqual(shuffled.sort(compareTimestamps), [0, 6, 61, 600, 610, 999].map(at));
});
