// digestSources() and FileDigestCache: the content part of a COPY's cache key. Stable for an
// unchanged context and for a touched one (BUILD-API §6: mtime is not in the key), different for
// any change a copy would carry: one byte, a mode, a name, an owner, a link target, a new file;
// blind to what the ignore rules leave out. Bytes are read once per unchanged file.
import { test, describe, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { openDirectoryContext } from "../../../src/build/context/open-context.js";
import { resolveCopySources } from "../../../src/build/context/copy-sources.js";
import { FileDigestCache, digestSources } from "../../../src/build/context/checksum.js";
import type { Digest } from "../../../src/image/digest.js";

let dir: string;
let ctx: string;

function write(rel: string, body: string, mode = 0o644): void {
  fs.mkdirSync(`${ctx}/${rel}`.replace(/\/[^/]*$/, ""), { recursive: true });
  fs.writeFileSync(`${ctx}/${rel}`, body);
  fs.chmodSync(`${ctx}/${rel}`, mode);
}

beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(`${os.tmpdir()}/berth-ctxsum-`));
  ctx = `${dir}/ctx`;
  fs.mkdirSync(ctx);
  write("Dockerfile", "FROM x\n");
  write("f.txt", "hello\n");
  write("src/a.js", "a\n");
  write("src/lib/b.js", "b\n");
  write("src/ignored.log", "log\n");
  fs.symlinkSync("a.js", `${ctx}/src/link`);
  write(".dockerignore", "**/*.log\n");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function digest(sources: readonly string[] = ["f.txt", "src"], cache = FileDigestCache.memory()): Promise<Digest> {
  const { context } = await openDirectoryContext(ctx);
  try {
    return await digestSources(context, await resolveCopySources(context, sources), cache);
  } finally {
    await context.close();
  }
}

describe("digestSources()", () => {
  test("digestSources() is the same for an unchanged context and after touching every file", async () => {
    const first = await digest();
    assert.match(first, /^sha256:[a-f0-9]{64}$/);
    assert.equal(await digest(), first);
    const later = new Date(Date.now() + 3_600_000);
    for (const f of ["f.txt", "src/a.js", "src/lib/b.js", "src"]) fs.utimesSync(`${ctx}/${f}`, later, later);
    fs.lutimesSync(`${ctx}/src/link`, later, later);
    assert.equal(await digest(), first);
  });

  const changes: [string, () => void][] = [
    ["one byte of a file", () => fs.writeFileSync(`${ctx}/src/lib/b.js`, "c\n")],
    ["a file's mode", () => fs.chmodSync(`${ctx}/f.txt`, 0o755)],
    ["a directory's mode", () => fs.chmodSync(`${ctx}/src/lib`, 0o700)],
    ["a file's name", () => fs.renameSync(`${ctx}/src/a.js`, `${ctx}/src/a2.js`)],
    ["a link's target", () => (fs.unlinkSync(`${ctx}/src/link`), fs.symlinkSync("lib/b.js", `${ctx}/src/link`))],
    ["a new empty file", () => write("src/lib/new.js", "")],
    ["a new empty directory", () => fs.mkdirSync(`${ctx}/src/lib/new`)],
    ["a removed file", () => fs.unlinkSync(`${ctx}/src/a.js`)],
  ];
  for (const [what, change] of changes) {
    test(`digestSources() changes with ${what}`, async () => {
      const before = await digest();
      change();
      assert.notEqual(await digest(), before);
    });
  }

  test("digestSources() changes with a file's owner", { skip: process.getuid?.() === 0 ? false : "chown needs root" }, async () => {
    const before = await digest();
    fs.chownSync(`${ctx}/f.txt`, 1234, 5678);
    assert.notEqual(await digest(), before);
  });

  test("digestSources() ignores what .dockerignore leaves out, and files the COPY does not name", async () => {
    const before = await digest();
    fs.writeFileSync(`${ctx}/src/ignored.log`, "changed");
    write("src/more.log", "new");
    write("unrelated.txt", "x");
    fs.writeFileSync(`${ctx}/Dockerfile`, "FROM y\n");
    assert.equal(await digest(), before);
  });

  test("digestSources() tells the order and names of its sources apart, even with equal content", async () => {
    write("g.txt", "hello\n");
    assert.notEqual(await digest(["f.txt"]), await digest(["g.txt"]));
    assert.notEqual(await digest(["f.txt", "g.txt"]), await digest(["g.txt", "f.txt"]));
    assert.equal(await digest(["*.txt"]), await digest(["f.txt", "g.txt"]));
  });

  test("digestSources() of a moved file's content into one directory or another differs", async () => {
    const before = await digest(["src"]);
    fs.renameSync(`${ctx}/src/lib/b.js`, `${ctx}/src/b.js`);
    assert.notEqual(await digest(["src"]), before);
  });
});

describe("FileDigestCache", () => {
  test("FileDigestCache reads an unchanged file once, and again after it changes", async () => {
    const cache = FileDigestCache.memory();
    await digest(["f.txt", "src"], cache);
    assert.equal(cache.reads, 3);
    await digest(["f.txt", "src"], cache);
    assert.equal(cache.reads, 3);
    fs.writeFileSync(`${ctx}/f.txt`, "hello again\n");
    await digest(["f.txt", "src"], cache);
    assert.equal(cache.reads, 4);
  });

  test("FileDigestCache.open() keeps digests across builds in its file, and a damaged file only costs a re-read", async () => {
    const file = `${dir}/digests.json`;
    const first = await FileDigestCache.open(file);
    const d1 = await digest(["f.txt", "src"], first);
    await first.save();
    const second = await FileDigestCache.open(file);
    assert.equal(await digest(["f.txt", "src"], second), d1);
    assert.equal(second.reads, 0);
    fs.writeFileSync(file, "{not json");
    const third = await FileDigestCache.open(file);
    assert.equal(await digest(["f.txt", "src"], third), d1);
    assert.equal(third.reads, 3);
  });

  test("FileDigestCache.save() makes its file's directory, which a store that never built lacks", async () => {
    const file = `${dir}/root/build/digests.json`;
    const first = await FileDigestCache.open(file);
    const d1 = await digest(["f.txt", "src"], first);
    await first.save();
    const second = await FileDigestCache.open(file);
    assert.equal(await digest(["f.txt", "src"], second), d1);
    assert.equal(second.reads, 0);
  });

  test("FileDigestCache never answers for a file whose content changed under the same size and mtime but a new inode", async () => {
    const cache = FileDigestCache.memory();
    const before = await digest(["f.txt"], cache);
    const st = fs.statSync(`${ctx}/f.txt`);
    fs.writeFileSync(`${ctx}/f.tmp`, "HELLO\n");
    fs.utimesSync(`${ctx}/f.tmp`, st.atime, st.mtime);
    fs.renameSync(`${ctx}/f.tmp`, `${ctx}/f.txt`);
    assert.notEqual(await digest(["f.txt"], cache), before);
  });
});
