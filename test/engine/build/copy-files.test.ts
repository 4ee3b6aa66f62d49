// planCopy()/applyCopy(): one COPY or ADD step's file work, with plain directories as the rootfs
// and as the context (run as root, so owners are real). The destination rules, owners and modes,
// --chown/--chmod/--parents/--exclude/--link, heredocs, ADD of tars in every compression and of
// URLs from a server on 127.0.0.1, COPY --from a rootfs, the CREATED BY texts and the cache key,
// and the hostile cases: a context symlink pointing out, an image symlink pointing at a host
// directory, a tar that climbs out. A victim directory beside them must never change.
import { test, describe, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as http from "node:http";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { openDirectoryContext } from "../../../src/build/context/open-context.js";
import { FileDigestCache } from "../../../src/build/context/checksum.js";
import type { BuildContext } from "../../../src/build/context/build-context.js";
import type { Instruction } from "../../../src/build/dockerfile/instructions.js";
import { applyCopy, planCopy, type CopyStep, type PlannedCopy } from "../../../src/engine/build/copy-files.js";
import type { ProgressMessage } from "../../../src/engine/progress.js";
import { buildTar } from "../../helpers/tar-builder.js";

type CopyInstruction = Extract<Instruction, { kind: "COPY" | "ADD" }>;

let dir: string;
let ctx: string;
let rootfs: string;
let victim: string;
let context: BuildContext | undefined;

beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(`${os.tmpdir()}/berth-copyfiles-`));
  ctx = `${dir}/ctx`;
  rootfs = `${dir}/rootfs`;
  victim = `${dir}/victim`;
  for (const d of [ctx, rootfs, victim, `${dir}/work`]) fs.mkdirSync(d);
  fs.writeFileSync(`${victim}/secret`, "HOST SECRET\n");
  fs.writeFileSync(`${ctx}/Dockerfile`, "FROM x\n");
});
afterEach(async () => {
  await context?.close();
  context = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(rel: string, body: string | Buffer, mode = 0o644): void {
  fs.mkdirSync(`${ctx}/${rel}`.replace(/\/[^/]*$/, ""), { recursive: true });
  fs.writeFileSync(`${ctx}/${rel}`, body);
  fs.chmodSync(`${ctx}/${rel}`, mode);
}

function instr(kind: "COPY" | "ADD", args: string[], flags: Partial<CopyInstruction> = {}): CopyInstruction {
  const base = {
    sources: args.slice(0, -1),
    contents: [],
    dest: args[args.length - 1]!,
    chown: "",
    chmod: "",
    link: false,
    excludes: [],
    original: `${kind} ${args.join(" ")}`,
    startLine: 1,
    endLine: 1,
  };
  return (
    kind === "COPY" ? { ...base, kind, from: "", parents: false, ...flags } : { ...base, kind, checksum: "", ...flags }
  ) as CopyInstruction;
}

async function step(instruction: CopyInstruction, extra: Partial<CopyStep> = {}): Promise<CopyStep> {
  context ??= (await openDirectoryContext(ctx)).context;
  return {
    instruction,
    workingDir: "/",
    from: { kind: "context", context },
    digests: FileDigestCache.memory(),
    workDir: `${dir}/work`,
    ...extra,
  };
}

/** Plans and applies one step into the rootfs. */
async function run(
  kind: "COPY" | "ADD",
  args: string[],
  flags: Partial<CopyInstruction> = {},
  extra: Partial<CopyStep> = {},
): Promise<PlannedCopy> {
  const s = await step(instr(kind, args, flags), extra);
  const planned = await planCopy(s);
  await applyCopy(s, planned, rootfs);
  return planned;
}

function stat(path: string): fs.Stats {
  return fs.lstatSync(`${rootfs}${path}`);
}
function read(path: string): string {
  return fs.readFileSync(`${rootfs}${path}`, "utf8");
}
function assertVictimUntouched(): void {
  assert.deepEqual(fs.readdirSync(victim), ["secret"]);
  assert.equal(fs.readFileSync(`${victim}/secret`, "utf8"), "HOST SECRET\n");
}

describe("destination rules", () => {
  test("a trailing slash is a directory; without one the file takes the name; an existing directory takes it in", async () => {
    write("a.txt", "A");
    await run("COPY", ["a.txt", "/copied/"]);
    assert.equal(read("/copied/a.txt"), "A");
    await run("COPY", ["a.txt", "/renamed"]);
    assert.equal(read("/renamed"), "A");
    fs.mkdirSync(`${rootfs}/existing`);
    await run("COPY", ["a.txt", "/existing"]);
    assert.equal(read("/existing/a.txt"), "A");
  });

  test("a relative destination is below WORKDIR; '.' is the WORKDIR itself", async () => {
    write("a.txt", "A");
    await run("COPY", ["a.txt", "rel/b.txt"], {}, { workingDir: "/w" });
    assert.equal(read("/w/rel/b.txt"), "A");
    await run("COPY", ["a.txt", "."], {}, { workingDir: "/app" });
    assert.equal(read("/app/a.txt"), "A");
  });

  test("several sources, or a pattern matching several, need a directory destination", async () => {
    write("a.txt", "A");
    write("b.txt", "B");
    const message = /When using COPY with more than one source file, the destination must be a directory and end with a \//;
    await assert.rejects(planCopy(await step(instr("COPY", ["a.txt", "b.txt", "/multi"]))), message);
    await assert.rejects(planCopy(await step(instr("COPY", ["*.txt", "/multi"]))), message);
    await run("COPY", ["a.txt", "b.txt", "/multi/"]);
    assert.deepEqual(fs.readdirSync(`${rootfs}/multi`).sort(), ["a.txt", "b.txt"]);
    await run("COPY", ["a*.txt", "/one"]); // one match: a file destination is fine
    assert.equal(read("/one"), "A");
  });

  test("a directory source copies its contents; missing parents are made 0755 root-owned", async () => {
    write("src/x.txt", "X");
    write("src/sub/y.txt", "Y");
    await run("COPY", ["src", "/deep/dest"]);
    assert.equal(read("/deep/dest/x.txt"), "X");
    assert.equal(read("/deep/dest/sub/y.txt"), "Y");
    assert.equal(fs.existsSync(`${rootfs}/deep/dest/src`), false);
    assert.equal(stat("/deep").mode & 0o7777, 0o755);
    assert.equal(stat("/deep").uid, 0);
  });

  test("a missing source fails in the classic builder's words", async () => {
    await assert.rejects(
      planCopy(await step(instr("COPY", ["nothere.txt", "/x"]))),
      /^NotFoundError: file not found in build context or excluded by \.dockerignore: stat nothere\.txt: file does not exist$/,
    );
  });
});

describe("owners, modes and times", () => {
  test("0:0 by default whatever the context says; mode and mtime are kept", async () => {
    write("f.sh", "#!/bin/sh\n", 0o751);
    fs.chownSync(`${ctx}/f.sh`, 1234, 5678);
    fs.utimesSync(`${ctx}/f.sh`, new Date("2001-02-03T04:05:06Z"), new Date("2001-02-03T04:05:06Z"));
    write("d/inner", "i");
    fs.chmodSync(`${ctx}/d`, 0o750);
    fs.symlinkSync("inner", `${ctx}/d/link`);
    await run("COPY", ["f.sh", "d", "/o/"]);
    const st = stat("/o/f.sh");
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [0, 0, 0o751]);
    assert.equal(st.mtime.toISOString(), "2001-02-03T04:05:06.000Z");
    assert.equal(fs.readlinkSync(`${rootfs}/o/link`), "inner");
  });

  test("--chown names come from the destination's /etc/passwd and /etc/group; parents made on the way too", async () => {
    fs.mkdirSync(`${rootfs}/etc`);
    fs.writeFileSync(`${rootfs}/etc/passwd`, "root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\ndaemon:x:1:7::/:/bin/false\n");
    fs.writeFileSync(`${rootfs}/etc/group`, "root:x:0:\nnogroup:x:65534:\nstaff:x:50:\n");
    write("c.txt", "c");
    write("dir/inner.txt", "i");
    await run("COPY", ["c.txt", "/o/names"], { chown: "nobody:nogroup" });
    assert.deepEqual([stat("/o/names").uid, stat("/o/names").gid], [65534, 65534]);
    assert.deepEqual([stat("/o").uid, stat("/o").gid], [65534, 65534]);
    await run("COPY", ["c.txt", "/daemon"], { chown: "daemon" });
    assert.deepEqual([stat("/daemon").uid, stat("/daemon").gid], [1, 7], "a user alone takes the primary group");
    await run("COPY", ["c.txt", "/numeric"], { chown: "1234" });
    assert.deepEqual([stat("/numeric").uid, stat("/numeric").gid], [1234, 1234]);
    await run("COPY", ["dir", "/tree/"], { chown: "nobody:staff" });
    assert.deepEqual([stat("/tree/inner.txt").uid, stat("/tree/inner.txt").gid], [65534, 50]);
    await assert.rejects(run("COPY", ["c.txt", "/x"], { chown: "ghost" }), /can't find uid for user ghost/);
  });

  test("--chown with a name on an image without /etc/passwd fails without naming a host path", async () => {
    write("c.txt", "c");
    await assert.rejects(run("COPY", ["c.txt", "/x"], { chown: "nobody" }), (err: Error) => {
      assert.match(err.message, /can't find uid for user nobody: the image has no \/etc\/passwd/);
      assert.ok(!err.message.includes(dir), err.message);
      return true;
    });
    await run("COPY", ["c.txt", "/x"], { chown: "10:20" }); // numbers need no file
    assert.deepEqual([stat("/x").uid, stat("/x").gid], [10, 20]);
  });

  test("an image's /etc/passwd that is a symlink to the host's is read inside the rootfs", async () => {
    fs.symlinkSync(`${victim}`, `${rootfs}/etc`); // /etc -> <victim> resolves to <rootfs><victim>
    write("c.txt", "c");
    await assert.rejects(run("COPY", ["c.txt", "/x"], { chown: "root" }), /the image has no \/etc\/passwd/);
  });

  test("--chmod: octal, and symbolic as BuildKit accepts it, on files and directories", async () => {
    write("f", "f", 0o600);
    write("d/g", "g", 0o640);
    await run("COPY", ["f", "/octal"], { chmod: "755" });
    assert.equal(stat("/octal").mode & 0o7777, 0o755);
    await run("COPY", ["d", "/sym/"], { chmod: "a+rX,u+w" });
    assert.equal(stat("/sym/g").mode & 0o7777, 0o644);
    await run("COPY", ["f", "/plusx"], { chmod: "+x" });
    assert.equal(stat("/plusx").mode & 0o7777, 0o711);
    await assert.rejects(planCopy(await step(instr("COPY", ["f", "/x"], { chmod: "999" }))), /invalid chmod parameter: 999/);
    await assert.rejects(planCopy(await step(instr("COPY", ["f", "/x"], { chmod: "u+q" }))), /invalid chmod parameter/);
  });
});

describe("--parents, --exclude, wildcards, heredocs, --link", () => {
  test("--parents keeps the source's path, from a /./ pivot when given", async () => {
    write("a/b/c.txt", "C");
    write("a/b/d/e.txt", "E");
    await run("COPY", ["a/b/c.txt", "/p/"], { parents: true });
    assert.equal(read("/p/a/b/c.txt"), "C");
    await run("COPY", ["a/./b/d", "/q/"], { parents: true });
    assert.equal(read("/q/b/d/e.txt"), "E");
  });

  test("--exclude takes matches out of a pattern and out of a directory", async () => {
    write("hom.txt", "1");
    write("homer.bin", "2");
    write("tree/keep.go", "k");
    write("tree/drop.txt", "d");
    write("tree/sub/drop.txt", "d");
    await run("COPY", ["hom*", "/m/"], { excludes: ["*.txt"] });
    assert.deepEqual(fs.readdirSync(`${rootfs}/m`), ["homer.bin"]);
    await run("COPY", ["tree", "/t/"], { excludes: ["**/*.txt"] });
    assert.deepEqual(fs.readdirSync(`${rootfs}/t`).sort(), ["keep.go", "sub"]);
    assert.deepEqual(fs.readdirSync(`${rootfs}/t/sub`), []);
  });

  test("heredoc sources are files named after their delimiter", async () => {
    const s = await step({ ...instr("COPY", ["/etc/"]), contents: [{ path: "EOF", data: "hello\n", expand: true }] });
    await applyCopy(s, await planCopy(s), rootfs);
    assert.equal(read("/etc/EOF"), "hello\n");
    assert.equal(stat("/etc/EOF").mode & 0o7777, 0o644);
    const t = await step({ ...instr("COPY", ["/named"]), contents: [{ path: "EOF", data: "x", expand: false }] });
    await applyCopy(t, await planCopy(t), rootfs);
    assert.equal(read("/named"), "x");
  });

  test("--link gives the same files", async () => {
    write("a.txt", "A");
    await run("COPY", ["a.txt", "/linked/"], { link: true });
    assert.equal(read("/linked/a.txt"), "A");
  });
});

describe("hostile paths", () => {
  test("a context symlink pointing outside the context is followed inside it", async () => {
    fs.symlinkSync(`${victim}/secret`, `${ctx}/abs`);
    fs.symlinkSync("../victim/secret", `${ctx}/rel`);
    await assert.rejects(planCopy(await step(instr("COPY", ["abs", "/x"]))), /file not found in build context/);
    await assert.rejects(planCopy(await step(instr("COPY", ["rel", "/x"]))), /file not found in build context/);
    // Inside a copied directory the link is copied as a link, never read.
    write("d/f", "f");
    fs.symlinkSync(`${victim}/secret`, `${ctx}/d/out`);
    await run("COPY", ["d", "/d/"]);
    assert.equal(fs.readlinkSync(`${rootfs}/d/out`), `${victim}/secret`);
  });

  test("an image symlink pointing at a host directory makes the write land inside the rootfs", async () => {
    write("a.txt", "A");
    write("tree/b.txt", "B");
    fs.symlinkSync(victim, `${rootfs}/abs`);
    fs.symlinkSync("../../../../../victim", `${rootfs}/rel`);
    await run("COPY", ["a.txt", "/abs/"]);
    await run("COPY", ["a.txt", "/rel/a.txt"]);
    await run("COPY", ["tree", "/abs/tree/"]);
    assertVictimUntouched();
    assert.equal(read(`${victim}/a.txt`), "A");
    assert.equal(read(`${victim}/tree/b.txt`), "B");
    assert.equal(read("/victim/a.txt"), "A");
  });

  test("a file destination that is a symlink is replaced, not written through", async () => {
    write("a.txt", "A");
    fs.symlinkSync(`${victim}/secret`, `${rootfs}/target`);
    await run("COPY", ["a.txt", "/target"]);
    assertVictimUntouched();
    assert.equal(stat("/target").isFile(), true);
    assert.equal(read("/target"), "A");
  });

  test("ADD of a tar that climbs out or links out is refused and leaves the victim alone", async () => {
    write("evil.tar", await buildTar([{ type: "file", name: "../../victim/secret", body: "pwned" }]));
    await assert.rejects(run("ADD", ["evil.tar", "/x/"]), /climbs out/);
    write(
      "evil2.tar",
      await buildTar([
        { type: "symlink", name: "out", linkname: victim },
        { type: "file", name: "out/secret", body: "pwned" },
      ]),
    );
    await assert.rejects(run("ADD", ["evil2.tar", "/y/"]), /symlink/);
    assertVictimUntouched();
  });
});

describe("ADD", () => {
  const entries = [
    { type: "directory" as const, name: "pkg/", mode: 0o750, uid: 7, gid: 8, mtime: new Date("2002-01-01T00:00:00Z") },
    {
      type: "file" as const,
      name: "pkg/f.txt",
      body: "in tar",
      mode: 0o640,
      uid: 1234,
      gid: 5678,
      mtime: new Date("2003-01-01T00:00:00Z"),
    },
  ];

  function compress(program: string, data: Buffer): Buffer {
    const r = spawnSync(program, ["-c"], { input: data });
    assert.equal(r.status, 0, String(r.stderr));
    return r.stdout;
  }

  for (const [name, make] of [
    ["plain.tar", (b: Buffer) => b],
    ["notext.bin", (b: Buffer) => gzipSync(b)],
    ["x.tar.bz2", (b: Buffer) => compress("bzip2", b)],
    ["x.tar.xz", (b: Buffer) => compress("xz", b)],
  ] as const) {
    test(`a local tar is extracted by its content (${name}), keeping its owners and times`, async () => {
      write(name, make(await buildTar(entries)));
      await run("ADD", [name, "/noslash"]);
      assert.equal(read("/noslash/pkg/f.txt"), "in tar");
      const f = stat("/noslash/pkg/f.txt");
      assert.deepEqual([f.uid, f.gid, f.mode & 0o7777], [1234, 5678, 0o640]);
      assert.equal(f.mtime.toISOString(), "2003-01-01T00:00:00.000Z");
      assert.deepEqual([stat("/noslash/pkg").uid, stat("/noslash/pkg").mode & 0o7777], [7, 0o750]);
      assert.equal(stat("/noslash/pkg").mtime.toISOString(), "2002-01-01T00:00:00.000Z");
    });
  }

  test("--chown applies to what a tar holds", async () => {
    write("t.tgz", gzipSync(await buildTar(entries)));
    await run("ADD", ["t.tgz", "/own/"], { chown: "3:4" });
    assert.deepEqual([stat("/own/pkg/f.txt").uid, stat("/own/pkg/f.txt").gid], [3, 4]);
  });

  test("what is not a tar is copied as it is: a text file named .tar, a gzip of a plain file, --unpack=false", async () => {
    write("fake.tar", "not a tar\n");
    write("single.gz", gzipSync("plain\n"));
    write("real.tar", await buildTar(entries));
    await run("ADD", ["fake.tar", "single.gz", "/files/"]);
    assert.equal(read("/files/fake.tar"), "not a tar\n");
    assert.equal(fs.readFileSync(`${rootfs}/files/single.gz`).equals(gzipSync("plain\n")), true);
    await run("ADD", ["real.tar", "/kept/"], { unpack: false });
    assert.equal(stat("/kept/real.tar").isFile(), true);
  });

  test("Git sources, --keep-git-dir and COPY of a URL are refused clearly", async () => {
    await assert.rejects(
      planCopy(await step(instr("ADD", ["https://github.com/moby/moby.git", "/src"]))),
      /Git repository is not supported/,
    );
    await assert.rejects(planCopy(await step(instr("ADD", ["git@github.com:moby/moby", "/src"]))), /Git repository is not supported/);
    await assert.rejects(planCopy(await step(instr("COPY", ["http://127.0.0.1:1/x", "/src"]))), /source can't be a URL for COPY/);
    write("a", "a");
    await assert.rejects(planCopy(await step(instr("ADD", ["a", "/x"], { checksum: "sha256:" + "0".repeat(64) }))), /non-HTTP/);
  });

  describe("of a URL", () => {
    let server: http.Server;
    let base: string;
    let gets = 0;
    const body = gzipSync(Buffer.from("not extracted"));
    const lastModified = "Wed, 21 Oct 2015 07:28:00 GMT";

    beforeEach(async () => {
      gets = 0;
      server = http.createServer((req, res) => {
        gets++;
        if (req.url === "/missing") {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { "Content-Length": body.length, "Last-Modified": lastModified }).end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterEach(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    test("is downloaded, never extracted, 0600, mtime from Last-Modified, named after the URL in a directory", async () => {
      const progress: ProgressMessage[] = [];
      const planned = await run("ADD", [`${base}/dl/ctx2b.tgz`, "/urldir/"], {}, { progress: (m) => progress.push(m) });
      assert.equal(fs.readFileSync(`${rootfs}/urldir/ctx2b.tgz`).equals(body), true);
      const st = stat("/urldir/ctx2b.tgz");
      assert.equal(st.mode & 0o7777, 0o600);
      assert.equal(st.mtime.getTime(), Date.parse(lastModified));
      assert.equal(progress.at(-1)?.status, "Downloading");
      assert.deepEqual(progress.at(-1)?.progressDetail, { current: body.length, total: body.length });
      const hex = createHash("sha256").update(body).digest("hex");
      assert.equal(planned.createdBy, `/bin/sh -c #(nop) ADD ${hex} in /urldir/ `);
      await run("ADD", [`${base}/dl/ctx2b.tgz`, "/urlfile"]);
      assert.equal(stat("/urlfile").isFile(), true);
      assert.equal(gets, 2);
    });

    test("--checksum is checked: a match passes, a mismatch fails clearly", async () => {
      const good = `sha256:${createHash("sha256").update(body).digest("hex")}`;
      await run("ADD", [`${base}/f.tgz`, "/ok"], { checksum: good });
      assert.equal(fs.readFileSync(`${rootfs}/ok`).equals(body), true);
      const bad = `sha256:${"a".repeat(64)}`;
      await assert.rejects(
        run("ADD", [`${base}/f.tgz`, "/bad"], { checksum: bad }),
        /checksum mismatch .*expected sha256:a{64}, got sha256:/,
      );
      await assert.rejects(
        planCopy(await step(instr("ADD", [`${base}/f`, "/x"], { checksum: "md5:abc" }))),
        /invalid checksum digest format/,
      );
    });

    test("a failed download is an error naming the status", async () => {
      await assert.rejects(run("ADD", [`${base}/missing`, "/x"]), /failed to GET .*\/missing with status 404/);
    });
  });
});

describe("COPY --from a rootfs", () => {
  test("sources are resolved inside that rootfs with chroot semantics", async () => {
    const other = `${dir}/other`;
    fs.mkdirSync(`${other}/app/sub`, { recursive: true });
    fs.mkdirSync(`${other}${victim}`, { recursive: true });
    fs.writeFileSync(`${other}${victim}/secret`, "stage copy\n");
    fs.writeFileSync(`${other}/app/a.js`, "a");
    fs.writeFileSync(`${other}/app/b.js`, "b");
    fs.writeFileSync(`${other}/app/sub/c.txt`, "c");
    fs.symlinkSync(`${victim}/secret`, `${other}/link`);
    const from = { kind: "rootfs" as const, rootfs: other, imageId: "sha256:" + "1".repeat(64) };
    await run("COPY", ["/link", "/got"], {}, { from });
    assert.equal(read("/got"), "stage copy\n");
    await run("COPY", ["/app/*.js", "/js/"], {}, { from });
    assert.deepEqual(fs.readdirSync(`${rootfs}/js`).sort(), ["a.js", "b.js"]);
    await run("COPY", ["/app", "/whole/"], { excludes: ["sub"] }, { from });
    assert.deepEqual(fs.readdirSync(`${rootfs}/whole`).sort(), ["a.js", "b.js"]);
    await assert.rejects(planCopy(await step(instr("COPY", ["/nope", "/x"]), { from })), /stat \/nope: file does not exist/);
    assertVictimUntouched();
  });
});

describe("CREATED BY and the cache key", () => {
  test("file:, dir:, multi: and --chown as the classic builder writes them", async () => {
    write("a.txt", "A");
    write("b.txt", "B");
    write("dir/x", "x");
    const file = await planCopy(await step(instr("COPY", ["a.txt", "/copied/"])));
    assert.match(file.createdBy, /^\/bin\/sh -c #\(nop\) COPY file:[a-f0-9]{64} in \/copied\/ $/);
    const dirPlan = await planCopy(await step(instr("COPY", ["dir", "/dir/"])));
    assert.match(dirPlan.createdBy, /^\/bin\/sh -c #\(nop\) COPY dir:[a-f0-9]{64} in \/dir\/ $/);
    const multi = await planCopy(await step(instr("COPY", ["a.txt", "b.txt", "/multi/"])));
    assert.match(multi.createdBy, /^\/bin\/sh -c #\(nop\) COPY multi:[a-f0-9]{64} in \/multi\/ $/);
    const add = await planCopy(await step(instr("ADD", ["a.txt", "/x/"], { chown: "1:2" })));
    assert.match(add.createdBy, /^\/bin\/sh -c #\(nop\) ADD --chown=1:2file:[a-f0-9]{64} in \/x\/ $/);
    assert.match(file.cacheKey, /^[a-f0-9]{64}$/);
  });

  test("mtime is not in the key; content, mode, flags and destination are", async () => {
    write("f.txt", "one");
    const key = async (args: string[], flags: Partial<CopyInstruction> = {}) =>
      (await planCopy(await step(instr("COPY", args, flags)))).cacheKey;
    const first = await key(["f.txt", "/f"]);
    fs.utimesSync(`${ctx}/f.txt`, new Date("2001-01-01"), new Date("2001-01-01"));
    assert.equal(await key(["f.txt", "/f"]), first);
    fs.chmodSync(`${ctx}/f.txt`, 0o755);
    const chmodded = await key(["f.txt", "/f"]);
    assert.notEqual(chmodded, first);
    fs.chmodSync(`${ctx}/f.txt`, 0o644);
    assert.equal(await key(["f.txt", "/f"]), first);
    fs.writeFileSync(`${ctx}/f.txt`, "two");
    assert.notEqual(await key(["f.txt", "/f"]), first);
    fs.writeFileSync(`${ctx}/f.txt`, "one");
    assert.equal(await key(["f.txt", "/f"]), first);
    assert.notEqual(await key(["f.txt", "/g"]), first);
    assert.notEqual(await key(["f.txt", "/f"], { chown: "1:1" }), first);
    assert.notEqual(await key(["f.txt", "/f"], { link: true }), first);
  });
});
