// The busybox rootfs tar that the set-up imports as busybox:latest, built once per test process,
// or once per run: scripts/run-tests.mjs builds it before the files start and names it in
// BERTH_TEST_BUSYBOX_TAR (its ~400 links cost each file a second or more). Tests only read it.
import * as fs from "node:fs";
import * as os from "node:os";
import { spawnSync } from "node:child_process";
import { REPO } from "./temp-root.js";

let cached: string | undefined;

export function busyboxRootfsTar(): string {
  const shared = process.env["BERTH_TEST_BUSYBOX_TAR"];
  if (shared && fs.existsSync(shared)) return shared;
  if (cached && fs.existsSync(cached)) return cached;
  const dir = fs.mkdtempSync(`${os.tmpdir()}/berth-busybox-`);
  const out = `${dir}/rootfs.tar`;
  const result = spawnSync("bash", [`${REPO}/scripts/busybox-rootfs.sh`, out]);
  if (result.status !== 0) throw new Error(`busybox-rootfs.sh failed: ${result.stderr}`);
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  cached = out;
  return out;
}

export const BUSYBOX_CHANGES = ["-c", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "-c", 'CMD ["sh"]'];
