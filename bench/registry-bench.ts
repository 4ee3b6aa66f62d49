// Issue 5's measurement: push and pull through Debian's docker-registry on loopback, for an image
// with one 512 MiB layer (random bytes, so gzip earns nothing), one with 256 MiB of base64 text
// (gzip has work to do) and one with 2,000 small files;
// beside `skopeo copy` of the same images when skopeo is installed. Pull: berth verifies and
// unpacks, skopeo only verifies into an OCI dir. Push: both start from the same uncompressed layers
// (skopeo from `berth save`'s OCI archive with --dest-compress) into a registry that has none of them.
// With --docker-host, Docker pulls the same image (download + unpack, as berth does) and pushes it
// to a fresh registry (compressing again, as berth does).
// Usage (root, after npm run build): node dist/bench/registry-bench.js [--size-mib 512] [--docker-host unix:///path]
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import { fileURLToPath } from "node:url";
import { startRegistry } from "../test/helpers/registry.js";

const BERTH = fileURLToPath(new URL("../../bin/berth.js", import.meta.url));
const sizeArg = process.argv.indexOf("--size-mib");
const SIZE_MIB = sizeArg > 0 ? Number(process.argv[sizeArg + 1]) : 512;

function timed(label: string, argv: string[]): number {
  spawnSync("sync");
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0]!, argv.slice(1), { maxBuffer: 1 << 30, stdio: ["ignore", "ignore", "pipe"] });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${label}: ${r.stderr}`);
  console.log(`${label.padEnd(40)} ${seconds.toFixed(2)} s`);
  return seconds;
}

const hasSkopeo = spawnSync("skopeo", ["--version"]).status === 0;
const dockerHost = process.argv.includes("--docker-host") ? process.argv[process.argv.indexOf("--docker-host") + 1] : undefined;
// Short: conmon sockets live under the runroot and sun_path holds 108 bytes.
const dir = fs.mkdtempSync(`${os.tmpdir()}/brb-`);
const reg = await startRegistry({ mode: "http" });
const skopeoReg = hasSkopeo ? await startRegistry({ mode: "http" }) : undefined;
const dockerReg = dockerHost ? await startRegistry({ mode: "http" }) : undefined;
try {
  const berth = (root: string) => [
    process.execPath,
    BERTH,
    "--root",
    `${dir}/${root}`,
    "--runroot",
    `${dir}/r-${root}`,
    "--config",
    `${dir}/cfg`,
  ];
  const src = berth("src");
  const run = (cli: string[], args: string[]) => {
    const r = spawnSync(cli[0]!, [...cli.slice(1), ...args], { maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`${args.join(" ")}: ${r.stderr}`);
  };
  spawnSync("bash", [fileURLToPath(new URL("../../scripts/busybox-rootfs.sh", import.meta.url)), `${dir}/rootfs.tar`]);
  run(src, ["import", "-c", 'CMD ["sh"]', `${dir}/rootfs.tar`, "busybox"]);
  const images = {
    big: `head -c ${SIZE_MIB * 1048576} /dev/urandom > /big`,
    // Compressible to about 75%, as text and many binaries are: here deflate has real work.
    text: `head -c ${(SIZE_MIB / 2) * 786432} /dev/urandom | base64 > /text`,
    small: "mkdir /many && i=0; while [ $i -lt 2000 ]; do head -c 4096 /dev/urandom > /many/f$i; i=$((i+1)); done",
  };
  for (const [name, script] of Object.entries(images)) {
    run(src, ["run", "--network", "none", "--name", `mk-${name}`, "busybox", "sh", "-c", script]);
    run(src, ["commit", `mk-${name}`, `${reg.host}/bench/${name}:1`]);
    run(src, ["rm", `mk-${name}`]);
  }
  const ratios: string[] = [];
  for (const name of Object.keys(images)) {
    const ref = `${reg.host}/bench/${name}:1`;
    const titles: Record<string, string> = {
      big: `one ${SIZE_MIB} MiB layer of random bytes`,
      text: `one ${SIZE_MIB / 2} MiB layer of base64 text`,
      small: "2,000 small files",
    };
    console.log(`== ${titles[name]}`);
    const push = timed(`berth push (gzip on the way)`, [...src, "push", ref]);
    const dst = berth(`dst-${name}`);
    const pull = timed(`berth pull (verify + unpack)`, [...dst, "pull", ref]);
    if (hasSkopeo) {
      const flags = ["--src-tls-verify=false", "--dest-tls-verify=false"];
      const sPull = timed(`skopeo copy registry → oci dir`, ["skopeo", "copy", ...flags, `docker://${ref}`, `oci:${dir}/oci-${name}:1`]);
      run(src, ["save", "-o", `${dir}/${name}.tar`, ref]);
      const sPush = timed(`skopeo copy --dest-compress → registry`, [
        "skopeo",
        "copy",
        ...flags,
        "--dest-compress",
        `oci-archive:${dir}/${name}.tar`,
        `docker://${skopeoReg!.host}/bench/${name}:1`,
      ]);
      fs.rmSync(`${dir}/${name}.tar`);
      ratios.push(
        `${name}: berth pull / skopeo pull ${(pull / sPull).toFixed(2)}x, berth push / skopeo push ${(push / sPush).toFixed(2)}x`,
      );
    }
  }
  if (dockerHost) {
    for (const name of Object.keys(images)) {
      const ref = `${reg.host}/bench/${name}:1`;
      const docker = ["docker", "-H", dockerHost];
      console.log(`== docker, ${name}`);
      timed(`docker pull (download + unpack)`, [...docker, "pull", "-q", ref]);
      spawnSync("docker", ["-H", dockerHost, "tag", ref, `${dockerReg!.host}/bench/${name}:1`]);
      timed(`docker push (gzip again)`, [...docker, "push", "-q", `${dockerReg!.host}/bench/${name}:1`]);
      spawnSync("docker", ["-H", dockerHost, "rmi", ref, `${dockerReg!.host}/bench/${name}:1`], { stdio: "ignore" });
    }
  }
  for (const line of ratios) console.log(`ratio ${line}`);
  if (!hasSkopeo) console.log("(skopeo not installed: no comparison)");
} finally {
  await reg.stop();
  await skopeoReg?.stop();
  await dockerReg?.stop();
  spawnSync("bash", ["-c", `grep -o '${dir}[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l`]);
  fs.rmSync(dir, { recursive: true, force: true });
}
