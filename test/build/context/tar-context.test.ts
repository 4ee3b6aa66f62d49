// openTarContext(): a tar build context (`berth build - < ctx.tar`, POST /build) staged under a
// work dir: plain and gzip, the lenient forms real clients send (BUILD-API §1.3), and a table of
// hostile archives, each refused with a clear error, the work dir removed and nothing written
// beside it (a victim directory next to the work dir must stay as it was: moby's testBreakout).
import { test, describe, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { Readable } from "node:stream";
import { openTarContext } from "../../../src/build/context/open-context.js";
import { resolveCopySource } from "../../../src/build/context/copy-sources.js";
import { encodeHeader, paddingFor, END_OF_ARCHIVE } from "../../../src/archive/tar-header.js";
import { isTarHeaderBlock } from "../../../src/archive/tar-reader.js";
import { buildTar, type TarSpec } from "../../helpers/tar-builder.js";
import { byBytes, type BuildContext } from "../../../src/build/context/build-context.js";

let dir: string;
let work: string;
let victim: string;
const opened: BuildContext[] = [];

beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(`${os.tmpdir()}/berth-tarctx-`));
  work = `${dir}/work`;
  victim = `${dir}/victim`;
  fs.mkdirSync(victim);
  fs.writeFileSync(`${victim}/hello`, "victim");
});
afterEach(async () => {
  for (const c of opened.splice(0)) await c.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function assertVictimIntact(): void {
  assert.deepEqual(fs.readdirSync(victim), ["hello"]);
  assert.equal(fs.readFileSync(`${victim}/hello`, "utf8"), "victim");
  assert.deepEqual(fs.readdirSync(dir).sort(), ["victim"], "the work dir is removed after a refusal");
}

async function openTar(tar: Buffer | Readable, opts: { dockerfile?: string } = {}) {
  const result = await openTarContext(Buffer.isBuffer(tar) ? Readable.from([tar]) : tar, { workDir: work, ...opts });
  opened.push(result.context);
  return result;
}

async function names(context: BuildContext): Promise<string> {
  const out: string[] = [];
  for await (const e of context.walk((await context.resolve(""))!)) if (e.rel) out.push(e.stat.isDirectory() ? `${e.rel}/` : e.rel);
  return out.sort(byBytes).join(" ");
}

/** One raw entry by berth's own header writer: for the types and sizes tar-stream will not write. */
function raw(header: Parameters<typeof encodeHeader>[0], body = Buffer.alloc(0)): Buffer {
  return Buffer.concat([encodeHeader(header), body, paddingFor(body.length)]);
}

const BASE = { mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1_700_000_000 };

describe("openTarContext()", () => {
  test("openTarContext() stages files, directories, links, modes, owners and times, and reads the Dockerfile", async () => {
    const { context, dockerfile, dockerfileName } = await openTar(
      await buildTar([
        { type: "directory", name: "./" },
        { type: "file", name: "./Dockerfile", body: "FROM busybox\n" },
        { type: "directory", name: "./src/", mode: 0o750 },
        { type: "file", name: "./src/app.sh", body: "echo hi\n", mode: 0o755, uid: 1234, gid: 5678, mtime: new Date(978_307_200_000) },
        { type: "symlink", name: "./src/link", linkname: "app.sh" },
        { type: "link", name: "./src/hard", linkname: "./src/app.sh" },
      ]),
    );
    assert.equal(dockerfile.toString(), "FROM busybox\n");
    assert.equal(dockerfileName, "Dockerfile");
    assert.equal(await names(context), "Dockerfile src/ src/app.sh src/hard src/link");
    const st = fs.statSync(`${context.root}/src/app.sh`);
    assert.equal(st.mode & 0o7777, 0o755);
    assert.equal(st.mtime.getTime(), 978_307_200_000);
    if (process.getuid?.() === 0) assert.deepEqual([st.uid, st.gid], [1234, 5678]);
    assert.equal(fs.statSync(`${context.root}/src`).mode & 0o7777, 0o750);
    assert.equal(fs.statSync(`${context.root}/src/hard`).ino, st.ino);
    assert.equal(fs.readlinkSync(`${context.root}/src/link`), "app.sh");
    const root = context.root;
    await context.close();
    assert.equal(fs.existsSync(root), false, "close() removes the staged context");
  });

  test("openTarContext() detects gzip by its magic bytes, whatever the name", async () => {
    const { context, dockerfile } = await openTar(
      await buildTar(
        [
          { type: "file", name: "Dockerfile", body: "FROM x\n" },
          { type: "file", name: "f.txt", body: "f" },
        ],
        { gzip: true },
      ),
    );
    assert.equal(dockerfile.toString(), "FROM x\n");
    assert.equal(await names(context), "Dockerfile f.txt");
  });

  test("openTarContext() takes a tar with no end-of-archive blocks, as the docker CLI sends with -f outside the context", async () => {
    const tar = await buildTar([
      { type: "file", name: "Dockerfile", body: "FROM x\n" },
      { type: "file", name: ".dockerfile.0123456789abcdef0123", body: "FROM other\n" },
    ]);
    const cut = tar.subarray(0, tar.length - 1024);
    assert.ok(cut.subarray(-1024).some((b) => b !== 0));
    const { dockerfile } = await openTar(cut, { dockerfile: ".dockerfile.0123456789abcdef0123" });
    assert.equal(dockerfile.toString(), "FROM other\n");
  });

  test("openTarContext() takes out only the Dockerfile and .dockerignore when .dockerignore lists them, as dockerd does", async () => {
    const { context, dockerfile } = await openTar(
      await buildTar([
        { type: "file", name: "Dockerfile", body: "FROM x\n" },
        { type: "file", name: ".dockerignore", body: "*.log\nDockerfile\n.dockerignore\n" },
        { type: "file", name: "b.log", body: "log" },
      ]),
    );
    assert.equal(dockerfile.toString(), "FROM x\n");
    assert.equal(await names(context), "b.log");
    assert.equal((await resolveCopySource(context, "b.log")).length, 1);
    await assert.rejects(resolveCopySource(context, "Dockerfile"), /excluded by .dockerignore/);
  });

  test("openTarContext() without a Dockerfile fails in dockerd's words, and one symlinked out is looked up inside", async () => {
    await assert.rejects(openTar(await buildTar([{ type: "file", name: "a", body: "a" }])), {
      message: "Cannot locate specified Dockerfile: Dockerfile",
    });
    assertVictimIntact();
    await assert.rejects(openTar(await buildTar([{ type: "symlink", name: "Dockerfile", linkname: `${victim}/hello` }])), {
      message: "Cannot locate specified Dockerfile: Dockerfile",
    });
    const { dockerfile } = await openTar(
      await buildTar([
        { type: "symlink", name: "Dockerfile", linkname: `${victim}/hello` },
        { type: "file", name: `${victim.slice(1)}/hello`, body: "FROM inside\n" },
      ]),
    );
    assert.equal(dockerfile.toString(), "FROM inside\n");
  });

  test("openTarContext() takes a bare Dockerfile on stdin for `build -`, as the docker CLI does, and a tar there too", async () => {
    const bare = await openTarContext(Readable.from([Buffer.from("FROM bare\nRUN true\n")]), { workDir: work, bareDockerfile: true });
    opened.push(bare.context);
    assert.equal(bare.dockerfile.toString(), "FROM bare\nRUN true\n");
    assert.equal(await names(bare.context), "");
    await bare.context.close();
    const long = `FROM x\n${"# padding\n".repeat(100)}`;
    const longBare = await openTarContext(Readable.from([Buffer.from(long)]), { workDir: work, bareDockerfile: true });
    opened.push(longBare.context);
    assert.equal(longBare.dockerfile.toString(), long);
    await longBare.context.close();
    const tar = await openTarContext(
      Readable.from([await buildTar([{ type: "file", name: "Dockerfile", body: "FROM tar\n" }], { gzip: true })]),
      {
        workDir: work,
        bareDockerfile: true,
      },
    );
    opened.push(tar.context);
    assert.equal(tar.dockerfile.toString(), "FROM tar\n");
  });

  test("openTarContext() answers a bare Dockerfile sent as an archive (POST /build) with dockerd's 'unexpected EOF'", async () => {
    await assert.rejects(openTar(Buffer.from("FROM x\n")), { message: "unexpected EOF" });
    assertVictimIntact();
  });

  test("isTarHeaderBlock() knows a tar header from text and from an end marker", async () => {
    const tar = await buildTar([{ type: "file", name: "a", body: "a" }]);
    assert.equal(isTarHeaderBlock(tar.subarray(0, 512)), true);
    assert.equal(isTarHeaderBlock(Buffer.alloc(512)), false);
    assert.equal(isTarHeaderBlock(Buffer.from("FROM x\n".padEnd(600, "#"))), false);
    assert.equal(isTarHeaderBlock(tar.subarray(0, 100)), false);
  });

  test("openTarContext() streams a large file to disk instead of holding it", async () => {
    const size = 256 << 20;
    const chunk = Buffer.alloc(1 << 20);
    const source = Readable.from(
      (function* () {
        yield encodeHeader({ ...BASE, name: "Dockerfile", type: "file", size: 7 });
        yield Buffer.concat([Buffer.from("FROM x\n"), paddingFor(7)]);
        yield encodeHeader({ ...BASE, name: "big", type: "file", size });
        for (let i = 0; i < size / chunk.length; i++) yield chunk;
        yield END_OF_ARCHIVE;
      })(),
      { objectMode: false },
    );
    const before = process.memoryUsage().rss;
    const { context } = await openTar(source);
    assert.equal(fs.statSync(`${context.root}/big`).size, size);
    assert.ok(process.memoryUsage().rss - before < size / 2, "the context was not held in memory");
  });
});

describe("openTarContext() refuses hostile archives", () => {
  const dockerfile: TarSpec = { type: "file", name: "Dockerfile", body: "FROM x\n" };
  const table: [string, () => Promise<Buffer>, RegExp][] = [
    ["an absolute name", () => buildTar([dockerfile, { type: "file", name: "/etc/x", body: "x" }]), /"\/etc\/x" is an absolute path/],
    [
      "a name that climbs out",
      () => buildTar([dockerfile, { type: "file", name: "../victim/hello", body: "pwned" }]),
      /climbs out of the context/,
    ],
    [
      "a deep name that climbs out",
      () => buildTar([dockerfile, { type: "file", name: "a/b/../../../victim/x", body: "pwned" }]),
      /climbs out of the context/,
    ],
    [
      "a write through a symlink",
      async () =>
        buildTar([dockerfile, { type: "symlink", name: "l", linkname: victim }, { type: "file", name: "l/hello", body: "pwned" }]),
      /would be written through the symlink "l"/,
    ],
    [
      "a write through a relative symlink",
      async () =>
        buildTar([dockerfile, { type: "symlink", name: "l", linkname: "../victim" }, { type: "file", name: "l/new", body: "pwned" }]),
      /written through the symlink/,
    ],
    [
      "a hard link to a host path",
      () => buildTar([dockerfile, { type: "link", name: "h", linkname: `${victim}/hello` }]),
      /is an absolute path/,
    ],
    ["a hard link climbing out", () => buildTar([dockerfile, { type: "link", name: "h", linkname: "../victim/hello" }]), /climbs out/],
    [
      "a hard link to a later entry",
      () => buildTar([dockerfile, { type: "link", name: "h", linkname: "later" }, { type: "file", name: "later", body: "x" }]),
      /not an earlier file of the archive/,
    ],
    [
      "a hard link to a directory",
      () => buildTar([dockerfile, { type: "directory", name: "d" }, { type: "link", name: "h", linkname: "d" }]),
      /not an earlier file/,
    ],
    [
      "a character device",
      () => buildTar([dockerfile, { type: "character-device", name: "null", devmajor: 1, devminor: 3 }]),
      /"null" is a character-device; a build context holds only files, directories and links/,
    ],
    [
      "a fifo",
      async () => Buffer.concat([await buildTar([dockerfile]).then((t) => t.subarray(0, 1024)), raw({ ...BASE, name: "p", type: "fifo" })]),
      /"p" is a fifo/,
    ],
    [
      "a PAX header over 1 MiB",
      async () => {
        const big = raw({ ...BASE, name: "x", type: "file", xattrs: new Map([["user.big", Buffer.alloc(2 << 20, 0x41)]]) });
        return Buffer.concat([big, END_OF_ARCHIVE]);
      },
      /invalid tar header/,
    ],
    [
      "a name with a NUL byte",
      async () => buildTar([dockerfile, { type: "file", name: "a", pax: { path: "a\0b" }, body: "x" }]),
      /NUL byte/,
    ],
    [
      "a name deeper than a path may be",
      async () => buildTar([dockerfile, { type: "file", name: `${"d/".repeat(1100)}f`, body: "x" }]),
      /directories deep/,
    ],
    [
      "a directory replacing a file",
      () => buildTar([dockerfile, { type: "file", name: "x", body: "x" }, { type: "directory", name: "x" }]),
      /would replace a file or link/,
    ],
    [
      "a truncated archive",
      async () => (await buildTar([dockerfile, { type: "file", name: "f", body: Buffer.alloc(5000) }])).subarray(0, 2048),
      /^unexpected EOF$/,
    ],
    ["garbage", async () => Buffer.from("this is not a tar archive at all, but it is long enough ".repeat(20)), /invalid tar header/],
  ];
  for (const [what, make, error] of table) {
    test(`openTarContext() refuses ${what}`, async () => {
      await assert.rejects(openTar(await make()), (err: Error) => {
        assert.match(err.message, error);
        assert.equal((err as { kind?: string }).kind, "invalid-argument");
        return true;
      });
      assertVictimIntact();
    });
  }

  test("openTarContext() keeps a symlink pointing out, which COPY then resolves inside the context", async () => {
    const { context } = await openTar(
      await buildTar([
        dockerfile,
        { type: "symlink", name: "out", linkname: `${victim}/hello` },
        { type: "symlink", name: "up", linkname: "../victim" },
      ]),
    );
    await assert.rejects(resolveCopySource(context, "out"), /file not found in build context/);
    await assert.rejects(resolveCopySource(context, "up/hello"), /file not found in build context/);
    assertVictimIntactBeside();
  });
});

/** The victim is intact while a context is still open (the work dir then still exists). */
function assertVictimIntactBeside(): void {
  assert.deepEqual(fs.readdirSync(victim), ["hello"]);
  assert.equal(fs.readFileSync(`${victim}/hello`, "utf8"), "victim");
}
