import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError } from "../../src/errors.js";
import { isTableFormat, parseTemplate, renderList, tabwrite } from "../../src/cli/format/template/index.js";
import type { ParseOptions } from "../../src/cli/format/template/index.js";
import { renderFieldList } from "../../src/cli/format/template/field-list.js";

function run(text: string, data?: unknown, opts?: ParseOptions): string {
  return parseTemplate(text, opts).execute(data);
}

/** Asserts an InvalidArgumentError with exactly this message. */
function assertFails(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${String(err)}`);
    assert.equal(err.message, message);
    return true;
  });
}

function parseError(text: string, message: string): void {
  assertFails(() => parseTemplate(text), `template parsing error: template: ${message}`);
}

function execError(text: string, data: unknown, message: string): void {
  assertFails(() => run(text, data), `template: ${message}`);
}

const data = {
  A: "x",
  Num: 42,
  Items: ["a", "b", "c"],
  Names: ["web", "db"],
  Labels: { b: "2", a: "1", "com.example": "yes" },
  Nested: { Inner: { Deep: "deep" } },
  Nil: null,
  Empty: "",
  Greet(name: unknown) {
    return `hello ${String(name)}`;
  },
  Upper() {
    return this.A.toUpperCase();
  },
};

describe("text and fields", () => {
  it("copies text and prints fields", () => {
    assert.equal(run("plain text", data), "plain text");
    assert.equal(run("{{.A}}-{{.Num}}", data), "x-42");
    assert.equal(run("{{.Nested.Inner.Deep}}", data), "deep");
    assert.equal(run("{{.}}", "dot"), "dot");
    assert.equal(run("{{$.A}}{{with .Nested}}{{$.A}}{{.Inner.Deep}}{{end}}", data), "xxdeep");
  });

  it("reads map keys, missing ones as <no value>", () => {
    assert.equal(run("{{.Labels.a}}", data), "1");
    assert.equal(run("{{.Missing}}", data), "<no value>");
    assert.equal(run("{{.Missing.Deeper}}", data), "<no value>");
    assert.equal(run("{{.Labels.zz}}", data), "<no value>");
    assert.equal(run("{{.}}", undefined), "<no value>");
  });

  it("prints nil as <nil>", () => {
    assert.equal(run("{{.Nil}}", data), "<nil>");
    assert.equal(run("{{print .Missing}}", data), "<nil>");
  });

  it("calls function-valued fields like Go methods", () => {
    assert.equal(run("{{.Upper}}", data), "X");
    assert.equal(run('{{.Greet "bob"}}', data), "hello bob");
    assert.equal(run('{{"amy" | .Greet}}', data), "hello amy");
  });

  it("reads getters and methods of class instances, and JS Maps", () => {
    class Box {
      constructor(private readonly value: string) {}
      get Value(): string {
        return this.value;
      }
      Twice(): string {
        return this.value + this.value;
      }
    }
    assert.equal(run("{{.Value}} {{.Twice}} {{.constructor}}", new Box("v")), "v vv <no value>");
    const map = new Map<string, unknown>([
      ["z", 1],
      ["a", 2],
    ]);
    assert.equal(run("{{.a}} {{.q}} {{.}} {{len .}}", map), "2 <no value> map[a:2 z:1] 2");
  });
});

describe("value printing", () => {
  it("prints like fmt's %v", () => {
    assert.equal(run("{{.Items}}", data), "[a b c]");
    assert.equal(run("{{.Labels}}", data), "map[a:1 b:2 com.example:yes]");
    assert.equal(run("{{.}}", { L: [1, [true, null]], M: {} }), "map[L:[1 [true <nil>]] M:map[]]");
    assert.equal(run("{{true}} {{false}} {{.}}", false), "true false false");
  });

  it("prints integers without exponent and floats like Go's %g", () => {
    assert.equal(run("{{.}}", 1234567890123), "1234567890123");
    assert.equal(run("{{.}}", 2 ** 60), "1152921504606846976");
    assert.equal(run("{{.}}", -3), "-3");
    assert.equal(run("{{.}}", 1.5), "1.5");
    assert.equal(run("{{.}}", 1234567.5), "1.2345675e+06");
    assert.equal(run("{{.}}", 0.0001), "0.0001");
    assert.equal(run("{{.}}", 0.00001), "1e-05");
    assert.equal(run("{{.}}", Infinity), "+Inf");
  });

  it("prints Errors by message and other objects with their own toString", () => {
    assert.equal(run("{{.}}", new Error("bad")), "bad");
    assert.equal(run("{{.}}", { toString: () => "ignored for plain objects" }), "map[toString:<function>]");
  });
});

describe("trim markers and comments", () => {
  it("trims surrounding whitespace", () => {
    assert.equal(run("a  \n {{- .A -}} \n  b", data), "axb");
    assert.equal(run("a {{- .A}} b", data), "ax b");
    assert.equal(run("a {{.A -}} b", data), "a xb");
    assert.equal(run("{{.A -}}\n{{.A}}", data), "xx");
  });

  it("keeps a minus without a space as a number sign", () => {
    assert.equal(run("{{-3}}"), "-3");
  });

  it("drops comments", () => {
    assert.equal(run("a{{/* note */}}b"), "ab");
    assert.equal(run("a {{- /* note\nspanning lines */ -}} b"), "ab");
  });
});

describe("literals", () => {
  it("parses strings with Go escapes and raw strings", () => {
    assert.equal(run('{{"tab\\there"}}'), "tab\there");
    assert.equal(run('{{"\\u00e9\\x41\\101\\""}}'), 'éAA"');
    assert.equal(run('{{"\\xe2\\x82\\xac"}}'), "€");
    assert.equal(run("{{`raw \\n {{`}}"), "raw \\n {{");
  });

  it("parses numbers, characters, booleans", () => {
    assert.equal(run("{{0x1F}} {{0o17}} {{017}} {{0b101}} {{1_000}} {{-5}} {{+5}}"), "31 15 15 5 1000 -5 5");
    assert.equal(run("{{1.5}} {{1e3}} {{.5}}"), "1.5 1000 0.5");
    assert.equal(run("{{'a'}} {{'\\n'}}"), "97 10");
    assert.equal(run("{{true}} {{false}}"), "true false");
  });
});

describe("pipelines and variables", () => {
  it("pipes the previous value as the last argument", () => {
    assert.equal(run('{{.A | printf "<%s>"}}', data), "<x>");
    assert.equal(run('{{.Items | len | printf "%03d"}}', data), "003");
    assert.equal(run('{{(printf "%s-%s" .A .A) | upper}}', data), "X-X");
  });

  it("declares and assigns variables", () => {
    assert.equal(run("{{$x := .A}}[{{$x}}]", data), "[x]");
    assert.equal(run("{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}"), "2");
    assert.equal(run("{{$n := len .Items}}{{$n}}", data), "3");
  });

  it("scopes variables to their control structure", () => {
    parseError("{{if $x := 1}}{{end}}{{$x}}", ':1: undefined variable "$x"');
    assert.equal(run("{{if $x := .A}}{{$x}}{{else}}{{$x}}{{end}}", data), "x");
  });
});

describe("if, with, range", () => {
  it("branches with if / else if / else", () => {
    assert.equal(run('{{if eq .A "x"}}y{{else}}n{{end}}', data), "y");
    assert.equal(run('{{if eq .A "z"}}y{{else}}n{{end}}', data), "n");
    const chain = "{{if .P}}p{{else if .Q}}q{{else}}none{{end}}";
    assert.equal(run(chain, { P: 1 }), "p");
    assert.equal(run(chain, { Q: "yes" }), "q");
    assert.equal(run(chain, { P: 0, Q: "" }), "none");
  });

  it("uses Go truth", () => {
    const truth = "{{if .}}T{{else}}F{{end}}";
    for (const value of [false, 0, "", [], {}, null, undefined]) assert.equal(run(truth, value), "F", String(value));
    for (const value of [true, 1, "0", [0], { a: 1 }]) assert.equal(run(truth, value), "T", String(value));
  });

  it("rebinds dot with with, and falls back to else", () => {
    assert.equal(run("{{with .Nested.Inner}}{{.Deep}}{{end}}", data), "deep");
    assert.equal(run("{{with .Missing}}yes{{else}}no {{.A}}{{end}}", data), "no x");
    assert.equal(run("{{with $v := .A}}{{$v}}{{.}}{{end}}", data), "xx");
    assert.equal(run("{{with .Missing}}a{{else with .A}}b{{.}}{{end}}", data), "bx");
  });

  it("ranges over arrays", () => {
    assert.equal(run("{{range .Items}}{{.}} {{end}}", data), "a b c ");
    assert.equal(run("{{range $i, $v := .Items}}{{$i}}={{$v}},{{end}}", data), "0=a,1=b,2=c,");
    assert.equal(run("{{range $v := .Items}}{{$v}}{{end}}", data), "abc");
    assert.equal(run("{{range .Items}}{{$.A}}{{end}}", data), "xxx");
  });

  it("ranges over objects in sorted key order", () => {
    assert.equal(run("{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}", data), "a=1;b=2;com.example=yes;");
    assert.equal(run("{{range .}}{{.}}{{end}}", { b: 2, a: 1, B: 0 }), "012");
  });

  it("ranges over integers", () => {
    assert.equal(run("{{range 3}}{{.}}{{end}}"), "012");
  });

  it("runs else for empty or nil collections", () => {
    const tmpl = "{{range .}}{{.}}{{else}}empty{{end}}";
    assert.equal(run(tmpl, []), "empty");
    assert.equal(run(tmpl, {}), "empty");
    assert.equal(run(tmpl, null), "empty");
    assert.equal(run(tmpl, ["a"]), "a");
  });

  it("supports break and continue", () => {
    assert.equal(run('{{range .Items}}{{if eq . "b"}}{{break}}{{end}}{{.}}{{end}}', data), "a");
    assert.equal(run('{{range .Items}}{{if eq . "b"}}{{continue}}{{end}}{{.}}{{end}}', data), "ac");
  });
});

describe("define, template, block", () => {
  it("executes named templates with their own dot", () => {
    assert.equal(run('{{define "T"}}[{{.}}]{{end}}{{template "T" .A}}{{template "T"}}', data), "[x][<no value>]");
    assert.equal(run('{{block "B" .Items}}{{len .}}{{end}}', data), "3");
  });
});

describe("builtin functions", () => {
  it("and / or return the deciding argument and short-circuit", () => {
    assert.equal(run('{{and 1 0 2}} {{and 1 2}} {{or 0 "" 3}} {{or 0 ""}}'), "0 2 3 ");
    assert.equal(run("{{or .A (index .Items 99)}}", data), "x");
    assert.equal(run("{{not 0}} {{not .A}}", data), "true false");
  });

  it("len counts bytes of strings, items, keys", () => {
    assert.equal(run("{{len .Items}} {{len .Labels}} {{len .A}} {{len .S}}", { ...data, S: "é" }), "3 3 1 2");
  });

  it("index reaches into arrays, maps and strings", () => {
    assert.equal(run('{{index .Labels "a"}}', data), "1");
    assert.equal(run('{{index .Labels "com.example"}}', data), "yes");
    assert.equal(run('{{index .Labels "nope"}}', data), "<no value>");
    assert.equal(run("{{index .Items 1}}", data), "b");
    assert.equal(run("{{index . 0 1}}", [["p", "q"]]), "q");
    assert.equal(run('{{index "abc" 0}}'), "97");
  });

  it("slice cuts arrays and strings", () => {
    assert.equal(run("{{slice .Items 1}} {{slice .Items 1 2}} {{slice .Items}}", data), "[b c] [b] [a b c]");
    assert.equal(run('{{slice "hello" 1 3}}'), "el");
  });

  it("print and println space operands like fmt", () => {
    assert.equal(run('{{print 1 2 "a" "b" 3}}'), "1 2ab3");
    assert.equal(run('{{println 1 "a"}}'), "1 a\n");
  });

  it("compares with eq, ne, lt, le, gt, ge", () => {
    assert.equal(run('{{eq .A "x"}} {{eq .A "y" "x"}} {{ne 1 2}} {{eq .Missing nil}}', data), "true true true true");
    assert.equal(run('{{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}}'), "true true true false");
  });

  it("escapes with html, js and urlquery", () => {
    assert.equal(run(`{{html "<a href='x'>&"}}`), "&lt;a href=&#39;x&#39;&gt;&amp;");
    assert.equal(run(`{{js "it's <b>"}}`), "it\\'s \\u003Cb\\u003E");
    assert.equal(run('{{urlquery "a b&c/é"}}'), "a+b%26c%2F%C3%A9");
  });

  it("calls function values with call", () => {
    assert.equal(run('{{call (index . "f") 2}}', { f: (n: unknown) => Number(n) * 21 }), "42");
  });
});

describe("printf", () => {
  const cases: [string, string][] = [
    ['{{printf "%-10s|" .A}}', "x         |"],
    ['{{printf "%10s|" .A}}', "         x|"],
    ['{{printf "%5s|%-5s|" "ab" "cd"}}', "   ab|cd   |"],
    ['{{printf "%.2s" "abcdef"}}', "ab"],
    ['{{printf "%d %5d %-5d| %05d %+d %x %X %o %#x %b" 42 42 42 42 42 255 255 8 255 5}}', "42    42 42   | 00042 +42 ff FF 10 0xff 101"],
    ['{{printf "%v %v %v" .A .Items .Labels}}', "x [a b c] map[a:1 b:2 com.example:yes]"],
    ['{{printf "%q %q" "a\\"b" .Items}}', '"a\\"b" ["a" "b" "c"]'],
    ['{{printf "%t %v" true false}}', "true false"],
    ['{{printf "%x %X % x" "hi" "hi" "hi"}}', "6869 6869 68 69"],
    ['{{printf "%.2f %8.3f %e %g %.3g" 3.14159 2.5 123456.789 0.000012345 3.14159}}', "3.14    2.500 1.234568e+05 1.2345e-05 3.14"],
    ['{{printf "%c %U %T %T" 65 9731 .A .Items}}', "A U+2603 string []interface {}"],
    ['{{printf "%#v" .Items}}', '[]interface {}{"a", "b", "c"}'],
    ['{{printf "%[2]s %[1]s" "a" "b"}}', "b a"],
    ['{{printf "%*d|" 4 7}}', "   7|"],
    ['{{printf "100%%"}}', "100%"],
    ['{{printf "%s %d" "a"}}', "a %!d(MISSING)"],
    ['{{printf "%d" "a" 4}}', "%!d(string=a)%!(EXTRA int=4)"],
    ['{{printf "%d %s" 1.5 nil}}', "%!d(float64=1.5) %!s(<nil>)"],
    ['{{printf "%s" .Missing}}', "%!s(<nil>)"],
  ];
  for (const [text, want] of cases) {
    it(text, () => assert.equal(run(text, data), want));
  }
});

describe("docker functions", () => {
  it("json encodes like Go's json.Marshal without HTML escaping", () => {
    assert.equal(run("{{json .}}", { b: 1, a: "<&>", c: [true, null], d: { e: 1.5 } }), '{"b":1,"a":"<&>","c":[true,null],"d":{"e":1.5}}');
    assert.equal(run("{{json .Items}}", data), '["a","b","c"]');
    assert.equal(run("{{json .A}} {{json .Num}} {{json .Nil}} {{json .Missing}}", data), '"x" 42 null null');
    assert.equal(run("{{json .}}", "line\u2028sep"), '"line\\u2028sep"');
  });

  it("json encodes method-like fields as their result and skips methods needing arguments", () => {
    assert.equal(run("{{json .}}", { A: "x", B: () => "y", C: (n: unknown) => n }), '{"A":"x","B":"y"}');
  });

  it("json prints nothing for values Go cannot encode", () => {
    assert.equal(run("[{{json .}}]", { n: NaN }), "[]");
  });

  it("join, split", () => {
    assert.equal(run('{{join .Names ","}}', data), "web,db");
    assert.equal(run('{{join .Names ", "}}', data), "web, db");
    assert.equal(run('{{split "a,b,c" ","}} {{len (split "a,b" ",")}} {{split "ab" ""}}'), "[a b c] 2 [a b]");
  });

  it("title, lower, upper", () => {
    assert.equal(run('{{title "hello wide world"}}'), "Hello Wide World");
    assert.equal(run('{{lower "MiXeD"}} {{upper "MiXeD"}}'), "mixed MIXED");
  });

  it("pad and truncate", () => {
    assert.equal(run('[{{pad "x" 1 2}}] [{{pad "" 1 2}}]'), "[ x  ] []");
    assert.equal(run('{{truncate "abcdef" 3}} {{truncate "ab" 3}}'), "abc ab");
  });

  it("rejects wrongly typed arguments like Go", () => {
    execError("{{upper 5}}", {}, ':1:2: executing "" at <upper 5>: wrong type for value; expected string; got int');
    execError('{{join .A ","}}', data, ':1:2: executing "" at <join .A ",">: wrong type for value; expected []string; got string');
  });
});

describe("user functions", () => {
  it("adds and overrides functions", () => {
    const opts: ParseOptions = { funcs: { double: (n) => Number(n) * 2, upper: () => "mine" } };
    assert.equal(run("{{double 21}} {{upper .A}} {{.Num | double}}", data, opts), "42 mine 84");
  });

  it("wraps thrown errors as error calling", () => {
    const opts: ParseOptions = {
      funcs: {
        boom: () => {
          throw new Error("kaput");
        },
      },
    };
    assertFails(() => run("{{boom}}", {}, opts), 'template: :1:2: executing "" at <boom>: error calling boom: kaput');
  });
});

describe("parse errors", () => {
  it("reports Go's messages with docker's prefix", () => {
    parseError("{{.A", ":1: unclosed action");
    parseError("{{if .A}}x", ":1: unexpected EOF");
    parseError("{{end}}", ":1: unexpected {{end}}");
    parseError("{{else}}", ":1: unexpected {{else}}");
    parseError("{{foo}}", ':1: function "foo" not defined');
    parseError("{{$x}}", ':1: undefined variable "$x"');
    parseError('{{"abc}}', ":1: unterminated quoted string");
    parseError("{{`abc}}", ":1: unterminated raw quoted string");
    parseError("{{/* x }}", ":1: unclosed comment");
    parseError("{{/* x */ .A}}", ":1: comment ends before closing delimiter");
    parseError("{{if}}{{end}}", ":1: missing value for if");
    parseError("{{}}", ":1: missing value for command");
    parseError('{{.A | "x"}}', ":1: non executable command in pipeline stage 2");
    parseError("{{(.A}}", ":1: unclosed left paren");
    parseError("{{.A)}}", ":1: unexpected right paren");
    parseError("{{.A ^}}", ':1: unexpected "^" in operand');
    parseError("{{3x}}", ':1: bad number syntax: "3x"');
    parseError("{{break}}", ":1: {{break}} outside {{range}}");
    parseError("{{range $i, $v, $w := .}}{{end}}", ":1: too many declarations in range");
    parseError('{{"\\q"}}', ":1: invalid syntax");
    parseError("\n\n{{.A", ":3: unclosed action");
  });
});

describe("execution errors", () => {
  it("reports location, node and cause like Go", () => {
    execError("{{index .Items 5}}", data, ':1:2: executing "" at <index .Items 5>: error calling index: index out of range: 5');
    execError("{{.A.B}}", data, ':1:4: executing "" at <.A.B>: can\'t evaluate field B in type string');
    execError("{{.Nil.B}}", data, ':1:6: executing "" at <.Nil.B>: nil pointer evaluating interface {}.B');
    // Like Go, a field chain is located at its second field (docker shows `:1:8: … at <.State.Health.Status>`).
    execError("x\n  {{.Items.B}}", data, ':2:10: executing "" at <.Items.B>: can\'t evaluate field B in type []interface {}');
    execError("{{eq .A 1}}", data, ':1:2: executing "" at <eq .A 1>: error calling eq: incompatible types for comparison');
    execError("{{nil}}", data, ':1:2: executing "" at <nil>: nil is not a command');
    execError('{{"a" "b"}}', data, ':1:2: executing "" at <"a">: can\'t give argument to non-function "a"');
    execError("{{range .A}}{{end}}", data, ':1:8: executing "" at <.A>: range can\'t iterate over x');
    execError("{{len 3}}", data, ':1:2: executing "" at <len 3>: error calling len: len of type int');
    execError("{{join .Names}}", data, ':1:2: executing "" at <join>: wrong number of args for join: want 2 got 1');
    execError('{{template "nope"}}', data, ':1:11: executing "" at <{{template "nope"}}>: template "nope" not defined');
  });

  it("fails on missing keys with missingkey=error, as docker inspect's raw fallback does", () => {
    assertFails(
      () => run("{{.Nope}}", { A: 1 }, { missingKey: "error" }),
      'template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"',
    );
  });
});

describe("tabwrite", () => {
  it("aligns columns with docker's minwidth 10 and padding 3", () => {
    assert.deepEqual(tabwrite(["REPOSITORY\tTAG\tIMAGE ID", "busybox\tlatest\tabc"]), [
      "REPOSITORY   TAG       IMAGE ID",
      "busybox      latest    abc",
    ]);
  });

  it("never pads the last cell of a line", () => {
    assert.deepEqual(tabwrite(["a\tb", "x"]), ["a         b", "x"]);
  });

  it("aligns only contiguous blocks of a column", () => {
    // From Go's tabwriter tests (13b), padchar shown as spaces.
    const lines = [
      "4444\t333\t22\t1\t333",
      "999999999\t22",
      "7\t22",
      "\t\t\t88888888",
      "",
      "666666\t666666\t666666\t4444",
      "1\t1\t999999999\t0000000000",
    ];
    assert.deepEqual(tabwrite(lines, { minWidth: 4, padding: 3 }), [
      "4444        333   22   1   333",
      "999999999   22",
      "7           22",
      "                    88888888",
      "",
      "666666   666666   666666      4444",
      "1        1        999999999   0000000000",
    ]);
  });

  it("matches Go's cases for trailing tabs and empty cells", () => {
    assert.deepEqual(tabwrite(["e) foo\tbar\t"], { minWidth: 8, padding: 1 }), ["e) foo  bar     "]);
    assert.deepEqual(tabwrite(["\t"], { minWidth: 8, padding: 1 }), ["        "]);
    assert.deepEqual(tabwrite(["1\t2\t3\t4", "11\t222\t3333\t44444"], { minWidth: 1, padding: 0 }), ["1 2  3   4", "11222333344444"]);
  });

  it("measures wide characters as two columns, like docker's runewidth fork", () => {
    assert.deepEqual(tabwrite(["本\tb\tc", "aa\t本本本\tcccc\tddddd", "aaa\tbbbb"], { minWidth: 8, padding: 1 }), [
      "本      b       c",
      "aa      本本本  cccc    ddddd",
      "aaa     bbbb",
    ]);
  });
});

describe("renderList", () => {
  const headers = { Repository: "REPOSITORY", Tag: "TAG", ID: "IMAGE ID", CreatedSince: "CREATED", Size: "SIZE", Digest: "DIGEST" };
  const rows = [
    { Repository: "allchanges", Tag: "latest", ID: "98067b60b5fa", CreatedSince: "17 seconds ago", Size: "1.98MB", Digest: "<none>" },
    { Repository: "<none>", Tag: "<none>", ID: "1d445f261959", CreatedSince: "About a minute ago", Size: "1.98MB", Digest: "<none>" },
    {
      Repository: "localhost:5000/team/busybox",
      Tag: "dev",
      ID: "237d4b9d6f52",
      CreatedSince: "About a minute ago",
      Size: "1.98MB",
      Digest: "<none>",
    },
  ];

  it("renders docker's default image table", () => {
    const format = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
    assert.equal(
      renderList(format, rows, headers),
      [
        "REPOSITORY                    TAG       IMAGE ID       CREATED              SIZE",
        "allchanges                    latest    98067b60b5fa   17 seconds ago       1.98MB",
        "<none>                        <none>    1d445f261959   About a minute ago   1.98MB",
        "localhost:5000/team/busybox   dev       237d4b9d6f52   About a minute ago   1.98MB",
        "",
      ].join("\n"),
    );
  });

  it("accepts literal \\t as typed on a shell command line", () => {
    assert.equal(renderList("table {{.Repository}}\\t{{.Tag}}", rows.slice(0, 1), headers), "REPOSITORY   TAG\nallchanges   latest\n");
  });

  it("pads empty cells and prints the header alone when there are no rows", () => {
    const history = { CreatedBy: "CREATED BY", Size: "SIZE", Comment: "COMMENT" };
    const format = "table {{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
    assert.equal(
      renderList(format, [{ CreatedBy: "", Size: "1.98MB", Comment: "Imported from -" }], history),
      "CREATED BY   SIZE      COMMENT\n             1.98MB    Imported from -\n",
    );
    assert.equal(renderList(format, [], history), "CREATED BY   SIZE      COMMENT\n");
  });

  it("keeps column titles intact under docker's header functions", () => {
    assert.equal(
      renderList("table {{upper .Repository}}\t{{json .Tag}}", rows.slice(0, 1), headers),
      'REPOSITORY   TAG\nALLCHANGES   "latest"\n',
    );
  });

  it("keeps the header rendered before a failing function, as docker does", () => {
    // Ranging over the title string fails, so the header keeps only its first cell.
    const format = "table {{.Name}}\t{{range .Items}}{{.}},{{end}}";
    assert.equal(
      renderList(format, [{ Name: "web", Items: ["a", "b"] }], { Name: "NAME", Items: "ITEMS" }),
      "NAME      \nweb       a,b,\n",
    );
  });

  it("renders raw templates one line per row, without header or alignment", () => {
    assert.equal(renderList("{{.ID}}\t{{.Tag}}", rows.slice(0, 2), headers), "98067b60b5fa\tlatest\n1d445f261959\t<none>\n");
    assert.equal(renderList("{{.ID}}", [], headers), "");
  });

  it("renders json rows like docker's MarshalJSON: sorted keys, HTML escaped", () => {
    const row = { Tag: "latest", ID: "98067b60b5fa", Digest: "<none>", lower: "hidden", Size: () => "1.98MB" };
    const want = '{"Digest":"\\u003cnone\\u003e","ID":"98067b60b5fa","Size":"1.98MB","Tag":"latest"}\n';
    assert.equal(renderList("json", [row], headers), want);
    assert.equal(renderList("{{json .}}", [row], headers), want);
    assert.equal(renderList("{{json .Digest}}", [row], headers), '"<none>"\n');
  });

  it("reports template errors with docker's prefix", () => {
    assertFails(() => renderList("{{.ID", rows, headers), "template parsing error: template: :1: unclosed action");
    assertFails(
      () => renderList("{{index .ID 99}}", rows, headers),
      'template parsing error: template: :1:2: executing "" at <index .ID 99>: error calling index: index out of range: 99',
    );
  });

  it("treats unknown fields as docker's struct errors when given the row type", () => {
    assert.equal(renderList("{{.Nope}}", rows.slice(0, 1), headers), "<no value>\n");
    assertFails(
      () => renderList("{{.Nope}}", rows, headers, { rowType: "*formatter.imageContext" }),
      'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.imageContext',
    );
  });

  it('renders a bare "table" as an empty template, so callers must expand it first', () => {
    assert.equal(renderList("table", rows.slice(0, 2), headers), "\n\n\n");
  });
});

describe("isTableFormat", () => {
  it("recognizes docker's table prefix", () => {
    assert.equal(isTableFormat("table"), true);
    assert.equal(isTableFormat("table {{.ID}}"), true);
    assert.equal(isTableFormat("{{.ID}}"), false);
    assert.equal(isTableFormat("json"), false);
  });
});

describe("renderFieldList", () => {
  const headers = { Repository: "REPOSITORY", Tag: "TAG", ID: "IMAGE ID", Size: "SIZE" };
  const rows = [
    { Repository: "allchanges", Tag: "latest", ID: "98067b60b5fa", Size: "1.98MB" },
    { Repository: "localhost:5000/team/busybox", Tag: "<none>", ID: "237d4b9d6f52", Size: "" },
  ];

  it("writes what the template engine writes for formats of fields alone over strings", () => {
    for (const format of [
      "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Size}}",
      "table {{.Repository}}\\t{{.Tag}} ",
      "  {{.ID}}: {{.Repository}}/{{.Tag}}\\n",
      "{{.ID}}",
      "table",
      "plain text",
      "table {{.Repository}} } {{.Tag}}",
      "{ {{.ID}}}} {",
    ]) {
      for (const some of [rows, rows.slice(0, 1), []]) {
        const fast = renderFieldList(format, some, headers);
        assert.notEqual(fast, undefined, format);
        assert.equal(fast, renderList(format, some, headers), format);
      }
    }
  });

  it("leaves to the engine functions, pipes, other values, missing fields and missing titles", () => {
    for (const format of [
      "{{json .ID}}",
      "{{.ID | upper}}",
      "{{ .ID }}",
      "{{.ID.Short}}",
      "{{-.ID}}",
      "{{.}}",
      "{{.Missing}}",
      "{{{.ID}}",
    ]) {
      assert.equal(renderFieldList(format, rows, headers), undefined, format);
    }
    assert.equal(renderFieldList("{{.Size}}", [{ Size: 3 }], headers), undefined);
    assert.equal(renderFieldList("{{.Size}}", [{ Size: () => "1B" }], headers), undefined);
    assert.equal(renderFieldList("table {{.Name}}", [{ Name: "x" }], headers), undefined, "no title for Name");
  });
});
