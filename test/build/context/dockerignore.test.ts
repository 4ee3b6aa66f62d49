// .dockerignore: reading the file and matching a context with it, against what the docker CLI 28
// sends. Each row's `sent` was measured: the CLI built the same tree with that .dockerignore and
// its POST /build body was recorded by a fake daemon on a unix socket (`docker -H unix://... build .`,
// then `tar tf` of the body). The CLI always adds Dockerfile and .dockerignore; dockerd removes them
// again when the patterns exclude them, so rows whose patterns do list them leave them out here.
import { test, describe, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { IgnoreMatcher, parseDockerignore } from "../../../src/build/context/dockerignore.js";
import { openDirectoryContext } from "../../../src/build/context/open-context.js";
import { byBytes } from "../../../src/build/context/build-context.js";

const TREE = [
  "a.txt",
  "b.log",
  "keep.log",
  "logs/x.log",
  "logs/sub/y.log",
  "logs/sub/keep.log",
  "c.tmp",
  "deep/c.tmp",
  "deep/a/b/c.tmp",
  "docs/readme.md",
  "docs/secret.md",
  "node_modules/m/i.js",
  "x?y.txt",
  "[ab].md",
  "sub.dir/file.txt",
];

const TABLE: readonly { name: string; ignore: readonly string[]; sent: string }[] = [
  {
    name: "build-api-8",
    ignore: ["# comment", "*.log", "!keep.log", "**/*.tmp", "docs", "!docs/readme.md", "node_modules", "Dockerfile", ".dockerignore"],
    sent: "[ab].md a.txt deep/ deep/a/ deep/a/b/ docs/readme.md empty/ empty/dir/ keep.log logs/ logs/sub/ logs/sub/keep.log logs/sub/y.log logs/x.log sub.dir/ sub.dir/file.txt x?y.txt",
  },
  {
    name: "one-level",
    ignore: ["*/y.log"],
    sent: ".dockerignore Dockerfile [ab].md a.txt b.log c.tmp deep/ deep/a/ deep/a/b/ deep/a/b/c.tmp deep/c.tmp docs/ docs/readme.md docs/secret.md empty/ empty/dir/ keep.log logs/ logs/sub/ logs/sub/keep.log logs/sub/y.log logs/x.log node_modules/ node_modules/m/ node_modules/m/i.js sub.dir/ sub.dir/file.txt x?y.txt",
  },
  {
    name: "anchors",
    ignore: ["/a.txt", "./b.log"],
    sent: ".dockerignore Dockerfile [ab].md c.tmp deep/ deep/a/ deep/a/b/ deep/a/b/c.tmp deep/c.tmp docs/ docs/readme.md docs/secret.md empty/ empty/dir/ keep.log logs/ logs/sub/ logs/sub/keep.log logs/sub/y.log logs/x.log node_modules/ node_modules/m/ node_modules/m/i.js sub.dir/ sub.dir/file.txt x?y.txt",
  },
  {
    name: "trailing-slash",
    ignore: ["logs/"],
    sent: ".dockerignore Dockerfile [ab].md a.txt b.log c.tmp deep/ deep/a/ deep/a/b/ deep/a/b/c.tmp deep/c.tmp docs/ docs/readme.md docs/secret.md empty/ empty/dir/ keep.log node_modules/ node_modules/m/ node_modules/m/i.js sub.dir/ sub.dir/file.txt x?y.txt",
  },
  {
    name: "star-all-reinclude",
    ignore: ["*", "!a.txt"],
    sent: "a.txt",
  },
  {
    name: "star-descend",
    ignore: ["*", "!logs/x.log"],
    sent: "logs/x.log",
  },
  {
    name: "dir-reinclude-deep",
    ignore: ["deep", "!deep/a/b/c.tmp"],
    sent: ".dockerignore Dockerfile [ab].md a.txt b.log c.tmp deep/a/b/c.tmp docs/ docs/readme.md docs/secret.md empty/ empty/dir/ keep.log logs/ logs/sub/ logs/sub/keep.log logs/sub/y.log logs/x.log node_modules/ node_modules/m/ node_modules/m/i.js sub.dir/ sub.dir/file.txt x?y.txt",
  },
  {
    name: "dir-reinclude-anywhere",
    ignore: ["deep", "!**/c.tmp"],
    sent: ".dockerignore Dockerfile [ab].md a.txt b.log c.tmp docs/ docs/readme.md docs/secret.md empty/ empty/dir/ keep.log logs/ logs/sub/ logs/sub/keep.log logs/sub/y.log logs/x.log node_modules/ node_modules/m/ node_modules/m/i.js sub.dir/ sub.dir/file.txt x?y.txt",
  },
  {
    name: "class",
    ignore: ["[ab].*"],
    sent: ".dockerignore Dockerfile [ab].md c.tmp deep/ deep/a/ deep/a/b/ deep/a/b/c.tmp deep/c.tmp docs/ docs/readme.md docs/secret.md empty/ empty/dir/ keep.log logs/ logs/sub/ logs/sub/keep.log logs/sub/y.log logs/x.log node_modules/ node_modules/m/ node_modules/m/i.js sub.dir/ sub.dir/file.txt x?y.txt",
  },
  {
    name: "question",
    ignore: ["?.txt"],
    sent: ".dockerignore Dockerfile [ab].md b.log c.tmp deep/ deep/a/ deep/a/b/ deep/a/b/c.tmp deep/c.tmp docs/ docs/readme.md docs/secret.md empty/ empty/dir/ keep.log logs/ logs/sub/ logs/sub/keep.log logs/sub/y.log logs/x.log node_modules/ node_modules/m/ node_modules/m/i.js sub.dir/ sub.dir/file.txt x?y.txt",
  },
  {
    name: "doublestar-dir",
    ignore: ["**/b"],
    sent: ".dockerignore Dockerfile [ab].md a.txt b.log c.tmp deep/ deep/a/ deep/c.tmp docs/ docs/readme.md docs/secret.md empty/ empty/dir/ keep.log logs/ logs/sub/ logs/sub/keep.log logs/sub/y.log logs/x.log node_modules/ node_modules/m/ node_modules/m/i.js sub.dir/ sub.dir/file.txt x?y.txt",
  },
  {
    name: "prefix",
    ignore: ["logs/**"],
    sent: ".dockerignore Dockerfile [ab].md a.txt b.log c.tmp deep/ deep/a/ deep/a/b/ deep/a/b/c.tmp deep/c.tmp docs/ docs/readme.md docs/secret.md empty/ empty/dir/ keep.log logs/ node_modules/ node_modules/m/ node_modules/m/i.js sub.dir/ sub.dir/file.txt x?y.txt",
  },
  {
    name: "middle-doublestar",
    ignore: ["deep/**/c.tmp"],
    sent: ".dockerignore Dockerfile [ab].md a.txt b.log c.tmp deep/ deep/a/ deep/a/b/ docs/ docs/readme.md docs/secret.md empty/ empty/dir/ keep.log logs/ logs/sub/ logs/sub/keep.log logs/sub/y.log logs/x.log node_modules/ node_modules/m/ node_modules/m/i.js sub.dir/ sub.dir/file.txt x?y.txt",
  },
  {
    name: "comment-space",
    ignore: ["  # not a comment", "#*.log"],
    sent: ".dockerignore Dockerfile [ab].md a.txt b.log c.tmp deep/ deep/a/ deep/a/b/ deep/a/b/c.tmp deep/c.tmp docs/ docs/readme.md docs/secret.md empty/ empty/dir/ keep.log logs/ logs/sub/ logs/sub/keep.log logs/sub/y.log logs/x.log node_modules/ node_modules/m/ node_modules/m/i.js sub.dir/ sub.dir/file.txt x?y.txt",
  },
  {
    name: "reinclude-then-exclude",
    ignore: ["*.log", "!*.log", "b.log"],
    sent: ".dockerignore Dockerfile [ab].md a.txt c.tmp deep/ deep/a/ deep/a/b/ deep/a/b/c.tmp deep/c.tmp docs/ docs/readme.md docs/secret.md empty/ empty/dir/ keep.log logs/ logs/sub/ logs/sub/keep.log logs/sub/y.log logs/x.log node_modules/ node_modules/m/ node_modules/m/i.js sub.dir/ sub.dir/file.txt x?y.txt",
  },
  {
    name: "escaped-class",
    ignore: ["\\[ab\\].md"],
    sent: ".dockerignore Dockerfile a.txt b.log c.tmp deep/ deep/a/ deep/a/b/ deep/a/b/c.tmp deep/c.tmp docs/ docs/readme.md docs/secret.md empty/ empty/dir/ keep.log logs/ logs/sub/ logs/sub/keep.log logs/sub/y.log logs/x.log node_modules/ node_modules/m/ node_modules/m/i.js sub.dir/ sub.dir/file.txt x?y.txt",
  },
  {
    name: "escaped-question",
    ignore: ["x\\?y.txt"],
    sent: ".dockerignore Dockerfile [ab].md a.txt b.log c.tmp deep/ deep/a/ deep/a/b/ deep/a/b/c.tmp deep/c.tmp docs/ docs/readme.md docs/secret.md empty/ empty/dir/ keep.log logs/ logs/sub/ logs/sub/keep.log logs/sub/y.log logs/x.log node_modules/ node_modules/m/ node_modules/m/i.js sub.dir/ sub.dir/file.txt",
  },
  {
    name: "dotdot",
    ignore: ["logs/../a.txt"],
    sent: ".dockerignore Dockerfile [ab].md b.log c.tmp deep/ deep/a/ deep/a/b/ deep/a/b/c.tmp deep/c.tmp docs/ docs/readme.md docs/secret.md empty/ empty/dir/ keep.log logs/ logs/sub/ logs/sub/keep.log logs/sub/y.log logs/x.log node_modules/ node_modules/m/ node_modules/m/i.js sub.dir/ sub.dir/file.txt x?y.txt",
  },
  {
    name: "dot-alone",
    ignore: ["."],
    sent: ".dockerignore Dockerfile [ab].md a.txt b.log c.tmp deep/ deep/a/ deep/a/b/ deep/a/b/c.tmp deep/c.tmp docs/ docs/readme.md docs/secret.md empty/ empty/dir/ keep.log logs/ logs/sub/ logs/sub/keep.log logs/sub/y.log logs/x.log node_modules/ node_modules/m/ node_modules/m/i.js sub.dir/ sub.dir/file.txt x?y.txt",
  },
  {
    name: "doublestar-only",
    ignore: ["**", "!docs"],
    sent: "docs/ docs/readme.md docs/secret.md",
  },
  {
    name: "dir-files-star",
    ignore: ["logs/*"],
    sent: ".dockerignore Dockerfile [ab].md a.txt b.log c.tmp deep/ deep/a/ deep/a/b/ deep/a/b/c.tmp deep/c.tmp docs/ docs/readme.md docs/secret.md empty/ empty/dir/ keep.log logs/ node_modules/ node_modules/m/ node_modules/m/i.js sub.dir/ sub.dir/file.txt x?y.txt",
  },
  {
    name: "suffix-literal",
    ignore: ["**/keep.log"],
    sent: ".dockerignore Dockerfile [ab].md a.txt b.log c.tmp deep/ deep/a/ deep/a/b/ deep/a/b/c.tmp deep/c.tmp docs/ docs/readme.md docs/secret.md empty/ empty/dir/ logs/ logs/sub/ logs/sub/y.log logs/x.log node_modules/ node_modules/m/ node_modules/m/i.js sub.dir/ sub.dir/file.txt x?y.txt",
  },
  {
    name: "parent-exclusion",
    ignore: ["logs", "!logs/sub", "logs/sub/y.log"],
    sent: ".dockerignore Dockerfile [ab].md a.txt b.log c.tmp deep/ deep/a/ deep/a/b/ deep/a/b/c.tmp deep/c.tmp docs/ docs/readme.md docs/secret.md empty/ empty/dir/ keep.log logs/sub/ logs/sub/keep.log node_modules/ node_modules/m/ node_modules/m/i.js sub.dir/ sub.dir/file.txt x?y.txt",
  },
  {
    name: "dots-in-name",
    ignore: ["sub.dir", "*.dir/x"],
    sent: ".dockerignore Dockerfile [ab].md a.txt b.log c.tmp deep/ deep/a/ deep/a/b/ deep/a/b/c.tmp deep/c.tmp docs/ docs/readme.md docs/secret.md empty/ empty/dir/ keep.log logs/ logs/sub/ logs/sub/keep.log logs/sub/y.log logs/x.log node_modules/ node_modules/m/ node_modules/m/i.js x?y.txt",
  },
];

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(`${os.tmpdir()}/berth-ignore-`);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function makeTree(root: string, ignore: readonly string[]): void {
  for (const f of TREE) {
    fs.mkdirSync(`${root}/${f}`.replace(/\/[^/]*$/, ""), { recursive: true });
    fs.writeFileSync(`${root}/${f}`, `${f}\n`);
  }
  fs.mkdirSync(`${root}/empty/dir`, { recursive: true });
  fs.writeFileSync(`${root}/Dockerfile`, "FROM x\n");
  fs.writeFileSync(`${root}/.dockerignore`, `${ignore.join("\n")}\n`);
}

/** What a walk of the whole context yields, as `tar tf` names it (directories with a slash). */
async function walkNames(root: string, opts: Parameters<typeof openDirectoryContext>[1] = {}): Promise<string> {
  const { context } = await openDirectoryContext(root, opts);
  const names: string[] = [];
  for await (const e of context.walk((await context.resolve(""))!)) {
    if (e.rel !== "") names.push(e.stat.isDirectory() ? `${e.rel}/` : e.rel);
  }
  await context.close();
  return names.sort(byBytes).join(" ");
}

describe("parseDockerignore()", () => {
  test("parseDockerignore() drops comments and blanks, trims, cleans paths and strips the leading slash", () => {
    const text = "# comment\n\n  *.log  \r\n!  keep.log\n/abs\n./dot\na/\na/../b\n!/x\n  # not a comment\n/\n.\n../up\n**/\n";
    assert.deepEqual(parseDockerignore(text), [
      "*.log",
      "!keep.log",
      "abs",
      "dot",
      "a",
      "b",
      "!x",
      "# not a comment",
      "/",
      ".",
      "../up",
      "**",
    ]);
  });

  test("parseDockerignore() skips a byte order mark on the first line only", () => {
    assert.deepEqual(parseDockerignore("\ufeff*.tmp\n\ufeffx\n"), ["*.tmp", "\ufeffx"]);
    assert.deepEqual(parseDockerignore("\ufeff# comment\n"), []);
  });

  test("parseDockerignore() refuses a line longer than bufio.Scanner takes", () => {
    assert.throws(() => parseDockerignore(`${"a".repeat(70_000)}\n`), {
      message: "error reading .dockerignore: bufio.Scanner: token too long",
    });
  });
});

describe("IgnoreMatcher", () => {
  test('IgnoreMatcher refuses a lone "!" and malformed patterns with moby\'s words', () => {
    assert.throws(() => new IgnoreMatcher(parseDockerignore("!\n")), { message: 'illegal exclusion pattern: "!"' });
    assert.throws(() => new IgnoreMatcher(["a["]), { message: "syntax error in pattern" });
    assert.throws(() => new IgnoreMatcher(["a\\"]), { message: "syntax error in pattern" });
    assert.throws(() => new IgnoreMatcher(["[]a]"]), { message: "syntax error in pattern" });
  });

  test("IgnoreMatcher.excludes(): the last matching pattern wins, parents count, '.' is never excluded", () => {
    const m = new IgnoreMatcher(["*.log", "!keep.log", "docs", "!docs/readme.md", "**/*.tmp", "a/**", "**/name"]);
    const cases: [string, boolean][] = [
      ["b.log", true],
      ["logs/x.log", false],
      ["keep.log", false],
      ["docs", true],
      ["docs/secret.md", true],
      ["docs/readme.md", false],
      ["c.tmp", true],
      ["x/y/c.tmp", true],
      ["a", false],
      ["a/b", true],
      ["name", true],
      ["x/name", true],
      ["x/name/inside", true],
      ["xname", false],
      [".", false],
    ];
    for (const [path, excluded] of cases) assert.equal(m.excludes(path), excluded, path);
  });

  for (const row of TABLE) {
    test(`a directory context walks as the docker CLI sends it: ${row.name} (${JSON.stringify(row.ignore)})`, async () => {
      makeTree(dir, row.ignore);
      assert.equal(await walkNames(dir), row.sent);
      // A COPY finds a file exactly when the walk sends it: resolution and walks share the rules.
      const { context } = await openDirectoryContext(dir);
      const sent = new Set(row.sent.split(" "));
      for (const file of TREE) assert.equal((await context.resolve(file)) !== undefined, sent.has(file), file);
      await context.close();
    });
  }
});

describe("ignore files and the Dockerfile", () => {
  test("openDirectoryContext() reads an ignored Dockerfile, and the walk leaves it out as dockerd does", async () => {
    makeTree(dir, ["Dockerfile", ".dockerignore", "*"]);
    const opened = await openDirectoryContext(dir);
    assert.equal(opened.dockerfile.toString(), "FROM x\n");
    assert.equal(opened.dockerfileName, "Dockerfile");
    assert.equal(await opened.context.resolve("Dockerfile"), undefined);
    await opened.context.close();
    assert.equal(await walkNames(dir), "");
  });

  test("openDirectoryContext() takes <Dockerfile>.dockerignore beside the Dockerfile over the context's .dockerignore", async () => {
    makeTree(dir, ["*.log"]);
    fs.mkdirSync(`${dir}/build`);
    fs.writeFileSync(`${dir}/build/app.Dockerfile`, "FROM y\n");
    fs.writeFileSync(`${dir}/build/app.Dockerfile.dockerignore`, "*.txt\ndocs\nlogs\ndeep\nnode_modules\nempty\nsub.dir\n");
    const opened = await openDirectoryContext(dir, { dockerfile: "build/app.Dockerfile", cwd: dir });
    assert.equal(opened.dockerfile.toString(), "FROM y\n");
    assert.equal(opened.dockerfileName, "build/app.Dockerfile");
    assert.equal(opened.ignoreFile, `${fs.realpathSync(dir)}/build/app.Dockerfile.dockerignore`);
    await opened.context.close();
    assert.equal(
      await walkNames(dir, { dockerfile: "build/app.Dockerfile", cwd: dir }),
      ".dockerignore Dockerfile [ab].md b.log build/ build/app.Dockerfile build/app.Dockerfile.dockerignore c.tmp keep.log",
    );
  });

  test("openDirectoryContext() with the Dockerfile from stdin applies the context's .dockerignore", async () => {
    makeTree(dir, ["*.log", "*.tmp", "docs", "logs", "deep", "node_modules", "empty", "sub.dir", "*.md"]);
    fs.writeFileSync(`${dir}/Dockerfile.dockerignore`, "a.txt\n");
    const opened = await openDirectoryContext(dir, { dockerfileText: Buffer.from("FROM stdin\n") });
    assert.equal(opened.dockerfile.toString(), "FROM stdin\n");
    assert.equal(opened.dockerfileName, "-");
    await opened.context.close();
    assert.equal(
      await walkNames(dir, { dockerfileText: Buffer.from("FROM stdin\n") }),
      ".dockerignore Dockerfile Dockerfile.dockerignore a.txt x?y.txt",
    );
  });

  test("openDirectoryContext() falls back to 'dockerfile' and reports a missing Dockerfile in the CLI's words", async () => {
    fs.writeFileSync(`${dir}/dockerfile`, "FROM lower\n");
    const opened = await openDirectoryContext(dir);
    assert.equal(opened.dockerfile.toString(), "FROM lower\n");
    await opened.context.close();
    fs.rmSync(`${dir}/dockerfile`);
    const real = fs.realpathSync(dir);
    await assert.rejects(openDirectoryContext(dir), {
      message: `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${real}/Dockerfile: no such file or directory`,
    });
    await assert.rejects(openDirectoryContext(`${dir}/nope`), { message: `unable to prepare context: path "${dir}/nope" not found` });
  });
});
