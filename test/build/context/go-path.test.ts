// cleanPath() and globMatch(): Go's filepath.Clean and filepath.Match, checked against the tables
// of Go's own tests (src/path/filepath/path_test.go cleantests, match_test.go matchTests).
import { test } from "node:test";
import assert from "node:assert/strict";
import { cleanPath, containsWildcards, globMatch } from "../../../src/build/context/go-path.js";

const CLEAN: [string, string][] = [
  ["abc", "abc"],
  ["abc/def", "abc/def"],
  ["a/b/c", "a/b/c"],
  [".", "."],
  ["..", ".."],
  ["../..", "../.."],
  ["../../abc", "../../abc"],
  ["/abc", "/abc"],
  ["/", "/"],
  ["", "."],
  ["abc/", "abc"],
  ["abc/def/", "abc/def"],
  ["./", "."],
  ["../", ".."],
  ["/abc/", "/abc"],
  ["abc//def//ghi", "abc/def/ghi"],
  ["//abc", "/abc"],
  ["///abc", "/abc"],
  ["//abc//", "/abc"],
  ["abc//", "abc"],
  ["abc/./def", "abc/def"],
  ["/./abc/def", "/abc/def"],
  ["abc/.", "abc"],
  ["abc/def/ghi/../jkl", "abc/def/jkl"],
  ["abc/def/../ghi/../jkl", "abc/jkl"],
  ["abc/def/..", "abc"],
  ["abc/def/../..", "."],
  ["/abc/def/../..", "/"],
  ["abc/def/../../..", ".."],
  ["/abc/def/../../..", "/"],
  ["abc/def/../../../ghi/jkl/../../../mno", "../../mno"],
  ["abc/./../def", "def"],
  ["abc//./../def", "def"],
  ["abc/../../././../def", "../../def"],
];

test("cleanPath() gives what Go's filepath.Clean gives", () => {
  for (const [input, want] of CLEAN) assert.equal(cleanPath(input), want, JSON.stringify(input));
});

const BAD = "bad";
const MATCH: [string, string, boolean | typeof BAD][] = [
  ["abc", "abc", true],
  ["*", "abc", true],
  ["*c", "abc", true],
  ["a*", "a", true],
  ["a*", "abc", true],
  ["a*", "ab/c", false],
  ["a*/b", "abc/b", true],
  ["a*/b", "a/c/b", false],
  ["a*b*c*d*e*/f", "axbxcxdxe/f", true],
  ["a*b*c*d*e*/f", "axbxcxdxexxx/f", true],
  ["a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false],
  ["a*b*c*d*e*/f", "axbxcxdxexxx/fff", false],
  ["a*b?c*x", "abxbbxdbxebxczzx", true],
  ["a*b?c*x", "abxbbxdbxebxczzy", false],
  ["ab[c]", "abc", true],
  ["ab[b-d]", "abc", true],
  ["ab[e-g]", "abc", false],
  ["ab[^c]", "abc", false],
  ["ab[^b-d]", "abc", false],
  ["ab[^e-g]", "abc", true],
  ["a\\*b", "a*b", true],
  ["a\\*b", "ab", false],
  ["a?b", "a☺b", true],
  ["a[^a]b", "a☺b", true],
  ["a???b", "a☺b", false],
  ["a[^a][^a][^a]b", "a☺b", false],
  ["[a-ζ]*", "α", true],
  ["*[a-ζ]", "A", false],
  ["a?b", "a/b", false],
  ["a*b", "a/b", false],
  ["[\\]a]", "]", true],
  ["[\\-]", "-", true],
  ["[x\\-]", "x", true],
  ["[x\\-]", "-", true],
  ["[x\\-]", "z", false],
  ["[\\-x]", "x", true],
  ["[\\-x]", "-", true],
  ["[\\-x]", "a", false],
  ["[]a]", "]", BAD],
  ["[-]", "-", BAD],
  ["[x-]", "x", BAD],
  ["[x-]", "-", BAD],
  ["[x-]", "z", BAD],
  ["[-x]", "x", BAD],
  ["[-x]", "-", BAD],
  ["[-x]", "a", BAD],
  ["\\", "a", BAD],
  ["[a-b-c]", "a", BAD],
  ["[", "a", BAD],
  ["[^", "a", BAD],
  ["[^bc", "a", BAD],
  ["a[", "a", BAD],
  ["a[", "ab", BAD],
  ["a[", "x", BAD],
  ["a/b[", "x", BAD],
  ["*x", "xxx", true],
];

test("globMatch() gives what Go's filepath.Match gives, syntax errors included", () => {
  for (const [pattern, name, want] of MATCH) {
    if (want === BAD) assert.throws(() => globMatch(pattern, name), { message: "syntax error in pattern" }, `${pattern} ${name}`);
    else assert.equal(globMatch(pattern, name), want, `${pattern} ${name}`);
  }
});

test("containsWildcards() sees unescaped *, ? and [ only", () => {
  assert.equal(containsWildcards("a*.txt"), true);
  assert.equal(containsWildcards("dir/?"), true);
  assert.equal(containsWildcards("[ab]"), true);
  assert.equal(containsWildcards("a\\*b"), false);
  assert.equal(containsWildcards("plain/name.txt"), false);
});
