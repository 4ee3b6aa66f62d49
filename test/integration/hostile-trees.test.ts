// Issue 9 item 1: "one bad archive bricks every later command". A tree 5,000 levels deep reaches
// berth through import, load, cp - and a pull, or is made by a container's process; each path must
// refuse it clearly or remove it, and leave a store on which `run` works and `system check` is clean.
// A leftover that cannot be removed is reported once and never fails a command.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { createTempRoot, isRoot, mountsUnder, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";
import { deepTar, makeDeepTree } from "../helpers/deep-tree.js";
import { startHostileRegistry } from "../helpers/hostile-registry.js";
import { buildImage, busyboxLayer } from "../helpers/registry-fixtures.js";

const skip = isRoot() ? false : "integration tests mount overlays and run containers: run as root";

/** What every refusal below says: the entry at the depth bound, by the start of its name. */
const DEPTH_REFUSAL = `invalid tar archive: entry "${"d/".repeat(32)}…" is 1025 directories deep, more than the 1024 a layer may hold`;

/** A shell loop for busybox that makes ./d 5,000 levels deep (deeper than PATH_MAX) without ever
 * naming a long path: chains of 1,000 made with mkdir -p, each moved into the bottom of the next. */
const MAKE_DEEP_TREE = [
  "p=d; j=1; while [ $j -lt 1000 ]; do p=$p/d; j=$((j+1)); done",
  "mkdir -p c0/$p",
  "k=1; while [ $k -lt 5 ]; do mkdir -p c$k/$p && mv c$((k-1))/d c$k/$p/d && rmdir c$((k-1)) || exit 1; k=$((k+1)); done",
  "mv c4/d d && rmdir c4",
].join("\n");

function ok(t: TempRoot, args: string[], input?: string | Buffer): string {
  const r = t.berth(args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `berth ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** The store works and is clean: a container runs, system check finds nothing, not even leftovers. */
function assertHealthy(t: TempRoot): void {
  const run = t.berth(["run", "--rm", "busybox", "true"]);
  assert.equal(run.code, 0, `run after the hostile input failed: ${run.stderr}`);
  assert.equal(run.stderr, "", "nothing to warn about");
  const check = t.berth(["system", "check"]);
  assert.equal(check.code, 0, `system check found problems:\n${check.stdout}${check.stderr}`);
  assert.equal(check.stdout, "No problems found\n");
  assert.deepEqual(fs.readdirSync(`${t.root}/tmp`), [], "no staging left behind");
  assert.deepEqual(mountsUnder(t.root), []);
}

/** A docker-save archive whose one layer is `layer`. */
function dockerArchive(t: TempRoot, layer: Buffer): string {
  const dir = `${t.dir}/archive`;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(`${dir}/layer.tar`, layer);
  const diffId = `sha256:${createHash("sha256").update(layer).digest("hex")}`;
  fs.writeFileSync(
    `${dir}/config.json`,
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      created: "2026-01-01T00:00:00Z",
      config: { Cmd: ["sh"] },
      rootfs: { type: "layers", diff_ids: [diffId] },
    }),
  );
  fs.writeFileSync(`${dir}/manifest.json`, JSON.stringify([{ Config: "config.json", RepoTags: ["deep:latest"], Layers: ["layer.tar"] }]));
  const archive = `${t.dir}/deep-archive.tar`;
  assert.equal(spawnSync("tar", ["-C", dir, "-cf", archive, "."]).status, 0);
  return archive;
}

/** An OCI image layout archive (what `docker save` writes since 25, and skopeo) with `layer` as its one layer. */
function ociLayoutArchive(t: TempRoot, layer: Buffer): string {
  const dir = `${t.dir}/oci`;
  fs.mkdirSync(`${dir}/blobs/sha256`, { recursive: true });
  const put = (data: Buffer, mediaType: string) => {
    const hex = createHash("sha256").update(data).digest("hex");
    fs.writeFileSync(`${dir}/blobs/sha256/${hex}`, data);
    return { mediaType, digest: `sha256:${hex}`, size: data.length };
  };
  const layerDesc = put(layer, "application/vnd.oci.image.layer.v1.tar");
  const config = put(
    Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        created: "2026-01-01T00:00:00Z",
        config: { Cmd: ["sh"] },
        rootfs: { type: "layers", diff_ids: [layerDesc.digest] },
      }),
    ),
    "application/vnd.oci.image.config.v1+json",
  );
  const manifest = put(
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config, layers: [layerDesc] })),
    "application/vnd.oci.image.manifest.v1+json",
  );
  fs.writeFileSync(`${dir}/oci-layout`, JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  fs.writeFileSync(
    `${dir}/index.json`,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        {
          ...manifest,
          annotations: { "io.containerd.image.name": "docker.io/library/deep:oci", "org.opencontainers.image.ref.name": "oci" },
        },
      ],
    }),
  );
  const archive = `${t.dir}/deep-oci.tar`;
  assert.equal(spawnSync("tar", ["-C", dir, "-cf", archive, "."]).status, 0);
  return archive;
}

describe("hostile trees (issue 9 item 1)", { skip }, () => {
  let t: TempRoot;
  let deep: Buffer;
  before(() => {
    t = createTempRoot("berth-hostile-trees-");
    ok(t, ["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
    deep = deepTar(5000);
    fs.writeFileSync(`${t.dir}/deep.tar`, deep);
  });
  after(() => t?.cleanup());

  test("import of a 5,000-level tree is refused at the bound, and the store stays usable", () => {
    const r = t.berth(["import", `${t.dir}/deep.tar`, "deep:import"]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, `Error response from daemon: ${DEPTH_REFUSAL}\n`);
    assertHealthy(t);
  });

  test("load of a docker-save archive holding a 5,000-level layer is refused, and the store stays usable", () => {
    const r = t.berth(["load", "-i", dockerArchive(t, deep)]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(escape(DEPTH_REFUSAL)));
    assertHealthy(t);
  });

  test("load of an OCI layout holding a 5,000-level layer is refused, and the store stays usable", () => {
    const r = t.berth(["load", "-i", ociLayoutArchive(t, deep)]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(escape(DEPTH_REFUSAL)));
    assertHealthy(t);
  });

  test("cp - of a 5,000-level tree into a container is refused; the container still goes with rm", () => {
    ok(t, ["create", "--name", "cp-target", "busybox"]);
    const r = t.berth(["cp", "-", "cp-target:/tmp"], { input: deep });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(escape(DEPTH_REFUSAL)));
    ok(t, ["rm", "cp-target"]);
    assertHealthy(t);
  });

  test("pull of an image with a 5,000-level layer is refused, and the store stays usable", async () => {
    const reg = await startHostileRegistry();
    try {
      reg.addImage("hostile/deep", buildImage({ layers: [busyboxLayer(), deep] }), "1");
      const r = await t.berthAsync(["pull", `${reg.host}/hostile/deep:1`]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(escape(DEPTH_REFUSAL)));
    } finally {
      await reg.stop();
    }
    assertHealthy(t);
  });

  test("a leftover work dir 5,000 levels deep is swept by the next command, which succeeds", () => {
    // A process killed while it staged a tree this deep (pid 1 never owns a work dir: abandoned).
    const leftover = `${t.root}/tmp/1.0.deadbeef`;
    fs.mkdirSync(leftover);
    makeDeepTree(leftover, 5000);
    const r = t.berth(["run", "--rm", "busybox", "true"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.equal(fs.existsSync(leftover), false);
    assertHealthy(t);
  });

  test("a leftover that cannot be removed is reported once, fails no command, and waits for system check --repair", () => {
    const leftover = `${t.root}/tmp/1.0.cafebabe`;
    fs.mkdirSync(`${leftover}/mnt`, { recursive: true });
    fs.writeFileSync(`${leftover}/junk`, "");
    assert.equal(spawnSync("mount", ["-t", "tmpfs", "tmpfs", `${leftover}/mnt`]).status, 0);
    try {
      const first = t.berth(["run", "--rm", "busybox", "true"]);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(
        first.stderr,
        `WARN[0000] cannot remove ${leftover}: ${leftover}/mnt is a mount point; berth system check --repair will try again\n`,
      );
      const second = t.berth(["tag", "busybox", "busybox:again"]);
      assert.equal(second.code, 0, second.stderr);
      assert.equal(second.stderr, "", "reported once, not by every command");
      assert.deepEqual(fs.readdirSync(leftover), ["mnt"], "what could go went");
      const check = t.berth(["system", "check"]);
      assert.equal(check.code, 0, check.stderr);
      assert.equal(
        check.stdout,
        `leftover: work dir 1.0.cafebabe: could not be removed: cannot remove ${leftover}: ${leftover}/mnt is a mount point (berth system check --repair removes it)\nNo problems found\n`,
      );
    } finally {
      spawnSync("umount", [`${leftover}/mnt`]);
    }
    const repair = t.berth(["system", "check", "--repair"]);
    assert.equal(repair.code, 0, repair.stderr);
    assert.match(repair.stdout, /^repaired: work dir 1\.0\.cafebabe: could not be removed: /m);
    assert.equal(fs.existsSync(leftover), false);
    ok(t, ["rmi", "busybox:again"]);
    assertHealthy(t);
  });

  test("a container that made a 5,000-level tree: diff and commit refuse it clearly, rm removes it", () => {
    ok(t, ["run", "--name", "digger", "busybox", "sh", "-c", `cd /tmp && ${MAKE_DEEP_TREE}`]);
    const diff = t.berth(["diff", "digger"]);
    assert.equal(diff.code, 1, diff.stderr);
    assert.equal(
      diff.stderr,
      `Error response from daemon: cannot list the changes: "tmp/${"d/".repeat(30)}…" is 1025 directories deep, more than the 1024 a layer may hold\n`,
    );
    const commit = t.berth(["commit", "digger", "dug"]);
    assert.equal(commit.code, 1, commit.stderr);
    assert.equal(
      commit.stderr,
      `Error response from daemon: cannot archive "tmp/${"d/".repeat(30)}…" is 1025 directories deep, more than the 1024 a layer may hold\n`,
    );
    ok(t, ["rm", "digger"]);
    assert.deepEqual(fs.readdirSync(`${t.root}/containers`), []);
    assertHealthy(t);
  });

  test("a volume holding a 5,000-level tree is removed cleanly", () => {
    ok(t, ["run", "--rm", "-v", "deepvol:/data", "busybox", "sh", "-c", `cd /data && ${MAKE_DEEP_TREE}`]);
    assert.ok(fs.existsSync(`${t.root}/volumes/deepvol`), "the volume lives under the root");
    assert.equal(ok(t, ["volume", "rm", "deepvol"]), "deepvol\n");
    assert.equal(fs.existsSync(`${t.root}/volumes/deepvol`), false);
    assertHealthy(t);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
