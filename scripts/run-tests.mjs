#!/usr/bin/env node
// Builds, then runs every compiled test file with Node's own runner. Node 20's --test takes file
// paths, not globs, so the files are listed here. Integration tests need root (they mount).
//
// As root, the tests run inside a network namespace of their own, made here with `unshare --net`
// and `lo` brought up: containers on the bridge network make a bridge, veths and iptables rules,
// and those must never land in the host's namespace. The namespace goes away with the last process
// in it. (`ip netns exec` is not used: it remounts /sys, which hides the host's cgroups.)
//
// The tests run on berth's own Node, the one set-up recorded in node_modules/.berth-node (Node 24
// LTS, which node_modules' native addons are built for), whichever node started this script; they
// start berth with process.execPath, so berth runs on it too.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const PRIVATE_NETNS = "BERTH_TEST_PRIVATE_NETNS";
const recorded = fileURLToPath(new URL("../node_modules/.berth-node", import.meta.url));
const node = existsSync(recorded) ? realpathSync(recorded) : process.execPath;

if (process.getuid?.() === 0 && process.env[PRIVATE_NETNS] !== "1") {
  const self = fileURLToPath(import.meta.url);
  const inner = spawnSync(
    "unshare",
    ["--net", "--", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', node, self, ...process.argv.slice(2)],
    { stdio: "inherit", env: { ...process.env, [PRIVATE_NETNS]: "1" } },
  );
  if (inner.error) {
    console.error(`cannot make a private network namespace for the tests: ${inner.error.message}`);
    process.exit(1);
  }
  process.exit(inner.status ?? 1);
}

const build = spawnSync("npm", ["run", "--silent", "build"], { stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return find(path);
    return name.endsWith(".test.js") ? [path] : [];
  });
}

// The runner starts files in the order given, each as a worker frees up. In name order a long file
// that starts late leaves one worker running it alone at the end; longest first (by the durations
// of an earlier run) lets both workers finish close together. A file with no recorded duration
// counts as a middling one.
const DURATIONS = fileURLToPath(new URL("test-durations.json", import.meta.url));
const UNKNOWN_SECONDS = 5;
const durations = existsSync(DURATIONS) ? JSON.parse(readFileSync(DURATIONS, "utf8")) : {};
const longestFirst = (a, b) => (durations[b] ?? UNKNOWN_SECONDS) - (durations[a] ?? UNKNOWN_SECONDS) || a.localeCompare(b);

// --record-durations: this run's durations go into scripts/test-durations.json (after changes that
// make files much longer or shorter; the order only affects how long the suite takes).
const args = process.argv.slice(2);
const record = args.includes("--record-durations");
const only = args.filter((arg) => arg !== "--record-durations");
const files = (only.length ? only : find("dist/test")).sort(longestFirst);
const scratch = record ? mkdtempSync(join(tmpdir(), "berth-durations-")) : undefined;
const reporters = scratch
  ? [
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      `--test-reporter=${fileURLToPath(new URL("test-durations-reporter.mjs", import.meta.url))}`,
      `--test-reporter-destination=${join(scratch, "durations.json")}`,
    ]
  : [];
// The busybox rootfs tar most integration files import, built once for all of them
// (test/helpers/busybox.ts); where it cannot be built, each file builds its own and says why not.
const busybox = mkdtempSync(join(tmpdir(), "berth-test-busybox-"));
const busyboxTar = join(busybox, "rootfs.tar");
const built = spawnSync("bash", [fileURLToPath(new URL("busybox-rootfs.sh", import.meta.url)), busyboxTar], { stdio: "ignore" });
const result = spawnSync(node, ["--test", `--test-concurrency=${process.env.BERTH_TEST_CONCURRENCY ?? 2}`, ...reporters, ...files], {
  stdio: "inherit",
  env: { ...process.env, TZ: "UTC", ...(built.status === 0 ? { BERTH_TEST_BUSYBOX_TAR: busyboxTar } : {}) },
});
rmSync(busybox, { recursive: true, force: true });
// An interrupted run (Ctrl-C) ends before the reporter writes: it records nothing.
const report = scratch && join(scratch, "durations.json");
const written = report && existsSync(report) ? readFileSync(report, "utf8") : "";
if (scratch) rmSync(scratch, { recursive: true });
if (written) {
  const measured = JSON.parse(written);
  const rounded = (seconds) => Math.round(seconds * 10) / 10;
  const merged = Object.fromEntries(
    Object.entries({ ...durations, ...measured })
      .filter(([file]) => existsSync(file))
      .map(([file, seconds]) => [file, rounded(seconds)])
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  writeFileSync(DURATIONS, `${JSON.stringify(merged, null, 2)}\n`);
}
process.exit(result.status ?? 1);
