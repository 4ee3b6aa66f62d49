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
import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
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

const only = process.argv.slice(2);
const files = only.length ? only : find("dist/test").sort();
const result = spawnSync(node, ["--test", "--test-concurrency=2", ...files], {
  stdio: "inherit",
  env: { ...process.env, TZ: "UTC" },
});
process.exit(result.status ?? 1);
