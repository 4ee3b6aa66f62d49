// Image commands end to end through the real CLI, each test on its own temporary root (as root:
// layers hold device nodes and owners). Expected texts are Docker 20.10's, from test/golden/docker.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { createTempRoot, isRoot, REPO, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";
import { buildTar } from "../helpers/tar-builder.js";

const skip = isRoot() ? false : "integration tests unpack layers with owners and device nodes: run as root";
const GOLDEN = `${REPO}/test/golden/docker`;
const FIXTURES = `${REPO}/test/fixtures`;
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

function ok(t: TempRoot, args: string[], input?: string | Buffer): string {
  const r = t.berth(args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `berth ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

function importBusybox(t: TempRoot, name = "busybox:latest"): string {
  return ok(t, ["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), name]).trim();
}

/** What a user can see of a store: its images and what system check says. */
function snapshot(t: TempRoot): string {
  return ok(t, ["images", "-a", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"]);
}

function assertConsistent(t: TempRoot): void {
  const check = t.berth(["system", "check"]);
  assert.equal(check.code, 0, `system check found problems:\n${check.stdout}${check.stderr}`);
}

describe("image commands", { skip }, () => {
  let t: TempRoot;
  before(() => {
    t = createTempRoot();
  });
  after(() => t.cleanup());

  test("import prints the image ID, and inspect shows Docker's shape", () => {
    const id = importBusybox(t);
    assert.match(id, /^sha256:[a-f0-9]{64}$/);
    const [inspect] = JSON.parse(ok(t, ["image", "inspect", "busybox"]));
    const [golden] = JSON.parse(fs.readFileSync(`${GOLDEN}/inspect-imported.json`, "utf8"));
    assert.deepEqual(Object.keys(inspect), Object.keys(golden), "top-level keys in Docker's order");
    assert.equal(inspect.Id, id);
    assert.deepEqual(inspect.RepoTags, ["busybox:latest"]);
    assert.equal(inspect.Comment, "Imported from -");
    assert.deepEqual(inspect.ContainerConfig, golden.ContainerConfig);
    assert.deepEqual(inspect.Config, golden.Config);
    assert.deepEqual(inspect.RootFS.Layers, [`sha256:${sha256(fs.readFileSync(busyboxRootfsTar()))}`]);
    assert.equal(inspect.Size, inspect.VirtualSize);
    assert.equal(inspect.GraphDriver.Name, "overlay2");
    assert.ok(fs.existsSync(inspect.GraphDriver.Data.UpperDir + "/bin/busybox"), "the layer is unpacked for overlay");
  });

  test("import -c applies every change Docker allows, as Docker records them", async () => {
    const tar = await buildTar([{ type: "file", name: "etc/hello", body: "hello\n" }]);
    const changes = [
      "ENV A=1 B=2",
      "EXPOSE 80",
      "VOLUME /data",
      "WORKDIR /w",
      "USER nobody",
      "LABEL a=b",
      'ENTRYPOINT ["/bin/sh"]',
      'CMD ["sh"]',
      "ONBUILD RUN x",
    ].flatMap((c) => ["-c", c]);
    ok(t, ["import", ...changes, "-m", "all changes", "-", "allchanges"], tar);
    const [inspect] = JSON.parse(ok(t, ["image", "inspect", "allchanges"]));
    const [golden] = JSON.parse(fs.readFileSync(`${GOLDEN}/inspect-allchanges.json`, "utf8"));
    assert.deepEqual(inspect.Config, golden.Config);
    assert.equal(inspect.Comment, "all changes");
    assert.equal(inspect.Size, 6);
  });

  test("import -c refuses what Docker refuses, and creates nothing", () => {
    const before = snapshot(t);
    const r = t.berth(["import", "-c", "RUN x", busyboxRootfsTar(), "chg:run"]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "Error response from daemon: run is not a valid change command\n");
    const empty = t.berth(["import", "-c", "", busyboxRootfsTar()]);
    assert.equal(empty.stderr, "Error response from daemon: file with no instructions\n");
    assert.equal(snapshot(t), before);
  });

  test("a gzip tar imports to the same layer as the plain tar", () => {
    const gz = gzipSync(fs.readFileSync(busyboxRootfsTar()));
    ok(t, ["import", "-", "gzipped"], gz);
    const plain = JSON.parse(ok(t, ["image", "inspect", "busybox"]))[0].RootFS.Layers;
    const zipped = JSON.parse(ok(t, ["image", "inspect", "gzipped"]))[0].RootFS.Layers;
    assert.deepEqual(zipped, plain);
  });

  test("tag adds names, moves a name, and accepts the old -f", () => {
    ok(t, ["tag", "busybox", "busybox:1.36"]);
    ok(t, ["tag", "-f", "busybox:latest", "localhost:5000/team/busybox:dev"]);
    const id = JSON.parse(ok(t, ["image", "inspect", "busybox"]))[0].Id;
    ok(t, ["tag", "gzipped", "busybox:1.36"]);
    assert.notEqual(JSON.parse(ok(t, ["image", "inspect", "busybox:1.36"]))[0].Id, id, "the name moved");
    ok(t, ["tag", id.slice(7, 19), "byid"]);
    assert.equal(JSON.parse(ok(t, ["image", "inspect", "byid"]))[0].Id, id);
  });

  test("tag reports bad names and missing images with Docker's words", () => {
    const upper = t.berth(["tag", "busybox", "Busybox"]);
    assert.equal(upper.code, 1);
    assert.equal(
      upper.stderr,
      'Error parsing reference: "Busybox" is not a valid repository/tag: invalid reference format: repository name (library/Busybox) must be lowercase\n',
    );
    assert.equal(
      t.berth(["tag", "busybox", "a:b:c"]).stderr,
      'Error parsing reference: "a:b:c" is not a valid repository/tag: invalid reference format\n',
    );
    const missing = t.berth(["tag", "nosuch", "x"]);
    assert.equal(missing.stderr, "Error response from daemon: No such image: nosuch:latest\n");
    assert.equal(missing.code, 1);
    const one = t.berth(["tag", "busybox"]);
    assert.equal(one.code, 1);
    assert.match(
      one.stderr,
      /^berth: 'berth tag' requires 2 arguments\n\nUsage:  berth tag SOURCE_IMAGE\[:TAG\] TARGET_IMAGE\[:TAG\]\n\nRun 'berth tag --help' for more information\n$/,
    );
  });

  // Measured with docker CLI 28.2.2 and dockerd 20.10.24 (issue 9, item 5): the CLI checks the
  // grammar (its words, no daemon prefix); the daemon refuses what its older parser reads as a
  // lowercase-only repository, and names that look like a digest algorithm.
  test("tag, commit and import refuse uppercase repositories and a repository named sha256", () => {
    const DAEMON_UPPERCASE = "Error response from daemon: invalid reference format: repository name must be lowercase\n";
    const AMBIGUOUS = "Error response from daemon: refusing to create an ambiguous tag using digest algorithm as name\n";
    ok(t, ["create", "--name", "refs-c", "busybox"]);
    const before = snapshot(t);
    const cases: [string[], string][] = [
      [["tag", "busybox", "Foo/bar"], DAEMON_UPPERCASE],
      [["tag", "busybox", "sha256:abc"], AMBIGUOUS],
      [["tag", "busybox", "sha256"], AMBIGUOUS],
      [["commit", "refs-c", "Foo/bar"], DAEMON_UPPERCASE],
      [["commit", "refs-c", "sha256:abc"], AMBIGUOUS],
      [["commit", "refs-c", "foo/Bar"], "invalid reference format: repository name (foo/Bar) must be lowercase\n"],
      [["import", busyboxRootfsTar(), "Foo/bar"], DAEMON_UPPERCASE],
      [["import", busyboxRootfsTar(), "sha256:abc"], AMBIGUOUS],
      [["import", busyboxRootfsTar(), "foo/Bar"], "invalid reference format: repository name (foo/Bar) must be lowercase\n"],
      [["pull", "foo/Bar"], "invalid reference format: repository name (foo/Bar) must be lowercase\n"],
      [["push", "Foo/bar:v1"], DAEMON_UPPERCASE],
    ];
    for (const [args, stderr] of cases) {
      const r = t.berth(args);
      assert.equal(r.stderr, stderr, `berth ${args.join(" ")}`);
      assert.equal(r.code, 1, `berth ${args.join(" ")}`);
    }
    ok(t, ["tag", "busybox", "FOO.io/bar"]);
    ok(t, ["rmi", "FOO.io/bar"]);
    ok(t, ["rm", "refs-c"]);
    assert.equal(snapshot(t), before);
    assertConsistent(t);
  });

  test("images lists one row per tag, newest first, in Docker's table", () => {
    const out = ok(t, ["images"]);
    const lines = out.trimEnd().split("\n");
    assert.match(lines[0]!, /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$/);
    assert.match(out, /\nbusybox +latest +[a-f0-9]{12} +(Less than a second|\d+ seconds?) ago +1\.98MB\n/);
    assert.match(out, /\nlocalhost:5000\/team\/busybox +dev +/);
    const columns = lines[0]!.indexOf("TAG");
    assert.equal(columns, Math.max("localhost:5000/team/busybox".length + 3, 10), "tabwriter: widest cell + padding 3");
    const quiet = ok(t, ["images", "-q"]).trim().split("\n");
    assert.equal(quiet.length, lines.length - 1, "-q prints one ID per row, duplicates kept");
    const json = JSON.parse(ok(t, ["images", "--format", "json"]).split("\n")[0]!);
    assert.deepEqual(Object.keys(json), [
      "Containers",
      "CreatedAt",
      "CreatedSince",
      "Digest",
      "ID",
      "Repository",
      "SharedSize",
      "Size",
      "Tag",
      "UniqueSize",
      "VirtualSize",
    ]);
    assert.match(ok(t, ["images", "--format", "{{json .}}"]), /"Digest":"\\u003cnone\\u003e"/);
    assert.match(ok(t, ["images", "--no-trunc", "-q"]), /^sha256:[a-f0-9]{64}$/m);
  });

  test("images filters by reference, dangling, label, before and since", () => {
    const tags = (args: string[]) =>
      ok(t, ["images", ...args, "--format", "{{.Repository}}:{{.Tag}}"])
        .trim()
        .split("\n")
        .filter(Boolean)
        .sort();
    assert.deepEqual(tags(["--filter", "reference=busy*"]), ["busybox:1.36", "busybox:latest"]);
    assert.deepEqual(tags(["--filter", "reference=*/*/busybox"]), ["localhost:5000/team/busybox:dev"]);
    assert.deepEqual(tags(["busybox:latest"]), ["busybox:latest"]);
    assert.deepEqual(tags(["--filter", "label=a=b"]), ["allchanges:latest"]);
    assert.deepEqual(tags(["--filter", "label=a"]), ["allchanges:latest"]);
    ok(t, ["import", busyboxRootfsTar()]);
    assert.deepEqual(tags(["--filter", "dangling=true"]), ["<none>:<none>"]);
    assert.ok(!tags(["--filter", "dangling=false"]).includes("<none>:<none>"));
    assert.ok(tags(["--filter", "since=busybox:latest"]).includes("allchanges:latest"));
    assert.ok(!tags(["--filter", "before=busybox:latest"]).includes("allchanges:latest"));
    const bad = t.berth(["images", "--filter", "foo=bar"]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, "Error response from daemon: Invalid filter 'foo'\n");
    const badFlag = t.berth(["images", "--filter", "foo"]);
    assert.equal(badFlag.code, 125);
    assert.match(badFlag.stderr, /^invalid argument "foo" for "-f, --filter" flag: bad format of filter \(expected name=value\)/);
  });

  test("history shows the import row like Docker", () => {
    const out = ok(t, ["history", "busybox"]);
    assert.match(out, /^IMAGE +CREATED +CREATED BY +SIZE +COMMENT\n[a-f0-9]{12} +\S.* ago +1\.98MB +Imported from -\n$/);
    const raw = ok(t, ["history", "-H=false", "busybox"]);
    assert.match(
      raw,
      /^IMAGE +CREATED AT +CREATED BY +SIZE +COMMENT\n[a-f0-9]{12} +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +\d+ +Imported from -\n$/,
    );
    assert.match(ok(t, ["history", "-q", "--no-trunc", "busybox"]), /^sha256:[a-f0-9]{64}\n$/);
    assert.deepEqual(Object.keys(JSON.parse(ok(t, ["history", "--format", "{{json .}}", "busybox"]))), [
      "Comment",
      "CreatedAt",
      "CreatedBy",
      "CreatedSince",
      "ID",
      "Size",
    ]);
    const missing = t.berth(["history", "nosuch"]);
    assert.equal(missing.stderr, "Error response from daemon: No such image: nosuch:latest\n");
  });

  test("inspect -f runs Go templates; unknown names fail as Docker's do", () => {
    const id = JSON.parse(ok(t, ["image", "inspect", "busybox"]))[0].Id;
    assert.equal(
      ok(t, ["inspect", "-f", "{{.Id}} {{.Config.Cmd}} {{json .Config.Env}}", "busybox"]),
      `${id} [sh] ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]\n`,
    );
    const generic = t.berth(["inspect", "nosuch"]);
    assert.equal(generic.code, 1);
    assert.equal(generic.stdout, "[]\n");
    assert.equal(generic.stderr, "Error: No such object: nosuch\n");
    const image = t.berth(["image", "inspect", "nosuch"]);
    assert.equal(image.stderr, "Error response from daemon: no such image: nosuch: No such image: nosuch:latest\n");
  });

  test("save → rmi → load gives back the same image ID and tags", () => {
    const id = JSON.parse(ok(t, ["image", "inspect", "busybox"]))[0].Id;
    const archive = `${t.dir}/busybox.tar`;
    assert.equal(ok(t, ["save", "-o", archive, "busybox:latest"]), "");
    const names = spawnSync("tar", ["-tf", archive]).stdout.toString().split("\n");
    assert.ok(names.includes("manifest.json") && names.includes("index.json") && names.includes("oci-layout"));
    const manifest = JSON.parse(spawnSync("tar", ["-xOf", archive, "manifest.json"]).stdout.toString());
    assert.deepEqual(manifest[0].RepoTags, ["busybox:latest"]);
    assert.equal(manifest[0].Config, `blobs/sha256/${id.slice(7)}`);
    const layer = spawnSync("tar", ["-xOf", archive, manifest[0].Layers[0]], { maxBuffer: 64 << 20 }).stdout;
    assert.equal(
      `sha256:${sha256(layer)}`,
      JSON.parse(ok(t, ["image", "inspect", "busybox"]))[0].RootFS.Layers[0],
      "the layer file is the diff",
    );

    for (const name of ["busybox:latest", "busybox:1.36", "localhost:5000/team/busybox:dev", "byid:latest"]) t.berth(["rmi", name]);
    assert.match(t.berth(["image", "inspect", "busybox"]).stderr, /No such image/);
    assert.equal(ok(t, ["load", "-i", archive]), "Loaded image: busybox:latest\n");
    assert.equal(JSON.parse(ok(t, ["image", "inspect", "busybox"]))[0].Id, id);
    assertConsistent(t);
  });

  test("load reads a real docker save archive (Docker 20.10's layout)", () => {
    const other = createTempRoot();
    try {
      assert.equal(ok(other, ["load", "-i", `${FIXTURES}/docker-save-busybox.tar`]), "Loaded image: busybox:latest\n");
      const [inspect] = JSON.parse(ok(other, ["image", "inspect", "busybox"]));
      const saved = JSON.parse(spawnSync("tar", ["-xOf", `${FIXTURES}/docker-save-busybox.tar`, "manifest.json"]).stdout.toString());
      assert.equal(inspect.Id, `sha256:${saved[0].Config.replace(/\.json$/, "")}`, "the ID is the digest of Docker's config bytes");
      assert.equal(inspect.Comment, "Imported from -");
      assert.equal(inspect.DockerVersion, "20.10.24+dfsg1");
      assert.equal(inspect.Size, 1984132, "Docker's size: file bytes plus symlink targets");
      assert.equal(inspect.Metadata.LastTagTime, "0001-01-01T00:00:00Z", "load does not set LastTagTime");
      assert.equal(
        ok(other, ["load", "-i", `${FIXTURES}/docker-save-two.tar`]),
        "Loaded image: busybox:latest\nLoaded image: allchanges:latest\n",
      );
      assertConsistent(other);
    } finally {
      other.cleanup();
    }
  });

  test("rmi untags, then deletes the image and the layers no one else uses", () => {
    const tar = `${t.dir}/one.tar`;
    fs.writeFileSync(tar, spawnSync("tar", ["-C", REPO, "-cf", "-", "package.json"]).stdout);
    const id = ok(t, ["import", tar, "rmme:one"]).trim();
    ok(t, ["tag", "rmme:one", "rmme:two"]);
    assert.equal(ok(t, ["rmi", "rmme:one"]), "Untagged: rmme:one\n");
    const diffId = JSON.parse(ok(t, ["image", "inspect", "rmme:two"]))[0].RootFS.Layers[0];
    assert.equal(ok(t, ["rmi", "rmme:two"]), `Untagged: rmme:two\nDeleted: ${id}\nDeleted: ${diffId}\n`);
    const missing = t.berth(["rmi", "nosuch", "busybox:nosuchtag"]);
    assert.equal(missing.code, 1);
    assert.equal(
      missing.stderr,
      "Error response from daemon: No such image: nosuch:latest\nError response from daemon: No such image: busybox:nosuchtag\n",
    );
    assertConsistent(t);
  });

  test("rmi by ID refuses an image with several repositories unless forced", () => {
    const id = importBusybox(t, "multi:a");
    ok(t, ["tag", "multi:a", "other:b"]);
    const r = t.berth(["rmi", id.slice(7, 19)]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `Error response from daemon: conflict: unable to delete ${id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories\n`,
    );
    assert.equal(ok(t, ["rmi", "-f", id.slice(7, 19)]), `Untagged: multi:a\nUntagged: other:b\nDeleted: ${id}\n`);
  });

  test("image prune removes dangling images; -a removes unused ones", () => {
    ok(t, ["import", busyboxRootfsTar()]);
    const out = ok(t, ["image", "prune", "-f"]);
    assert.match(out, /^Deleted Images:\n(deleted: sha256:[a-f0-9]{64}\n)+\nTotal reclaimed space: 0B\n$/);
    assert.equal(ok(t, ["images", "--filter", "dangling=true", "-q"]), "");
    assert.equal(ok(t, ["image", "prune", "-f"]), "Total reclaimed space: 0B\n");
    const prompt = t.berth(["image", "prune"], { input: "n\n" });
    assert.equal(prompt.stdout, "WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ");
    assertConsistent(t);
  });

  test("system df counts shared layers once", () => {
    const out = ok(t, ["system", "df"]);
    assert.match(out, /^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE\nImages +\d+ +0 +[\d.]+[kMG]?B +[\d.]+[kMG]?B \(100%\)\n/);
    const verbose = ok(t, ["system", "df", "-v"]);
    assert.match(verbose, /^Images space usage:\n\nREPOSITORY +TAG +IMAGE ID +CREATED +SIZE +SHARED SIZE +UNIQUE SIZE +CONTAINERS\n/);
  });
});

describe("bad input leaves the store as it was", { skip }, () => {
  let t: TempRoot;
  before(() => {
    t = createTempRoot();
    importBusybox(t);
  });
  after(() => t.cleanup());

  const cases: [string, () => Promise<Buffer>, RegExp][] = [
    ["a name that climbs out", () => buildTar([{ type: "file", name: "../../escape", body: "x" }]), /climbs out/],
    ["a hardlink outside the layer", () => buildTar([{ type: "link", name: "h", linkname: "../../../etc/passwd" }]), /climbs out/],
    [
      "a write through a planted symlink",
      () =>
        buildTar([
          { type: "symlink", name: "a", linkname: "/etc" },
          { type: "file", name: "a/passwd", body: "pwned" },
        ]),
      /symlink/,
    ],
    [
      "duplicate entries",
      () =>
        buildTar([
          { type: "file", name: "f", body: "1" },
          { type: "file", name: "f", body: "2" },
        ]),
      /duplicate/,
    ],
    [
      "a truncated tar",
      async () => (await buildTar([{ type: "file", name: "f", body: Buffer.alloc(50_000) }])).subarray(0, 10_000),
      /invalid tar archive/,
    ],
    ["text that is not a tar", async () => Buffer.from("this is not a tar archive\n".repeat(50)), /invalid tar archive/],
  ];
  for (const [what, make, message] of cases) {
    test(`import of ${what} fails clearly with exit 1`, async () => {
      const before = snapshot(t);
      const r = t.berth(["import", "-", "bad:input"], { input: await make() });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(snapshot(t), before);
      assertConsistent(t);
      assert.equal(fs.readFileSync("/etc/passwd", "utf8").includes("pwned"), false);
    });
  }

  test("load of garbage, a truncated archive or a corrupt blob fails and adds nothing", () => {
    const before = snapshot(t);
    const fixture = fs.readFileSync(`${FIXTURES}/docker-save-busybox.tar`);
    const inputs: [Buffer, RegExp][] = [
      [Buffer.from("this is not a tar archive\n"), /invalid/],
      [fixture.subarray(0, 1 << 20), /invalid archive/],
      [Buffer.alloc(0), /neither manifest.json nor index.json/],
    ];
    // Flip one byte inside the layer: its diff ID no longer matches the config.
    const corrupt = Buffer.from(fixture);
    const at = corrupt.indexOf(Buffer.from("ELF")) + 100;
    corrupt[at] = corrupt[at]! ^ 0xff;
    inputs.push([corrupt, /digest mismatch/]);
    for (const [input, message] of inputs) {
      const r = t.berth(["load"], { input });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /Error response from daemon/, "load errors are printed bare, as Docker's");
    }
    assert.equal(snapshot(t), before);
    assertConsistent(t);
  });

  test("a bad reference fails before any byte is read", () => {
    const r = t.berth(["import", busyboxRootfsTar(), "Foo"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid reference format: repository name \(library\/Foo\) must be lowercase/);
    const missing = t.berth(["import", "nosuchfile"]);
    assert.equal(missing.stderr, "open nosuchfile: no such file or directory\n");
  });

  test("save of a missing image writes no file", () => {
    const out = `${t.dir}/nosuch.tar`;
    const r = t.berth(["save", "-o", out, "busybox", "nosuch"]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "Error response from daemon: No such image: nosuch\n");
    assert.equal(fs.existsSync(out), false);
  });

  test("an unknown flag exits 125 with Docker's words", () => {
    const r = t.berth(["images", "--bogus"]);
    assert.equal(r.code, 125);
    assert.equal(
      r.stderr,
      "unknown flag: --bogus\n\nUsage:  berth images [OPTIONS] [REPOSITORY[:TAG]]\n\nRun 'berth images --help' for more information\n",
    );
  });
});
