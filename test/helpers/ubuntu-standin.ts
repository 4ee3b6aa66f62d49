// The seed's ubuntu:latest, made here without a registry: busybox's root filesystem plus the host's
// /bin/bash and the libraries it loads (what the chapter needs of ubuntu is a bash shell).
import * as fs from "node:fs";
import * as os from "node:os";
import { spawnSync } from "node:child_process";
import { busyboxRootfsTar } from "./busybox.js";

let cached: string | undefined;

export function ubuntuStandInTar(): string {
  if (cached && fs.existsSync(cached)) return cached;
  const dir = fs.mkdtempSync(`${os.tmpdir()}/berth-ubuntu-`);
  const root = `${dir}/rootfs`;
  fs.mkdirSync(root);
  run("tar", ["-C", root, "-xf", busyboxRootfsTar()]);
  const bash = fs.realpathSync("/bin/bash");
  const libs = spawnSync("ldd", [bash]).stdout.toString().match(/\/\S+/g) ?? [];
  for (const file of [bash, ...libs]) {
    const target = `${root}${file}`;
    fs.mkdirSync(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    fs.copyFileSync(fs.realpathSync(file), target);
    fs.chmodSync(target, 0o755);
  }
  fs.rmSync(`${root}/bin/bash`, { force: true });
  fs.copyFileSync(bash, `${root}/bin/bash`);
  fs.mkdirSync(`${root}/usr/bin`, { recursive: true });
  const out = `${dir}/ubuntu.tar`;
  run("tar", ["--numeric-owner", "-C", root, "-cf", out, "."]);
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  cached = out;
  return out;
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
}
