// The demo prints each command before running it; a reader copies those lines, so a printed line
// pasted into a shell must run the very same command.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { REPO } from "../helpers/temp-root.js";

const SHOW = `${REPO}/scripts/show-command.sh`;

function bash(script: string, args: readonly string[] = []): string {
  const result = spawnSync("bash", ["-c", script, "bash", ...args], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

test("demo: a printed command pasted back into a shell runs with the same arguments", () => {
  const words = [
    "sh",
    "-c",
    `echo "hello from a committed layer" > /hello.txt; rm /bin/vi`,
    `CMD ["cat", "/hello.txt"]`,
    "it's",
    "",
    "a b",
    "$HOME",
    "reference=demo/*",
    "plain-word:v1",
  ];
  // `run printf ...` prints "$ printf ..." and then the arguments one per line.
  const shown = bash(`. "${SHOW}"; run printf '[%s]\\n' "$@"`, words);
  const [, printed, ...ran] = shown.split("\n");
  assert.match(printed!, /^\$ printf /);
  const pasted = bash(printed!.slice(2));
  assert.equal(pasted, ran.join("\n"));
  assert.equal(pasted, words.map((w) => `[${w}]\n`).join(""));
});

test("demo: words that need no quotes are printed bare", () => {
  const shown = bash(`. "${SHOW}"; run true berth run --rm demo/hello:v1`);
  assert.equal(shown, "\n$ true berth run --rm demo/hello:v1\n");
});
