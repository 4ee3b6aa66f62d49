// pflag's rules on commander's commands, and the docker CLI 28 words for what does not parse
// (measured with docker CLI 28.2.2: test/golden/docker/FACTS.md, "Flags and commands").
import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { PflagCommand } from "../../src/cli/flag-parser.js";
import { parseBool } from "../../src/cli/command-spec.js";
import { FlagError } from "../../src/cli/errors.js";
import { createTempRoot } from "../helpers/temp-root.js";

function parse(argv: string[], interspersed = true): { opts: Record<string, unknown>; args: string[] } {
  const cmd = new PflagCommand("t");
  cmd.rules = { name: "t", usage: "[OPTIONS]", interspersed, unsupportedFlags: [{ long: "publish", short: "p" }] };
  let args: string[] = [];
  cmd
    .option("-m, --memory <bytes>", "")
    .option("-e, --env <list>", "", (v: string, prev: string[] = []) => [...prev, v], [])
    .option("-d, --detach", "")
    .option("--rm", "")
    .option("--no-prune", "")
    .option("-H, --human [bool]", "", parseBool, true)
    .argument("[args...]")
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined })
    .action((a: string[]) => {
      args = a;
    });
  cmd.parse(argv, { from: "user" });
  return { opts: cmd.opts(), args };
}

function parseError(argv: string[]): string {
  try {
    parse(argv);
  } catch (err) {
    assert.ok(err instanceof FlagError, `not a FlagError: ${String(err)}`);
    return err.message;
  }
  assert.fail(`${argv.join(" ")} parsed`);
}

describe("pflag's rules", () => {
  test("-X=value gives value, for every short flag with a value, alone or after booleans", () => {
    assert.equal(parse(["-m=4m"]).opts.memory, "4m");
    assert.equal(parse(["-dm=4m"]).opts.memory, "4m");
    assert.deepEqual(parse(["-e=A=1", "-eB=2", "-e", "C=3", "--env=D=4", "--env", "E=5"]).opts.env, ["A=1", "B=2", "C=3", "D=4", "E=5"]);
    assert.equal(parse(["-e="]).opts.env?.toString(), "=", "-e= is the value '=' (two characters, no value after '=')");
  });

  test("a flag's value may start with a dash", () => {
    assert.equal(parse(["-m", "-1"]).opts.memory, "-1");
    assert.equal(parse(["--memory", "--x"]).opts.memory, "--x");
  });

  test("booleans take =true and =false, long and short; a [bool] flag alone is true and takes no argument", () => {
    assert.equal(parse(["--rm=false"]).opts.rm, false);
    assert.equal(parse(["-d=false"]).opts.detach, false);
    assert.equal(parse(["-d=true", "--rm"]).opts.detach, true);
    assert.equal(parse(["--no-prune=false"]).opts.prune, true);
    assert.equal(parse(["--no-prune"]).opts.prune, false);
    const human = parse(["-H", "busybox"]);
    assert.equal(human.opts.human, true);
    assert.deepEqual(human.args, ["busybox"], "-H's NoOptDefVal: busybox stays an argument");
    assert.equal(parse(["-H=false", "busybox"]).opts.human, false);
  });

  test("flags mix with arguments unless the command stops at its first argument", () => {
    assert.deepEqual(parse(["a", "-d", "b"]), { opts: { ...parse([]).opts, detach: true }, args: ["a", "b"] });
    assert.deepEqual(parse(["busybox", "-weird:tag"], false).args, ["busybox", "-weird:tag"]);
    assert.deepEqual(parse(["-d", "busybox", "sh", "-c", "--rm"], false), {
      opts: { ...parse([]).opts, detach: true },
      args: ["busybox", "sh", "-c", "--rm"],
    });
    assert.deepEqual(parse(["--", "-d"]).args, ["-d"], "-- ends the flags");
  });

  test("errors in pflag's words", () => {
    assert.equal(parseError(["-dZ"]), "unknown shorthand flag: 'Z' in -Z");
    assert.equal(parseError(["-Zd"]), "unknown shorthand flag: 'Z' in -Zd");
    assert.equal(parseError(["--frob=1"]), "unknown flag: --frob");
    assert.equal(parseError(["-m"]), "flag needs an argument: 'm' in -m");
    assert.equal(parseError(["-dm"]), "flag needs an argument: 'm' in -m");
    assert.equal(parseError(["--memory"]), "flag needs an argument: --memory");
    assert.equal(parseError(["---x"]), "bad flag syntax: ---x");
    assert.equal(parseError(["--=x"]), "bad flag syntax: --=x");
    assert.equal(
      parseError(["--rm=maybe"]),
      'invalid argument "maybe" for "--rm" flag: strconv.ParseBool: parsing "maybe": invalid syntax',
    );
    assert.equal(
      parseError(["-H=maybe"]),
      'invalid argument "maybe" for "-H, --human" flag: strconv.ParseBool: parsing "maybe": invalid syntax',
    );
    assert.equal(parseError(["-p", "80"]), "berth does not support the '-p, --publish' flag of 'berth t' yet");
    assert.equal(parseError(["--publish=80"]), "berth does not support the '-p, --publish' flag of 'berth t' yet");
  });
});

describe("the berth command line's words for what it cannot take", () => {
  const t = createTempRoot("berth-flags-");
  after(() => t.cleanup());
  const usage = (name: string, line: string) =>
    `\n\nUsage:  berth ${name}${line ? " " + line : ""}\n\nRun 'berth ${name} --help' for more information\n`;
  const RUN = "[OPTIONS] IMAGE [COMMAND] [ARG...]";
  const cases: [string[], number, string][] = [
    [["run", "--frobnicate", "busybox"], 125, "unknown flag: --frobnicate" + usage("run", RUN)],
    [["run", "-dZ", "busybox"], 125, "unknown shorthand flag: 'Z' in -Z" + usage("run", RUN)],
    [
      ["run", "--rm=maybe", "busybox"],
      125,
      'invalid argument "maybe" for "--rm" flag: strconv.ParseBool: parsing "maybe": invalid syntax' + usage("run", RUN),
    ],
    [["run", "-e", "", "busybox"], 125, 'invalid argument "" for "-e, --env" flag: invalid environment variable: ' + usage("run", RUN)],
    [
      ["run", "--env=A=1", "-e=", "busybox"],
      125,
      'invalid argument "=" for "-e, --env" flag: invalid environment variable: =' + usage("run", RUN),
    ],
    [
      ["create", "-e", "=x", "busybox"],
      125,
      'invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x' + usage("create", RUN),
    ],
    [
      ["exec", "-e", "", "c", "true"],
      125,
      'invalid argument "" for "-e, --env" flag: invalid environment variable: ' + usage("exec", "[OPTIONS] CONTAINER COMMAND [ARG...]"),
    ],
    [["ps", "-n"], 125, "flag needs an argument: 'n' in -n" + usage("ps", "[OPTIONS]")],
    [["ps", "--last"], 125, "flag needs an argument: --last" + usage("ps", "[OPTIONS]")],
    [["container", "ls", "--frob"], 125, "unknown flag: --frob" + usage("container ls", "[OPTIONS]")],
    [
      ["images", "--filter", "foo"],
      125,
      'invalid argument "foo" for "-f, --filter" flag: bad format of filter (expected name=value)' +
        usage("images", "[OPTIONS] [REPOSITORY[:TAG]]"),
    ],
    [
      ["history", "-H=maybe", "busybox"],
      125,
      'invalid argument "maybe" for "-H, --human" flag: strconv.ParseBool: parsing "maybe": invalid syntax' +
        usage("history", "[OPTIONS] IMAGE"),
    ],
    [["rm", "-fq", "x"], 125, "unknown shorthand flag: 'q' in -q" + usage("rm", "[OPTIONS] CONTAINER [CONTAINER...]")],
    [
      ["--frob", "ps"],
      125,
      "unknown flag: --frob\n\nUsage:  berth [OPTIONS] COMMAND [ARG...]\n\nRun 'berth --help' for more information\n",
    ],
    [
      ["--log-level"],
      125,
      "flag needs an argument: --log-level\n\nUsage:  berth [OPTIONS] COMMAND [ARG...]\n\nRun 'berth --help' for more information\n",
    ],
    [["image", "--frob"], 125, "unknown flag: --frob\n\nUsage:  berth image\n\nRun 'berth image --help' for more information\n"],
    [["frobnicate"], 1, "berth: unknown command: berth frobnicate\n\nRun 'berth --help' for more information\n"],
    [
      ["image", "frob"],
      1,
      "berth: unknown command: berth image frob\n\nUsage:  berth image\n\nRun 'berth image --help' for more information\n",
    ],
    [["checkpoint", "ls"], 1, "berth does not support 'berth checkpoint' yet\n"],
    [["swarm", "init"], 1, "berth does not support 'berth swarm' yet\n"],
    [["volume", "update", "v"], 1, "berth does not support 'berth volume update' yet\n"],
    [
      ["run", "--gpus", "foo", "busybox"],
      125,
      'invalid argument "foo" for "--gpus" flag: invalid count (foo): value must be either "all" or an integer: invalid syntax' +
        usage("run", RUN),
    ],
    [
      ["create", "--disable-content-trust=foo", "busybox"],
      125,
      'invalid argument "foo" for "--disable-content-trust" flag: strconv.ParseBool: parsing "foo": invalid syntax' + usage("create", RUN),
    ],
    [
      ["run", "-d", "--add-host=x", "busybox"],
      125,
      'invalid argument "x" for "--add-host" flag: bad format for add-host: "x"' + usage("run", RUN),
    ],
    [
      ["create", "--link", "a:b:c", "busybox"],
      125,
      'invalid argument "a:b:c" for "--link" flag: bad format for links: a:b:c' + usage("create", RUN),
    ],
    [
      ["container", "run", "--gpus", "all,count=2", "busybox"],
      125,
      'invalid argument "all,count=2" for "--gpus" flag: gpu request key \'count\' can be specified only once' +
        usage("container run", RUN),
    ],
  ];
  for (const [argv, code, stderr] of cases) {
    test(`berth ${argv.join(" ")}`, () => {
      const r = t.berth(argv);
      assert.equal(r.stderr, stderr);
      assert.equal(r.stdout, "");
      assert.equal(r.code, code);
    });
  }

  test("help still works: --help anywhere among the flags, and `help COMMAND`", () => {
    for (const argv of [
      ["run", "--help"],
      ["run", "-d", "--help", "busybox"],
      ["help", "run"],
      ["image", "ls", "--help"],
    ]) {
      const r = t.berth(argv);
      assert.equal(r.code, 0, argv.join(" "));
      assert.match(r.stdout, /^Usage: berth (run|image ls) /, argv.join(" "));
    }
  });
});
