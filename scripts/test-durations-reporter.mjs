// A reporter for `node --test` that writes, at the end of a run, how long each test file's
// top-level tests took, as JSON ({ "dist/test/x.test.js": seconds }). run-tests.mjs merges it into
// scripts/test-durations.json, which orders the next runs (the longest files first).
import { relative } from "node:path";

export default async function* durations(source) {
  const seconds = {};
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const { file, nesting, details } = event.data;
    if (!file || nesting !== 0) continue;
    const key = relative(process.cwd(), file);
    seconds[key] = (seconds[key] ?? 0) + details.duration_ms / 1000;
  }
  yield JSON.stringify(seconds);
}
