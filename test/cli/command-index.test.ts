import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { COMMAND_MODULES, commandsFor } from "../../src/cli/command-index.js";
import { commandWord } from "../../src/cli/main.js";
import type { CommandSpec } from "../../src/cli/command-spec.js";

const firstWords = (specs: readonly CommandSpec[]): string[] =>
  [...new Set(specs.flatMap((s) => [s.path, ...(s.aliases ?? [])].map((p) => p[0]!)))].sort();

test("each command module lists exactly the first words its commands answer to", async () => {
  for (const m of COMMAND_MODULES) {
    assert.deepEqual(firstWords(await m.load()), [...m.words].sort());
  }
});

test("every command defined under src/cli/commands is reachable through the index", async () => {
  const indexed = new Set((await commandsFor(undefined)).flatMap((s) => s.path.join(" ")));
  // The sources name the modules (dist may hold the output of a file since renamed).
  const sources = fileURLToPath(new URL("../../../src/cli/commands/", import.meta.url));
  for (const file of readdirSync(sources).filter((f) => f.endsWith(".ts"))) {
    const compiled = new URL(`../../src/cli/commands/${file.replace(/\.ts$/, ".js")}`, import.meta.url);
    const mod = (await import(compiled.href)) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      for (const spec of Array.isArray(value) ? value : [value]) {
        const s = spec as Partial<CommandSpec> | undefined;
        if (!s || typeof s !== "object" || !Array.isArray(s.path) || typeof s.action !== "function") continue;
        assert.ok(indexed.has(s.path.join(" ")), `${file}: ${s.path.join(" ")} is not in COMMAND_MODULES`);
      }
    }
  }
});

test("a command line loads only the modules its first word names; help and unknown words load all", async () => {
  const all = await commandsFor(undefined);
  assert.deepEqual(await commandsFor("help"), all);
  assert.deepEqual(await commandsFor("no-such-command"), all);
  const volume = await commandsFor("volume");
  assert.ok(volume.length > 0 && volume.length < all.length);
  assert.ok(volume.every((s) => s.path[0] === "volume"));
  const ps = await commandsFor("ps");
  assert.ok(ps.some((s) => s.aliases?.some((a) => a[0] === "ps")));
});

test("commandWord skips berth's global flags and their values", () => {
  assert.equal(commandWord(["images"]), "images");
  assert.equal(commandWord(["--root", "/r", "--runroot=/x", "-l", "debug", "-D", "ps", "-a"]), "ps");
  assert.equal(commandWord(["--insecure-registry", "h:5000", "--config", "c", "--certs-dir", "d", "pull", "x"]), "pull");
  assert.equal(commandWord(["--log-level=info", "image", "ls"]), "image");
  assert.equal(commandWord(["--version"]), undefined);
  assert.equal(commandWord([]), undefined);
  assert.equal(commandWord(["--", "run"]), "run");
});

test("berth with no command prints its usage on stderr and succeeds, as docker does", () => {
  const entry = fileURLToPath(new URL("../../../bin/berth.js", import.meta.url));
  const r = spawnSync(process.execPath, [entry, "--root", "/nonexistent/berth-root"], { encoding: "utf8" });
  assert.equal(r.status, 0);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^Usage: berth \[OPTIONS\] COMMAND\n/);
  assert.match(r.stderr, /\n {2}images .* List images\n/);
});
