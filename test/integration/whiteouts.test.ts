// Whiteouts at the edges, on real overlayfs: a layer whose root is opaque, files a container names
// like whiteouts (commit refuses them, export keeps them, import of such an export refuses them),
// and diff of a directory removed and made again. Docker 20.10's outputs are written in literally.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { isRoot } from "../helpers/temp-root.js";
import { useBusyboxRoot } from "../helpers/busybox-root.js";
import { busyboxRootfsTar } from "../helpers/busybox.js";
import { buildTar } from "../helpers/tar-builder.js";

const skip = isRoot() ? false : "needs root";

const sha256 = (b: Buffer): string => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** A docker save archive of one image made of `layers` (uncompressed tars, bottom first). */
async function dockerArchive(tag: string, layers: readonly Buffer[]): Promise<Buffer> {
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Cmd: ["/bin/busybox", "ls", "/"] },
      rootfs: { type: "layers", diff_ids: layers.map(sha256) },
      history: layers.map(() => ({ created: "2023-11-14T22:13:20Z" })),
      created: "2023-11-14T22:13:20Z",
    }),
  );
  const configName = `${sha256(config).slice(7)}.json`;
  const layerNames = layers.map((_, i) => `layer${i}/layer.tar`);
  return buildTar([
    { type: "file", name: configName, body: config },
    ...layers.map((body, i) => ({ type: "file" as const, name: layerNames[i]!, body })),
    { type: "file", name: "manifest.json", body: JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: layerNames }]) },
  ]);
}

describe("whiteouts at the edges", { skip }, () => {
  const root = useBusyboxRoot();
  const ok = root.ok;

  test("a layer whose root holds .wh..wh..opq hides every layer below it, in run, diff and squash", async () => {
    const busybox = spawnSync("tar", ["-xOf", busyboxRootfsTar(), "./bin/busybox"], { maxBuffer: 64 << 20 }).stdout;
    const base = fs.readFileSync(busyboxRootfsTar());
    const opaqueRoot = await buildTar([
      { type: "file", name: ".wh..wh..opq" },
      { type: "directory", name: "bin/" },
      { type: "file", name: "bin/busybox", body: busybox, mode: 0o755 },
      { type: "file", name: "keep", body: "kept\n" },
    ]);
    const top = await buildTar([{ type: "file", name: "top", body: "top\n" }]);
    const archive = `${root.t.dir}/opaque-root.tar`;
    fs.writeFileSync(archive, await dockerArchive("opaqueroot:1", [base, opaqueRoot, top]));
    ok(["load", "-i", archive]);

    // Docker 20.10 shows busybox's /etc/passwd, /root, /sbin, /tmp, /usr and /var here as well: overlayfs
    // ignores the opaque mark on a lower layer's root. /dev, /etc, /proc and /sys are the engine's.
    assert.equal(ok(["run", "--rm", "opaqueroot:1"]), "bin\ndev\netc\nkeep\nproc\nsys\ntop\n");
    assert.equal(ok(["run", "--rm", "opaqueroot:1", "/bin/busybox", "ls", "/etc"]), "hostname\nhosts\nresolv.conf\n");

    ok(["run", "--name", "over-opaque", "opaqueroot:1", "/bin/busybox", "sh", "-c", "rm /keep && /bin/busybox touch /usr"]);
    assert.equal(ok(["diff", "over-opaque"]), "D /keep\nA /usr\n", "/usr of the hidden layer is not the image's");
    const lower = JSON.parse(ok(["container", "inspect", "over-opaque"]))[0].GraphDriver.Data.LowerDir.split(":");
    assert.equal(lower.length, 3, "the init layer, top and the opaque-root layer; busybox's layer is not stacked");

    ok(["image", "squash", "opaqueroot:1", "opaqueroot:flat"]);
    assert.equal(ok(["run", "--rm", "opaqueroot:flat"]), "bin\ndev\netc\nkeep\nproc\nsys\ntop\n");
  });

  test("diff of a directory removed and made again: C for it, D for each lower entry gone, A or C for the new ones", () => {
    ok(["run", "--name", "mkdir-base", "busybox", "sh", "-c", "mkdir /dir /dir/sub && touch /dir/old1 /dir/old2 /dir/sub/x"]);
    ok(["commit", "mkdir-base", "withdir"]);
    // Docker 20.10 printed: C /dir, A /dir/new, D /dir/sub, D /dir/old1, D /dir/old2 (deletions in directory
    // order, after the directory's new entries); berth prints the same lines sorted by path.
    ok(["run", "--name", "recreated", "withdir", "sh", "-c", "rm -rf /dir; mkdir /dir; touch /dir/new"]);
    assert.equal(ok(["diff", "recreated"]), "C /dir\nA /dir/new\nD /dir/old1\nD /dir/old2\nD /dir/sub\n");
    // Docker 20.10: C /dir, A /dir/new, C /dir/old1, C /dir/sub, D /dir/sub/x, D /dir/old2. A name made again
    // is a change; below the opaque directory even a plain new directory is compared with the image's.
    ok(["run", "--name", "recreated2", "withdir", "sh", "-c", "rm -rf /dir; mkdir -p /dir/sub; touch /dir/old1 /dir/new"]);
    assert.equal(ok(["diff", "recreated2"]), "C /dir\nA /dir/new\nC /dir/old1\nD /dir/old2\nC /dir/sub\nD /dir/sub/x\n");
    // Docker 20.10: C /dir, D /dir/old1, D /dir/old2, D /dir/sub.
    ok(["run", "--name", "emptied", "withdir", "sh", "-c", "rm -rf /dir; mkdir /dir"]);
    assert.equal(ok(["diff", "emptied"]), "C /dir\nD /dir/old1\nD /dir/old2\nD /dir/sub\n");
    // Docker 20.10: D /dir (the directory's contents are not listed).
    ok(["run", "--name", "removed", "withdir", "rm", "-rf", "/dir"]);
    assert.equal(ok(["diff", "removed"]), "D /dir\n");
  });

  test("commit refuses files named like whiteouts, naming them, and leaves the store as it was", () => {
    ok(["run", "--name", "secret-base", "busybox", "sh", "-c", "mkdir /e && echo data > /secret && echo lower > /e/lower"]);
    ok(["commit", "secret-base", "secretbase"]);
    const images = ok(["images", "-q", "--no-trunc"]);

    ok(["run", "--name", "wh-file", "secretbase", "sh", "-c", "echo mine > /.wh.secret"]);
    const file = root.t.berth(["commit", "wh-file", "lost:1"]);
    assert.equal(file.code, 1);
    assert.equal(
      file.stderr,
      'Error response from daemon: "/.wh.secret" has a whiteout name (.wh. prefix): in an image layer it would delete "/secret" instead of holding this file; rename or remove it first\n',
    );
    ok(["run", "--name", "wh-opq", "secretbase", "sh", "-c", "echo x > /e/.wh..wh..opq"]);
    const opq = root.t.berth(["commit", "wh-opq", "lost:2"]);
    assert.equal(opq.code, 1);
    assert.equal(
      opq.stderr,
      'Error response from daemon: "/e/.wh..wh..opq" has a whiteout name (.wh. prefix): in an image layer it would hide everything the layers below hold in "/e" instead of holding this file; rename or remove it first\n',
    );

    assert.equal(ok(["images", "-q", "--no-trunc"]), images, "no image was made");
    assert.equal(ok(["system", "check"]), "No problems found\n");
    assert.equal(ok(["run", "--rm", "secretbase", "cat", "/secret", "/e/lower"]), "data\nlower\n");
    assert.equal(ok(["diff", "wh-opq"]), "C /e\nA /e/.wh..wh..opq\n", "the container keeps its file");
  });

  test("export keeps a file named like a whiteout; import of that export refuses it rather than drop it", () => {
    ok(["run", "--name", "wh-export", "busybox", "sh", "-c", "echo mine > /.wh.secret"]);
    const tar = `${root.t.dir}/wh-export.tar`;
    ok(["export", "-o", tar, "wh-export"]);
    assert.equal(spawnSync("tar", ["-xOf", tar, ".wh.secret"]).stdout.toString(), "mine\n", "docker export keeps it too");
    const images = ok(["images", "-q", "--no-trunc"]);
    const imported = root.t.berth(["import", tar, "reimported"]);
    assert.equal(imported.code, 1);
    assert.match(
      imported.stderr,
      /invalid tar archive: "\.wh\.secret" has a whiteout name \(\.wh\. prefix\) but is a file with 5 bytes of content; a whiteout must be an empty file/,
    );
    assert.equal(ok(["images", "-q", "--no-trunc"]), images);
    assert.equal(ok(["system", "check"]), "No problems found\n");
  });
});
