// The Dockerfile's lines as BuildKit's parser reads them. Cases follow BuildKit's parser testfiles
// (frontend/dockerfile/parser/testfiles/*, parser_test.go, parser_heredoc_test.go), each written
// here with its literal expectation in a dump like BuildKit's: (instruction ["flags"] "arg" ...).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { goQuote } from "../../../src/build/dockerfile/go-compat.js";
import {
  DockerfileParseError,
  chompHeredocContent,
  parseDockerfileText,
  parseHeredoc,
  parseWords,
  type DockerfileNode,
} from "../../../src/build/dockerfile/parser.js";

function dump(node: DockerfileNode): string {
  let s = node.instruction.toLowerCase();
  if (node.flags.length > 0) s += ` [${node.flags.map(goQuote).join(" ")}]`;
  if (node.trigger) return `(${s} ${dump(node.trigger)})`;
  for (const a of node.args) s += ` ${goQuote(a)}`;
  return `(${s})`;
}

function dumpAll(text: string): string[] {
  return parseDockerfileText(text).nodes.map(dump);
}

const CASES: [string, string, string[]][] = [
  [
    "continuation lines join with their indentation kept",
    "FROM ubuntu:14.04\n\nRUN echo hello\\\n  world\\\n  goodnight  \\\n  moon\\\n  light\\\nning\nRUN echo hello  \\\n  world\nRUN echo hello  \\\nworld\nRUN echo hello \\\ngoodbye\\\nfrog\nRUN echo hello  \\  \nworld\n",
    [
      '(from "ubuntu:14.04")',
      '(run "echo hello  world  goodnight    moon  lightning")',
      '(run "echo hello    world")',
      '(run "echo hello  world")',
      '(run "echo hello goodbyefrog")',
      '(run "echo hello  world")',
    ],
  ],
  [
    "a line holding only the escape continues, empty continuation lines are dropped",
    "FROM a\nRUN echo hi \\\n \\\n world \\\n\\\n good\\\n\\\nnight\n",
    ['(from "a")', '(run "echo hi   world  goodnight")'],
  ],
  [
    "comment and blank lines inside a continuation are dropped",
    "FROM a\nRUN echo hello \\\n# this is a comment\n\n# this is a comment with a blank line surrounding it\n\nthis is some more useful stuff\n",
    ['(from "a")', '(run "echo hello this is some more useful stuff")'],
  ],
  [
    "a continuation at the end of the file ends the instruction",
    "FROM alpine:3.5\n\nRUN something \\",
    ['(from "alpine:3.5")', '(run "something")'],
  ],
  [
    "an escape directive after a comment is only a comment",
    "# Comment here.\n# escape = `\n\nFROM image\nLABEL maintainer foo@bar.com\nENV GOPATH \\\n\\go",
    ['(from "image")', '(label "maintainer" "foo@bar.com" "")', '(env "GOPATH" "\\\\go" "")'],
  ],
  [
    "the backtick escape directive continues lines with a backtick",
    "# escape = `\n# no blank line after the directives\nFROM image\nLABEL maintainer foo@bar.com\nENV GOPATH `\n\\go\n",
    ['(from "image")', '(label "maintainer" "foo@bar.com" "")', '(env "GOPATH" "\\\\go" "")'],
  ],
  ["escape directive without spaces", "#escape = `\n\nFROM image\nENV GOPATH `\n\\go", ['(from "image")', '(env "GOPATH" "\\\\go" "")']],
  ["syntax then escape directives", "# syntax = docker/dockerfile\n# escape = `\n\nFROM `\n    image\n", ['(from "image")']],
  [
    "escapes stay in the words for the lexer",
    'FROM ubuntu:14.04\nLABEL maintainer Erik \\\\Hollensbe <erik@hollensbe.org>\\"\n\nRUN apt-get \\update && \\\n  apt-get \\"install znc -y\nADD \\conf\\\\" /.znc\n\nRUN foo \\\n\nbar \\\n\nbaz\n\nCMD [ "\\/usr\\\\\\"/bin/znc", "-f", "-r" ]\n',
    [
      '(from "ubuntu:14.04")',
      '(label "maintainer" "Erik \\\\\\\\Hollensbe <erik@hollensbe.org>\\\\\\"" "")',
      '(run "apt-get \\\\update &&   apt-get \\\\\\"install znc -y")',
      '(add "\\\\conf\\\\\\\\\\"" "/.znc")',
      '(run "foo bar baz")',
      '(cmd "/usr\\\\\\"/bin/znc" "-f" "-r")',
    ],
  ],
  [
    "flags come before the arguments and -- ends them",
    'FROM scratch\nCOPY foo /tmp/\nCOPY --user=me foo /tmp/\nCOPY --user=me --doit=true foo /tmp/\nCOPY --doit=true -- foo /tmp/\nCOPY -- foo /tmp/\nCMD --doit [ "a", "b" ]\nCMD --doit=true -- [ "a", "b" ]\nCMD --doit -- [ ]\n',
    [
      '(from "scratch")',
      '(copy "foo" "/tmp/")',
      '(copy ["--user=me"] "foo" "/tmp/")',
      '(copy ["--user=me" "--doit=true"] "foo" "/tmp/")',
      '(copy ["--doit=true"] "foo" "/tmp/")',
      '(copy "foo" "/tmp/")',
      '(cmd ["--doit"] "a" "b")',
      '(cmd ["--doit=true"] "a" "b")',
      '(cmd ["--doit"])',
    ],
  ],
  [
    "flag values may be quoted",
    "FROM a\nCOPY --chown=\"a b\" --from='x' --chmod=7\\55 f /d\n",
    ['(from "a")', '(copy ["--chown=a b" "--from=x" "--chmod=755"] "f" "/d")'],
  ],
  [
    "ENV in both forms, values still quoted",
    'FROM ubuntu\nENV name value\nENV name=value\nENV name=value name2=value2\nENV name="value value1"\nENV name=value\\ value2\nENV name="value\'quote space\'value2"\nENV name=\'value"double quote"value2\'\nENV name="a\\"b"\nENV name=\'a\\\'b\'\'\nENV name="\'\'"\nENV name=value \\\n    name1=value1 \\\n    name2="value2a \\\n           value2b" \\\n\tname4="value4a\\\\nvalue4b" \\\n',
    [
      '(from "ubuntu")',
      '(env "name" "value" "")',
      '(env "name" "value" "=")',
      '(env "name" "value" "=" "name2" "value2" "=")',
      '(env "name" "\\"value value1\\"" "=")',
      '(env "name" "value\\\\ value2" "=")',
      '(env "name" "\\"value\'quote space\'value2\\"" "=")',
      '(env "name" "\'value\\"double quote\\"value2\'" "=")',
      '(env "name" "\\"a\\\\\\"b\\"" "=")',
      '(env "name" "\'a\\\\\'b\'\'" "=")',
      '(env "name" "\\"\'\'\\"" "=")',
      '(env "name" "value" "=" "name1" "value1" "=" "name2" "\\"value2a            value2b\\"" "=" "name4" "\\"value4a\\\\\\\\nvalue4b\\"" "=")',
    ],
  ],
  [
    "legacy ENV keeps the whole rest as the value",
    "FROM a\nENV PATH /usr/bin:$PATH  and more\n",
    ['(from "a")', '(env "PATH" "/usr/bin:$PATH  and more" "")'],
  ],
  [
    "JSON forms, and what is not JSON stays a shell form",
    'CMD []\nCMD [""]\nCMD ["a"]\nCMD ["a","b"]\nCMD [\t"a",\t"b"\t]\t\nCMD ["abc 123", "♥", "\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0000"]\nCMD [\'echo\',\'single quotes are invalid JSON\']\nCMD ["echo", "unterminated"\nCMD "[\\"echo\\"]"\n',
    [
      "(cmd)",
      '(cmd "")',
      '(cmd "a")',
      '(cmd "a" "b")',
      '(cmd "a" "b")',
      '(cmd "abc 123" "♥" "\\" \\\\ / \\b \\f \\n \\r \\t \\x00")',
      "(cmd \"['echo','single quotes are invalid JSON']\")",
      '(cmd "[\\"echo\\", \\"unterminated\\"")',
      '(cmd "\\"[\\\\\\"echo\\\\\\"]\\"")',
    ],
  ],
  [
    "COPY and ADD take JSON or whitespace-separated words",
    'FROM\tubuntu:14.04\nCOPY\t.\t/go/src\nADD\t\t.\t/\nADD\t\t[ "vimrc", "/tmp" ]\nCOPY\t[ "test file", "/tmp" ]\n',
    ['(from "ubuntu:14.04")', '(copy "." "/go/src")', '(add "." "/")', '(add "vimrc" "/tmp")', '(copy "test file" "/tmp")'],
  ],
  [
    "HEALTHCHECK splits its type from the command",
    'FROM debian\nHEALTHCHECK\nHEALTHCHECK --interval=5s --timeout=3s --retries=3 \\\n  CMD /app/check.sh --quiet\nHEALTHCHECK CMD\nHEALTHCHECK   CMD   a b\nHEALTHCHECK --timeout=3s CMD ["foo"]\nHEALTHCHECK CONNECT TCP 7000\n',
    [
      '(from "debian")',
      "(healthcheck)",
      '(healthcheck ["--interval=5s" "--timeout=3s" "--retries=3"] "CMD" "/app/check.sh --quiet")',
      '(healthcheck "CMD")',
      '(healthcheck "CMD" "a b")',
      '(healthcheck ["--timeout=3s"] "CMD" "foo")',
      '(healthcheck "CONNECT" "TCP 7000")',
    ],
  ],
  [
    "ARG words keep their quotes",
    'ARG foo bar=baz\nFROM ubuntu\nARG abc="123 456" def\n',
    ['(arg "foo" "bar=baz")', '(from "ubuntu")', '(arg "abc=\\"123 456\\"" "def")'],
  ],
  [
    "ONBUILD parses its trigger as an instruction",
    "FROM a\nONBUILD RUN echo hi\nONBUILD COPY --from=b x /y\nonbuild add . /app\n",
    ['(from "a")', '(onbuild (run "echo hi"))', '(onbuild (copy ["--from=b"] "x" "/y"))', '(onbuild (add "." "/app"))'],
  ],
  [
    "instruction words keep their case and leading whitespace is dropped",
    "from a AS b\n   run   echo   x\n\tWorkDir /a b\n",
    ['(from "a" "AS" "b")', '(run "echo   x")', '(workdir "/a b")'],
  ],
  ["a byte-order mark at the start is dropped", "\ufeffFROM a\n", ['(from "a")']],
  ["CRLF line endings", "FROM a\r\nRUN x \\\r\n  y\r\n", ['(from "a")', '(run "x   y")']],
  [
    "an escaped escape at the end does not continue",
    "FROM a\nRUN echo \\\\\nRUN b\n",
    ['(from "a")', '(run "echo \\\\\\\\")', '(run "b")'],
  ],
  ["unknown instructions are kept for instructions.ts to refuse", "FROM a\nFOO bar baz\n", ['(from "a")', "(foo)"]],
  [
    "VOLUME words, EXPOSE words, FROM words",
    "FROM a\nVOLUME /a /b\nEXPOSE 80 443/udp\n",
    ['(from "a")', '(volume "/a" "/b")', '(expose "80" "443/udp")'],
  ],
];

describe("parseDockerfileText() reads lines as BuildKit's parser", () => {
  for (const [name, text, expected] of CASES) {
    it(name, () => assert.deepEqual(dumpAll(text), expected));
  }
});

describe("parseDockerfileText() directives", () => {
  it("keeps syntax and check as notes, and escape applies", () => {
    const r = parseDockerfileText("# syntax=docker/dockerfile:1\n# check=skip=all\n# escape=`\nFROM a\n");
    assert.deepEqual(r.directives, [
      { name: "syntax", value: "docker/dockerfile:1", line: 1 },
      { name: "check", value: "skip=all", line: 2 },
      { name: "escape", value: "`", line: 3 },
    ]);
    assert.equal(r.escapeToken, "`");
  });
  it("directive names are case-insensitive and spaces around = are allowed", () => {
    const r = parseDockerfileText("#  SYNTAX  =  x/y  \nFROM a\n");
    assert.deepEqual(r.directives, [{ name: "syntax", value: "x/y", line: 1 }]);
  });
  it("an unknown directive ends the directives: a later escape is a comment", () => {
    const r = parseDockerfileText("# foo=bar\n# escape=`\nFROM a\n");
    assert.deepEqual(r.directives, []);
    assert.equal(r.escapeToken, "\\");
  });
  it("a directive after an instruction is a comment", () => {
    const r = parseDockerfileText("FROM a\n# escape=`\nRUN x `\n");
    assert.equal(r.escapeToken, "\\");
    assert.deepEqual(r.nodes.map(dump), ['(from "a")', '(run "x `")']);
  });
  it("a blank line before a directive makes it a comment", () => {
    assert.deepEqual(parseDockerfileText("\n# escape=`\nFROM a\n").directives, []);
  });
  it("a directive line padded with many spaces is read in linear time (hostile input)", () => {
    const started = process.hrtime.bigint();
    const r = parseDockerfileText(`# syntax=x${" ".repeat(60000)}y\nFROM a\n`);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(r.directives[0]!.value, `x${" ".repeat(60000)}y`);
    assert.ok(ms < 1000, `took ${ms} ms`);
  });
  it("with only spaces after =, the value is the last space (BuildKit's lazy match)", () => {
    assert.deepEqual(parseDockerfileText("# check=   \nFROM a\n").directives, [{ name: "check", value: " ", line: 1 }]);
  });
  it("refuses a repeated directive", () => {
    assert.throws(() => parseDockerfileText("# escape=`\n# escape=\\\nFROM a\n"), {
      message: "only one escape parser directive can be used",
      startLine: 2,
    });
  });
  it("refuses an escape token other than ` or \\", () => {
    assert.throws(() => parseDockerfileText("# escape=x\nFROM a\n"), {
      name: "DockerfileParseError",
      message: "invalid escape token 'x' does not match ` or \\",
    });
  });
});

describe("parseDockerfileText() line numbers", () => {
  it("gives each instruction its first and last line", () => {
    const text =
      "# ESCAPE=\\\n\n\n\nFROM brimstone/ubuntu:14.04\n\n\n# TORUN -v /x\n\n\nENV GOPATH \\\n/go\n\n\n\n# Install\nRUN apt-get update \\\n\t&& dpkg -l \\\n\n\n    && apt-get install -y git \\\n    && apt-get clean \\\n\n\t&& rm -rf $GOPATH\n\n\n";
    const r = parseDockerfileText(text);
    assert.deepEqual(
      r.nodes.map((n) => [n.startLine, n.endLine]),
      [
        [5, 5],
        [11, 12],
        [17, 24],
      ],
    );
  });
  it("a heredoc's body lines belong to its instruction", () => {
    const r = parseDockerfileText("FROM a\nRUN <<EOF\necho 1\necho 2\nEOF\nRUN x\n");
    assert.deepEqual(
      r.nodes.map((n) => [n.startLine, n.endLine]),
      [
        [1, 1],
        [2, 5],
        [6, 6],
      ],
    );
  });
});

describe("parseDockerfileText() hostile input", () => {
  // Each of these took seconds with the regular expressions ported as BuildKit writes them
  // (backtracking is quadratic where Go's RE2 is linear).
  const cases: [string, string][] = [
    ["a run of carriage returns inside a line", `FROM a\nRUN x${"\r".repeat(60000)}y\n`],
    ["a heredoc operator followed by many spaces", `FROM a\nRUN <<${" ".repeat(60000)}<\n`],
    ["a continuation followed by many spaces", `FROM a\nRUN ${("a\\" + " ".repeat(100)).repeat(600)}b\n`],
  ];
  for (const [name, text] of cases) {
    it(`${name} is read in linear time`, () => {
      const started = process.hrtime.bigint();
      assert.equal(parseDockerfileText(text).nodes.length, 2);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      assert.ok(ms < 1000, `took ${ms} ms`);
    });
  }
  it("a heredoc word holding another < is not a heredoc", () => {
    assert.equal(parseHeredoc("<<  <EOF"), undefined);
    assert.equal(parseHeredoc("<<\tEOF")?.name, "EOF");
  });
});

describe("parseDockerfileText() warnings", () => {
  it("warns about empty continuation lines, with the joined line", () => {
    const r = parseDockerfileText(
      "FROM alpine:3.6\n\nRUN valid \\\n    continuation\n\nRUN something \\\n\n    following \\\n\n    more\n\nRUN another \\\n\n    thing\n\nRUN non-indented \\\n# this is a comment\n   after-comment\n",
    );
    assert.deepEqual(
      r.warnings.map((w) => [w.message, w.line]),
      [
        ["Empty continuation line found in: RUN something     following     more", 10],
        ["Empty continuation line found in: RUN another     thing", 14],
      ],
    );
  });
});

describe("parseDockerfileText() errors", () => {
  const cases: [string, string, string, number, number][] = [
    ["only comments", "# just a comment\n\n", "file with no instructions", 2, 2],
    ["only blank lines", "\n\n\n", "file with no instructions", 3, 3],
    ["an unterminated heredoc", "FROM a\nRUN <<EOF\necho hi\n", "unterminated heredoc", 2, 3],
    ["ENV without a value", "FROM a\nENV PATH\n", "ENV must have two arguments", 2, 2],
    ["LABEL without a value", "FROM a\nLABEL x\n", "LABEL must have two arguments", 2, 2],
    ["ENV mixing forms", "FROM a\nENV a=b c\n", 'Syntax error - can\'t find = in "c". Must be of the form: name=value', 2, 2],
    [
      "a JSON array of non-strings",
      'FROM a\nCMD ["a", 1]\n',
      "when using JSON array syntax, arrays must be comprised of strings only",
      2,
      2,
    ],
    ["nested JSON", 'FROM a\nCMD [["echo", "x"]]\n', "when using JSON array syntax, arrays must be comprised of strings only", 2, 2],
    ["a line too long", `FROM a\nLABEL x=${"a".repeat(70000)}\n`, "dockerfile line greater than max allowed size of 65535", 2, 2],
  ];
  for (const [name, text, message, startLine, endLine] of cases) {
    it(`${name}: ${message}`, () => {
      assert.throws(
        () => parseDockerfileText(text),
        (err: unknown) => {
          assert.ok(err instanceof DockerfileParseError);
          assert.deepEqual([err.message, err.startLine, err.endLine], [message, startLine, endLine]);
          return true;
        },
      );
    });
  }
});

describe("parseDockerfileText() heredocs", () => {
  const text = [
    "FROM alpine:3.6",
    "USER <<INVALID",
    "INVALID",
    "RUN <<EMPTY",
    "EMPTY",
    "RUN 3<<EMPTY2",
    "EMPTY2",
    'RUN "<<NOHEREDOC"',
    "RUN <<INDENT",
    "\tfoo",
    "\tbar",
    "INDENT",
    "RUN <<-UNINDENT",
    "\tbaz",
    "\tquux",
    "\tUNINDENT",
    "RUN <<-'NOEXPAND'",
    "\tdon't expand $NAME",
    "NOEXPAND",
    "RUN <<COMMENT",
    "# internal comment",
    "echo foo # trailing comment",
    "COMMENT",
    "RUN --mount=type=cache,target=/foo <<MOUNT",
    "echo hello",
    "MOUNT",
    "COPY <<FILE1 <<FILE2 /dest",
    "content 1",
    "FILE1",
    "content 2",
    "FILE2",
    "COPY <<X <<Y /dest",
    "Y",
    "X",
    "X",
    "Y",
    "RUN <<COMPLEX python3",
    "print('hello world')",
    "COMPLEX",
    "RUN <<eo'f'",
    "echo foo",
    "eof",
    "RUN <<eo\\'f",
    "echo foo",
    "eo'f",
    "RUN <<'one two'",
    "echo bar",
    "one two",
    "RUN <<$EOF",
    "$EOF",
    "RUN <<  EOF  > foo",
    "EOF",
    'RUN ["<<EOF"]',
    "ONBUILD RUN <<EOF",
    "echo onbuild",
    "EOF",
    "",
  ].join("\n");
  const nodes = parseDockerfileText(text).nodes;
  const docs = nodes.map((n) => n.heredocs.map((h) => ({ ...h })));
  const h = (name: string, content: string, expand = true, chomp = false, fileDescriptor = 0) => ({
    name,
    content,
    expand,
    chomp,
    fileDescriptor,
  });
  const expected = [
    [],
    [],
    [],
    [h("EMPTY", "")],
    [h("EMPTY2", "", true, false, 3)],
    [],
    [h("INDENT", "\tfoo\n\tbar\n")],
    [h("UNINDENT", "\tbaz\n\tquux\n", true, true)],
    [h("NOEXPAND", "\tdon't expand $NAME\n", false, true)],
    [h("COMMENT", "# internal comment\necho foo # trailing comment\n")],
    [h("MOUNT", "echo hello\n")],
    [h("FILE1", "content 1\n"), h("FILE2", "content 2\n")],
    [h("X", "Y\n"), h("Y", "X\n")],
    [h("COMPLEX", "print('hello world')\n")],
    [h("eof", "echo foo\n", false)],
    [h("eo'f", "echo foo\n")],
    [h("one two", "echo bar\n", false)],
    [h("$EOF", "")],
    [h("EOF", "")],
    [],
    [h("EOF", "echo onbuild\n")],
  ];
  const names = [
    "FROM",
    "USER <<INVALID: only RUN, COPY and ADD take heredocs",
    "so the would-be delimiter line is an instruction of its own",
    "RUN <<EMPTY",
    "RUN 3<<EMPTY2 names a file descriptor",
    'RUN "<<NOHEREDOC" is quoted',
    "RUN <<INDENT keeps tabs",
    "RUN <<-UNINDENT: the delimiter may be indented by tabs",
    "RUN <<-'NOEXPAND': quotes turn expansion off",
    "a heredoc body keeps its comment lines",
    "RUN --mount ... <<MOUNT",
    "two heredocs on one line are read in order",
    "a delimiter that appears in the other body",
    "RUN <<COMPLEX python3",
    "RUN <<eo'f': a partly quoted delimiter",
    "RUN <<eo\\'f: an escaped quote is part of the name",
    "RUN <<'one two'",
    "RUN <<$EOF: no expansion in the delimiter",
    "RUN <<  EOF  > foo: spaces after <<",
    "a JSON form never has heredocs",
    "ONBUILD RUN <<EOF",
  ];
  names.forEach((name, i) => {
    it(name, () => assert.deepEqual(docs[i], expected[i]));
  });

  it("parseHeredoc() tells heredoc words from others", () => {
    for (const w of ["<<EOF", "<<'EOF'", '<<"EOF"', "<<-EOF", "<<-'EOF'", '<<-"EOF"', '<<EO"F"', "<< EOF", "<<- EOF"]) {
      assert.equal(parseHeredoc(w)?.name, "EOF", w);
    }
    for (const w of ["", "EOF", "<<", "<<-", "<EOF", "<<<EOF", "<<EOF sh"]) assert.equal(parseHeredoc(w), undefined, w);
    for (const w of ["<<'EOF", '<<"EOF', "<<EOF'", '<<EOF"']) assert.throws(() => parseHeredoc(w), w);
  });
  it("chompHeredocContent() strips leading tabs of every line", () => {
    assert.equal(chompHeredocContent("\thello\n\t\tworld\n  x\n"), "hello\nworld\n  x\n");
  });
});

describe("parseWords()", () => {
  const cases: [string, string[]][] = [
    ["foo", ["foo"]],
    ["foo bar", ["foo", "bar"]],
    ["foo\\ bar", ["foo\\ bar"]],
    ["foo=bar", ["foo=bar"]],
    ["foo bar 'abc xyz'", ["foo", "bar", "'abc xyz'"]],
    ['foo bar "abc xyz"', ["foo", "bar", '"abc xyz"']],
    ["àöû", ["àöû"]],
    ['föo bàr "âbc xÿz"', ["föo", "bàr", '"âbc xÿz"']],
    ["a='' b", ["a=''", "b"]],
  ];
  for (const [input, expected] of cases) {
    it(`${input} → ${JSON.stringify(expected)}`, () => assert.deepEqual(parseWords(input, "\\"), expected));
  }
});
