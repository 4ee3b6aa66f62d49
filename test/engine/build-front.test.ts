// The engine pieces both build front ends share: the platform check and the prune filters.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { checkBuildPlatform } from "../../src/engine/build/build-platform.js";
import { pruneOptionsFromFilters } from "../../src/engine/build/prune-filters.js";
import { formatPlatform, hostPlatform } from "../../src/build/dockerfile/dockerfile.js";
import { InvalidArgumentError } from "../../src/errors.js";

describe("checkBuildPlatform", () => {
  const host = formatPlatform(hostPlatform());
  test("nothing given, this machine's platform, its os alone and its aliases", () => {
    assert.equal(checkBuildPlatform(""), "");
    assert.equal(checkBuildPlatform(host), host);
    assert.equal(checkBuildPlatform("linux"), host);
    if (host === "linux/amd64") assert.equal(checkBuildPlatform("linux/x86_64"), host);
    if (host === "linux/arm64") assert.equal(checkBuildPlatform("linux/aarch64/v8"), host);
  });
  test("other platforms are refused with the one berth builds for", () => {
    for (const p of ["linux/s390x", "windows", "darwin/arm64", `${host}/v9/extra`, "linux/riscv64"]) {
      if (p === host) continue;
      assert.throws(
        () => checkBuildPlatform(p),
        (err: Error) => err instanceof InvalidArgumentError && err.message.includes(`(${host}), not ${JSON.stringify(p)}`),
        p,
      );
    }
  });
});

describe("pruneOptionsFromFilters", () => {
  const now = Date.parse("2026-01-02T00:00:00Z");
  test("no filter", () => {
    assert.deepEqual(pruneOptionsFromFilters([], { all: false }, now), { all: false });
    assert.deepEqual(pruneOptionsFromFilters([], { all: true, keepStorage: 1024 }, now), { all: true, keepStorage: 1024 });
  });
  test("until: a Go duration back from now, Unix seconds, or an RFC 3339 time", () => {
    assert.equal(pruneOptionsFromFilters(["until=1h30m"], { all: false }, now).until?.toISOString(), "2026-01-01T22:30:00.000Z");
    assert.equal(pruneOptionsFromFilters(["until=1700000000"], { all: false }, now).until?.getTime(), 1700000000_000);
    assert.equal(
      pruneOptionsFromFilters(["until=2025-12-31T00:00:00Z"], { all: false }, now).until?.toISOString(),
      "2025-12-31T00:00:00.000Z",
    );
  });
  test("refusals in dockerd's words", () => {
    assert.throws(
      () => pruneOptionsFromFilters(["bogus=1"], { all: false }),
      /^InvalidArgumentError: failed to prune build cache: Invalid filter 'bogus'$/,
    );
    assert.throws(() => pruneOptionsFromFilters(["until=soon"], { all: false }), /invalid until filter: "soon"/);
    assert.throws(() => pruneOptionsFromFilters(["until=1h", "until=2h"], { all: false }), /only one value for until/);
    assert.throws(() => pruneOptionsFromFilters([], { all: false, keepStorage: -1 }), /invalid keep-storage/);
  });
});
