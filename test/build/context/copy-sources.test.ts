// resolveCopySource(): COPY sources inside a context, wildcards by filepath.Match, and every way a
// source could point out of the context (`../x`, absolute paths, symlinks absolute, relative or
// chained) resolved inside it, as BuildKit resolves them. A victim directory beside the context
// holds a host secret: no resolution, walk or digest may ever reach it.
import { test, describe, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { openDirectoryContext } from "../../../src/build/context/open-context.js";
import { resolveCopySource, resolveCopySources } from "../../../src/build/context/copy-sources.js";
import { FileDigestCache, digestSources } from "../../../src/build/context/checksum.js";
import type { BuildContext } from "../../../src/build/context/build-context.js";

let dir: string;
let ctx: string;
let victim: string;
let context: BuildContext;

function write(rel: string, body: string): void {
  fs.mkdirSync(`${ctx}/${rel}`.replace(/\/[^/]*$/, ""), { recursive: true });
  fs.writeFileSync(`${ctx}/${rel}`, body);
}

beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(`${os.tmpdir()}/berth-copysrc-`));
  ctx = `${dir}/ctx`;
  victim = `${dir}/victim`;
  fs.mkdirSync(ctx);
  fs.mkdirSync(victim);
  fs.writeFileSync(`${victim}/secret`, "HOST SECRET\n");
  fs.writeFileSync(`${ctx}/Dockerfile`, "FROM x\n");
});
afterEach(async () => {
  await context?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function open(): Promise<BuildContext> {
  context = (await openDirectoryContext(ctx)).context;
  return context;
}

/** The paths a source resolves to, as [requested path, real path] pairs. */
async function sources(source: string): Promise<[string, string][]> {
  return (await resolveCopySource(context, source)).map((s) => [s.path, s.entry.rel]);
}

async function contentOf(source: string): Promise<string> {
  const [found] = await resolveCopySource(context, source);
  return fs.readFileSync(found!.entry.host, "utf8");
}

describe("resolveCopySource(): sources outside the context stay inside it", () => {
  test("'../x' and '/x' are the context's own x", async () => {
    write("victim/secret", "context copy\n");
    await open();
    assert.deepEqual(await sources("../victim/secret"), [["victim/secret", "victim/secret"]]);
    assert.deepEqual(await sources("/victim/secret"), [["victim/secret", "victim/secret"]]);
    assert.deepEqual(await sources("../../../../victim/secret"), [["victim/secret", "victim/secret"]]);
    assert.equal(await contentOf("../victim/secret"), "context copy\n");
  });

  test("'../victim/secret' with no such path in the context is not found, and the host file is never read", async () => {
    await open();
    await assert.rejects(resolveCopySource(context, "../victim/secret"), {
      message: "file not found in build context or excluded by .dockerignore: stat ../victim/secret: file does not exist",
    });
  });

  test("an absolute symlink to a host file resolves to the same path inside the context", async () => {
    fs.symlinkSync(`${victim}/secret`, `${ctx}/abs-link`);
    await open();
    await assert.rejects(resolveCopySource(context, "abs-link"), /file not found in build context/);
    write(`${victim.slice(1)}/secret`, "the context's own\n");
    assert.equal(await contentOf("abs-link"), "the context's own\n");
  });

  test("a relative symlink climbing out is clamped at the context root", async () => {
    fs.symlinkSync("../victim/secret", `${ctx}/rel-link`);
    fs.mkdirSync(`${ctx}/d`);
    fs.symlinkSync("../../../../../../victim/secret", `${ctx}/d/deep-link`);
    await open();
    await assert.rejects(resolveCopySource(context, "rel-link"), /file not found in build context/);
    write("victim/secret", "inside\n");
    assert.equal(await contentOf("rel-link"), "inside\n");
    assert.equal(await contentOf("d/deep-link"), "inside\n");
  });

  test("a symlinked directory pointing out, and a chain of links, resolve inside the context", async () => {
    fs.symlinkSync("/", `${ctx}/root-link`);
    fs.symlinkSync(dir, `${ctx}/parent-link`);
    fs.symlinkSync("hop2", `${ctx}/hop1`);
    fs.symlinkSync("../..", `${ctx}/hop2`);
    await open();
    await assert.rejects(resolveCopySource(context, "parent-link/victim/secret"), /file not found/);
    await assert.rejects(resolveCopySource(context, "hop1/victim/secret"), /file not found/);
    assert.deepEqual(await sources("root-link/Dockerfile"), [["root-link/Dockerfile", "Dockerfile"]]);
    assert.deepEqual(await sources("hop1/Dockerfile"), [["hop1/Dockerfile", "Dockerfile"]]);
  });

  test("a symlink loop fails as the kernel's lookup does", async () => {
    fs.symlinkSync("b", `${ctx}/a`);
    fs.symlinkSync("a", `${ctx}/b`);
    await open();
    await assert.rejects(resolveCopySource(context, "a"), { message: "a: too many levels of symbolic links" });
  });

  test("a wildcard source through a symlink resolves inside the context", async () => {
    fs.symlinkSync(victim, `${ctx}/out`);
    fs.symlinkSync(`${victim}/secret`, `${ctx}/s1`);
    await open();
    await assert.rejects(resolveCopySource(context, "out/*"), { message: "no source files were specified" });
    await assert.rejects(resolveCopySource(context, "s*"), { message: "no source files were specified" });
  });

  test("digestSources() of symlinks pointing out depends on the context's files, never the host's", async () => {
    fs.symlinkSync(`${victim}/secret`, `${ctx}/abs-link`);
    fs.symlinkSync(victim, `${ctx}/dir-link`);
    write(`${victim.slice(1)}/secret`, "decoy\n");
    await open();
    const digest = async () =>
      digestSources(context, await resolveCopySources(context, ["abs-link", "dir-link/"]), FileDigestCache.memory());
    const before = await digest();
    fs.writeFileSync(`${victim}/secret`, "HOST SECRET, CHANGED\n");
    fs.writeFileSync(`${victim}/new-host-file`, "x");
    assert.equal(await digest(), before);
    write(`${victim.slice(1)}/secret`, "decoy, changed\n");
    assert.notEqual(await digest(), before);
  });
});

describe("resolveCopySource(): wildcards and trailing slashes", () => {
  beforeEach(() => {
    for (const f of ["a1.txt", "a2.txt", "b.txt", "ab.md", "dir/x.txt", "dir/sub/y.txt", "other/x.txt", "skip.txt"]) write(f, f);
    fs.writeFileSync(`${ctx}/.dockerignore`, "skip.txt\nother\n");
  });

  test("'*' and '?' match within one element, in name order", async () => {
    await open();
    assert.deepEqual(await sources("a*.txt"), [
      ["a1.txt", "a1.txt"],
      ["a2.txt", "a2.txt"],
    ]);
    assert.deepEqual(await sources("?.txt"), [["b.txt", "b.txt"]]);
    assert.deepEqual(await sources("*/x.txt"), [["dir/x.txt", "dir/x.txt"]]);
    assert.deepEqual(await sources("dir/*/y.txt"), [["dir/sub/y.txt", "dir/sub/y.txt"]]);
    assert.deepEqual(await sources("[ab]?.*"), [
      ["a1.txt", "a1.txt"],
      ["a2.txt", "a2.txt"],
      ["ab.md", "ab.md"],
    ]);
    assert.deepEqual(await sources("[^a]*.txt"), [["b.txt", "b.txt"]]);
  });

  test("'**' is no more than '*' in a COPY source (filepath.Match)", async () => {
    await open();
    await assert.rejects(resolveCopySource(context, "**/y.txt"), { message: "no source files were specified" });
    assert.deepEqual(await sources("**/x.txt"), [["dir/x.txt", "dir/x.txt"]]);
  });

  test("ignored files are neither matched nor found", async () => {
    await open();
    assert.deepEqual(
      (await sources("*.txt")).map(([p]) => p),
      ["a1.txt", "a2.txt", "b.txt"],
    );
    await assert.rejects(resolveCopySource(context, "skip.txt"), {
      message: "file not found in build context or excluded by .dockerignore: stat skip.txt: file does not exist",
    });
    await assert.rejects(resolveCopySource(context, "other/x.txt"), /excluded by .dockerignore/);
    assert.deepEqual(await sources("*/x.txt"), [["dir/x.txt", "dir/x.txt"]]);
  });

  test("a trailing slash needs a directory; '.' and '/' are the whole context", async () => {
    await open();
    assert.deepEqual(await sources("dir/"), [["dir", "dir"]]);
    assert.deepEqual(await sources("dir/."), [["dir", "dir"]]);
    await assert.rejects(resolveCopySource(context, "a1.txt/"), { message: "a1.txt/: not a directory" });
    assert.deepEqual(await sources("."), [["", ""]]);
    assert.deepEqual(await sources("/"), [["", ""]]);
  });

  test("a malformed pattern fails with Go's words", async () => {
    await open();
    await assert.rejects(resolveCopySource(context, "a[.txt"), { message: "syntax error in pattern" });
  });
});
