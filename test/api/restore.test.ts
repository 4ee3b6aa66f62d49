// berth serve starting plays dockerd's start: containers whose restart policy asks for it come
// back (here after their conmon was killed, as a reboot leaves them); others stay as they were.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createTempRoot, isRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";
import { startApiServer } from "../helpers/api-server.js";

test(
  "berth serve brings back always and unless-stopped containers, not stopped or never-started ones",
  { skip: isRoot() ? false : "needs root" },
  async () => {
    const t = createTempRoot("berth-restore-");
    try {
      const ok = (args: string[]) => {
        const r = t.berth(args);
        assert.equal(r.code, 0, `berth ${args.join(" ")}: ${r.stderr}`);
        return r.stdout.trim();
      };
      ok(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
      const keep = ok(["run", "-d", "--restart", "unless-stopped", "--name", "keep", "busybox", "sleep", "1000"]);
      ok(["run", "-d", "--restart", "unless-stopped", "--name", "stopped", "busybox", "sleep", "1000"]);
      ok(["stop", "-t", "0", "stopped"]);
      ok(["create", "--restart", "always", "--name", "never", "busybox", "true"]);
      // What a power cut leaves: the container's monitor and process gone, no exit recorded.
      const pid = ok(["inspect", "-f", "{{.State.Pid}}", keep]);
      spawnSync("pkill", ["-9", "-f", `conmon.*${keep}`]);
      spawnSync("kill", ["-9", pid]);
      for (const end = Date.now() + 10_000; !ok(["ps", "-a", "--format", "{{.Names}} {{.State}}"]).includes("keep exited");) {
        assert.ok(Date.now() < end, "the killed container never read as exited");
        await new Promise((r) => setTimeout(r, 100));
      }
      const server = await startApiServer(t);
      try {
        // The socket answers first; the restore follows at once.
        const told = new RegExp(`restarted container ${keep.slice(0, 12)} \\(restart policy\\)`);
        for (const end = Date.now() + 10_000; !told.test(server.log());) {
          assert.ok(Date.now() < end, server.log());
          await new Promise((r) => setTimeout(r, 100));
        }
        const states = ok(["ps", "-a", "--format", "{{.Names}} {{.State}}"]).split("\n").sort();
        assert.deepEqual(states, ["keep running", "never created", "stopped exited"]);
      } finally {
        assert.equal(await server.stop(), 0);
      }
    } finally {
      t.cleanup();
    }
  },
);
