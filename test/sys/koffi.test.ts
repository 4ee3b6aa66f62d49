// src/sys/koffi.ts: koffi's native addon, loaded without the package's loader, is the same API.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { loadKoffi } from "../../src/sys/koffi.js";

const require = createRequire(import.meta.url);

test("loadKoffi() gives the addon of koffi's own version, without loading the package, and it calls libc", () => {
  const koffi = loadKoffi();
  const pkg = JSON.parse(fs.readFileSync(`${dirname(require.resolve("koffi"))}/package.json`, "utf8")) as { version: string };
  assert.equal((koffi as unknown as { version: string }).version, pkg.version);
  // The package's loader would have wrapped load() and added `default`; the addon has neither.
  assert.equal((koffi as unknown as Record<string, unknown>).default, undefined);
  assert.equal(
    Object.keys(require.cache).some((path) => path.includes("/node_modules/koffi/")),
    false,
    "the koffi package was loaded",
  );
  const getpid = koffi.load("libc.so.6").func("int getpid()") as () => number;
  assert.equal(getpid(), process.pid);
  assert.equal(loadKoffi(), koffi, "loaded once");
});
