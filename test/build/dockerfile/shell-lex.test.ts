// Variable expansion and word splitting, case by case as BuildKit's shell lexer behaves
// (frontend/dockerfile/shell: envVarTest, wordsTest, lex_test.go), written out as literal expectations.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ShellLex, ShellLexError, envFrom } from "../../../src/build/dockerfile/shell-lex.js";
import { reversePattern } from "../../../src/build/dockerfile/shell-pattern.js";

const ERROR = Symbol("error");
const env = envFrom({ PWD: "/home", SHELL: "bash", KOREAN: "한국어", NULL: "" });

// [input, expected result or ERROR]
const WORDS: [string, string | typeof ERROR][] = [
  ["hello", "hello"],
  ["he'll'o", "hello"],
  ["he'llo", ERROR],
  ["he\\'llo", "he'llo"],
  ["he\\\\'llo", ERROR],
  ["abc\\tdef", "abctdef"],
  ['"abc\\tdef"', "abc\\tdef"],
  ['"abc\\\\tdef"', "abc\\tdef"],
  ["'abc\\tdef'", "abc\\tdef"],
  ["hello\\", "hello"],
  ["hello\\\\", "hello\\"],
  ['"hello', ERROR],
  ['"hello\\"', ERROR],
  ['"hel\'lo"', "hel'lo"],
  ["'hello", ERROR],
  ["'hello\\'", "hello\\"],
  ["'hello\\there'", "hello\\there"],
  ["'hello\\\\there'", "hello\\\\there"],
  ["\"''\"", "''"],
  ["$.", "$."],
  ["he$1x", "hex"],
  ["he$.x", "he$.x"],
  ["he$pwd.", "he."],
  ["he$PWD", "he/home"],
  ["he\\$PWD", "he$PWD"],
  ["he\\\\$PWD", "he\\/home"],
  ['"he\\$PWD"', "he$PWD"],
  ['"he\\\\$PWD"', "he\\/home"],
  ["\\${}", "${}"],
  ["\\${}aaa", "${}aaa"],
  ["he\\${}xx", "he${}xx"],
  ["${}", ERROR],
  ["he${}xx", ERROR],
  ["he${hi}xx", "hexx"],
  ["he${PWD}", "he/home"],
  ["he${.}", ERROR],
  ["he${XXX:-000}xx", "he000xx"],
  ["he${PWD:-000}xx", "he/homexx"],
  ["he${XXX:-$PWD}xx", "he/homexx"],
  ["he${XXX:-${PWD:-yyy}}xx", "he/homexx"],
  ["he${XXX:-${YYY:-yyy}}xx", "heyyyxx"],
  ["he${XXX:YYY}", ERROR],
  ["he${XXX?}", ERROR],
  ["he${XXX:?}", ERROR],
  ["he${PWD?}", "he/home"],
  ["he${PWD:?}", "he/home"],
  ["he${NULL?}", "he"],
  ["he${NULL:?}", ERROR],
  ["he${XXX:+${PWD}}xx", "hexx"],
  ["he${PWD:+${XXX}}xx", "hexx"],
  ["he${PWD:+${SHELL}}xx", "hebashxx"],
  ["he${XXX:+000}xx", "hexx"],
  ["he${PWD:+000}xx", "he000xx"],
  ["'he${XX}'", "he${XX}"],
  ['"he${PWD}"', "he/home"],
  ["\"he'$PWD'\"", "he'/home'"],
  ['"$PWD"', "/home"],
  ["'$PWD'", "$PWD"],
  ["'\\$PWD'", "\\$PWD"],
  ["'\"hello\"'", '"hello"'],
  ["he${PWD", ERROR],
  ["he${PWD:=000}xx", ERROR],
  ["he${PWD:+${PWD}:}xx", "he/home:xx"],
  ["he${XXX:-\\$PWD:}xx", "he$PWD:xx"],
  ["he${XXX:-\\${PWD}z}xx", "he${PWDz}xx"],
  ["안녕$KOREAN", "안녕한국어"],
  ["안'녕'하세요", "안녕하세요"],
  ["안'녕하세요", ERROR],
  ["${{aaa}", ERROR],
  ["${aaa}}", "}"],
  ["${aaa", ERROR],
  ["${aaa:-bbb}}", "bbb}"],
  ["${aaa:-bbb", ERROR],
  ["${aaa:-${bbb:-ccc}}", "ccc"],
  ["${aaa:-bbb ${foo}", ERROR],
  ["${aaa:-bbb {foo}", "bbb {foo"],
  ["${:}", ERROR],
  ["${:-bbb}", ERROR],
  // Positional and special parameters are never set in a Dockerfile.
  ["$1", ""],
  ["${1:-bbb}", "bbb"],
  ["$999aaa", "aaa"],
  ["${999:+bbb}aaa", "aaa"],
  ["$001aaa", "aaa"],
  ["$@@@", "@@"],
  ["${@:-bbb}aaa", "bbbaaa"],
  ["${#:-bbb}", "bbb"],
  ["$$", ""],
  ["${!:+bbb}", ""],
  ["${0:-bbb}", "bbb"],
];

describe("ShellLex.processWord() expands as BuildKit does", () => {
  const lex = new ShellLex("\\");
  for (const [input, expected] of WORDS) {
    it(`${input} → ${expected === ERROR ? "error" : JSON.stringify(expected)}`, () => {
      if (expected === ERROR) assert.throws(() => lex.processWord(input, env), ShellLexError);
      else assert.equal(lex.processWord(input, env).result, expected);
    });
  }
});

describe("ShellLex.processWords() splits after expansion", () => {
  const lex = new ShellLex("\\");
  const wenv = envFrom({ hi: "hi", space: "abc  def", leading: "  ab c", trailing: "ab c   " });
  const cases: [string, string[] | typeof ERROR][] = [
    ["hello", ["hello"]],
    ["hello${hi}bye", ["hellohibye"]],
    ["hello${nope}bye", ["hellobye"]],
    ["hello${space}bye", ["helloabc", "defbye"]],
    ['hello"${space}"bye', ["helloabc  defbye"]],
    ['hello "${space}"bye', ["hello", "abc  defbye"]],
    ["hello${leading}def", ["hello", "ab", "cdef"]],
    ['hello"${leading}" def', ["hello  ab c", "def"]],
    ["hello${trailing}d", ["helloab", "c", "d"]],
    ['hel"lo${trailing}"', ["helloab c   "]],
    ['hello" there  "', ["hello there  "]],
    ["hello there     ", ["hello", "there"]],
    ["hello\\ there", ["hello there"]],
    ['hello" there', ERROR],
    ['hello\\" there', ['hello"', "there"]],
    ['hello"\\\\there"', ["hello\\there"]],
    ["hello'\\\\there'", ["hello\\\\there"]],
    ["hello'$there'", ["hello$there"]],
    ['""', []],
    ["a${X:-b}", ["ab"]],
  ];
  for (const [input, expected] of cases) {
    it(`${input} → ${expected === ERROR ? "error" : JSON.stringify(expected)}`, () => {
      if (expected === ERROR) assert.throws(() => lex.processWords(input, wenv), ShellLexError);
      else assert.deepEqual(lex.processWords(input, wenv), expected);
    });
  }
});

describe("ShellLex pattern and replacement forms", () => {
  const lex = new ShellLex("\\");
  const cases: [string, Record<string, string>, string | typeof ERROR][] = [
    ["${FOO#*x*y}", { FOO: "xxyy" }, "y"],
    ["${FOO#*}", { FOO: "xxyy" }, "xxyy"],
    ["${FOO##*x}", { FOO: "xxyy" }, "yy"],
    ["${FOO#$BAR}", { FOO: "xxyy", BAR: "x" }, "xyy"],
    ["${FOO#}", { FOO: "xxyy" }, "xxyy"],
    ["${FOO#?\\?}", { FOO: "???y" }, "?y"],
    ["${FOO%x}", { FOO: "xxyy" }, "xxyy"],
    ["${FOO%y}", { FOO: "xxyy" }, "xxy"],
    ["${FOO%%y*}", { FOO: "xyxy" }, "x"],
    ["${FOO%y*}", { FOO: "xyxy" }, "xyx"],
    ["${FOO%%\\**}", { FOO: "xx**" }, "xx"],
    ["${FOO%%\\**\\*}", { FOO: "a***yy*" }, "a"],
    ["${FOO#()[]{\\}^$.\\*\\?|\\\\}", { FOO: "()[]{}^$.*?|\\x" }, "x"],
    ["${FOO:#}", {}, ERROR],
    ["${FOO:%%}", {}, ERROR],
    ["${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}", { FOO: "/foo*/*/*.txt", NEEDLE: "\\*/" }, "/foo.*/*.txt - /foo..*.txt"],
    ["${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}", { FOO: "/tmp/tmp/bar.txt", NEEDLE: "/tmp" }, "/tmp/bar.txt - /bar.txt"],
    ["${FOO/$N/$R} - ${FOO//$N/$R}", { FOO: "/a/foo/b/c.txt", N: "/?/", R: "/" }, "/foo/b/c.txt - /foo/c.txt"],
    ["${FOO/http:\\/\\//https:\\/\\/}", { FOO: "http://google.de" }, "https:\\/\\/google.de"],
    ["${FOO//\\//\\/}", { FOO: "/tmp/foo.txt" }, "\\/tmp\\/foo.txt"],
    ["${FOO/$BAR/ww}", { FOO: "xxyy", BAR: "" }, "wwxxyy"],
    ["${FOO//ww}", { FOO: "xxyy" }, ERROR],
    ["${FOO///}", { FOO: "xxyy" }, "xxyy"],
    ["${FOO=aaa}", { FOO: "xxx" }, ERROR],
    // Go's ReplaceAllString: no second replacement for the empty match right after a match.
    ["${FOO//*/r}", { FOO: "abc" }, "r"],
    ["${FOO//x*/-}", { FOO: "axxbx" }, "a-"],
    ["${FOO//x?/-}", { FOO: "axxbxx" }, "a-b-"],
    ["${FOO//?/.}", { FOO: "a\nb" }, ".\n."],
    ["${FOO/b*/}", { FOO: "abcabc" }, "a"],
    ["${FOO##*/}", { FOO: "/usr/local/bin/tool" }, "tool"],
    ["${FOO%/*}", { FOO: "/usr/local/bin/tool" }, "/usr/local/bin"],
    ["${FOO%%/*}", { FOO: "usr/local/bin" }, "usr"],
    ["${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", { FOO: "xxx", BAR: "" }, "xxx  ccc"],
    ["${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", { FOO: "xxx", BAR: "" }, "xxx bbb ccc"],
    ["${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", { FOO: "xxx", BAR: "" }, "aaa bbb "],
    ["${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", { FOO: "xxx", BAR: "" }, "aaa  "],
  ];
  for (const [input, vars, expected] of cases) {
    it(`${input} with ${JSON.stringify(vars)}`, () => {
      if (expected === ERROR) assert.throws(() => lex.processWord(input, envFrom(vars)), ShellLexError);
      else assert.equal(lex.processWord(input, envFrom(vars)).result, expected);
    });
  }
});

describe("ShellLex patterns are matched in linear time (hostile input)", () => {
  // A backtracking RegExp takes exponential time on these; Go's RE2, and berth, do not.
  const value = "a".repeat(3000);
  const cases: [string, string][] = [
    ["${V#*a*a*a*a*a*a*b}", value],
    ["${V%%*a*a*a*a*a*a*b}", value],
    ["${V//*a*a*a*a*a*a*b/x}", value],
  ];
  for (const [input, expected] of cases) {
    it(input, () => {
      const started = process.hrtime.bigint();
      assert.equal(new ShellLex("\\").processWord(input, envFrom({ V: value })).result, expected);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      assert.ok(ms < 2000, `took ${ms} ms`);
    });
  }
});

describe("ShellLex errors carry BuildKit's words", () => {
  const lex = new ShellLex("\\");
  const cases: [string, Record<string, string>, string][] = [
    ["${VAR:?message here$ARG}", { VAR: "", ARG: "x" }, 'failed to process "${VAR:?message here$ARG}": VAR: message herex'],
    ["${VAR?message here$ARG}", { ARG: "x" }, 'failed to process "${VAR?message here$ARG}": VAR: message herex'],
    ["${VAR?}", {}, 'failed to process "${VAR?}": VAR: is not allowed to be unset'],
    ["${VAR:?}", { VAR: "" }, 'failed to process "${VAR:?}": VAR: is not allowed to be empty'],
    ["${}", {}, 'failed to process "${}": syntax error: bad substitution'],
    ["${a", {}, 'failed to process "${a": unsupported modifier (\ufffd) in substitution'],
    ["${a:-b", {}, "failed to process \"${a:-b\": syntax error: missing '}'"],
    ["${a:=b}", {}, 'failed to process "${a:=b}": unsupported modifier (:=) in substitution'],
    ["${a:#b}", {}, 'failed to process "${a:#b}": unsupported modifier (:#) in substitution'],
    ["'abc", {}, 'failed to process "\'abc": unexpected end of statement while looking for matching single-quote'],
    ['"abc', {}, 'failed to process "\\"abc": unexpected end of statement while looking for matching double-quote'],
    ["${a/b", {}, "failed to process \"${a/b\": syntax error: missing '/' in ${}"],
    ["${a#\\x}", { a: "x" }, "failed to process \"${a#\\\\x}\": invalid pattern (\\x) in substitution: invalid escape '\\x'"],
  ];
  for (const [input, vars, message] of cases) {
    it(message, () => {
      assert.throws(() => lex.processWord(input, envFrom(vars)), { message });
    });
  }
});

describe("ShellLex options", () => {
  it("reports the names it found and the ones it did not", () => {
    const r = new ShellLex("\\").processWord("${A} $B ${C:-x}", envFrom({ A: "1", C: "" }));
    assert.equal(r.result, "1  x");
    assert.deepEqual([...r.matched].sort(), ["A", "C"]);
    assert.deepEqual([...r.unmatched], ["B"]);
  });
  it("skipUnsetEnv leaves unset references as written", () => {
    const lex = new ShellLex("\\", { skipUnsetEnv: true });
    assert.equal(lex.processWord("$A ${B} ${C:-x} ${D/a/b} $E", envFrom({ E: "e" })).result, "$A ${B} ${C:-x} ${D/a/b} e");
  });
  it("rawQuotes and rawEscapes keep quotes and escapes", () => {
    const lex = new ShellLex("\\", { rawQuotes: true, rawEscapes: true });
    assert.equal(lex.processWord(`'a' "b" c\\ d`, envFrom({})).result, `'a' "b" c\\ d`);
  });
  it("skipProcessQuotes treats quotes as plain characters (heredoc bodies)", () => {
    const lex = new ShellLex("\\", { skipProcessQuotes: true });
    assert.equal(lex.processWord(`echo '$A' "$A"`, envFrom({ A: "x" })).result, `echo 'x' "x"`);
  });
  it("a backtick escape token escapes like backslash does by default", () => {
    const lex = new ShellLex("`");
    assert.equal(lex.processWord("C:\\path`$A", envFrom({ A: "x" })).result, "C:\\path$A");
  });
  it("keeps heredoc operators with their spacing as one word", () => {
    assert.deepEqual(new ShellLex("\\").processWords("cat <<  EOF > f", envFrom({})), ["cat", "<<  EOF", ">", "f"]);
  });
  it("reversePattern() keeps escapes before what they escape", () => {
    assert.equal(reversePattern("a\\*c"), "c\\*a");
    assert.equal(reversePattern("ab\\"), "\\ba");
    assert.equal(reversePattern("\\\\b"), "b\\\\");
  });
});
