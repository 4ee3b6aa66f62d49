// Log driver options, checked with dockerd 20.10's messages (measured: `docker run --log-opt ...`).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { checkLogConfig, fromHumanSize, logLimits } from "../../src/engine/containers/log-config.js";
import { conmonLogSizeMax, monitorRotates } from "../../src/engine/containers/log-rotation.js";

function refusal(type: string, config: Record<string, string>): string {
  try {
    checkLogConfig({ Type: type, Config: config });
  } catch (err) {
    return (err as Error).message;
  }
  return "accepted";
}

const INIT = "failed to initialize logging driver: ";

describe("log drivers", () => {
  test("fromHumanSize() is go-units' decimal size parser", () => {
    assert.equal(fromHumanSize("1k"), 1000);
    assert.equal(fromHumanSize("1K"), 1000);
    assert.equal(fromHumanSize("1kb"), 1000);
    assert.equal(fromHumanSize("1kib"), 1000);
    assert.equal(fromHumanSize("1 k"), 1000);
    assert.equal(fromHumanSize("1.5k"), 1500);
    assert.equal(fromHumanSize("10m"), 10_000_000);
    assert.equal(fromHumanSize("1g"), 1_000_000_000);
    assert.equal(fromHumanSize("100"), 100);
    assert.equal(fromHumanSize("0.5"), 0);
    assert.throws(() => fromHumanSize(" 1k"), { message: "invalid size: ' 1k'" });
    assert.throws(() => fromHumanSize("1e3"), { message: "invalid size: '1e3'" });
    assert.throws(() => fromHumanSize("1.5.5k"), { message: 'strconv.ParseFloat: parsing "1.5.5": invalid syntax' });
  });

  test("json-file: dockerd's option errors, in its order", () => {
    assert.equal(refusal("json-file", { foo: "bar" }), "unknown log opt 'foo' for json-file log driver");
    assert.equal(refusal("json-file", { "max-size": "abc" }), `${INIT}invalid size: 'abc'`);
    assert.equal(refusal("json-file", { "max-size": "-1" }), `${INIT}invalid size: '-1'`);
    assert.equal(refusal("json-file", { "max-size": "0" }), `${INIT}max-size must be a positive number`);
    assert.equal(refusal("json-file", { "max-size": "0.5" }), `${INIT}max-size must be a positive number`);
    assert.equal(refusal("json-file", { "max-file": "0" }), `${INIT}max-file cannot be less than 1`);
    assert.equal(refusal("json-file", { "max-size": "1k", "max-file": "-1" }), `${INIT}max-file cannot be less than 1`);
    assert.equal(refusal("json-file", { "max-file": "abc" }), `${INIT}strconv.Atoi: parsing "abc": invalid syntax`);
    assert.equal(refusal("json-file", { "max-file": "1.5", "max-size": "1m" }), `${INIT}strconv.Atoi: parsing "1.5": invalid syntax`);
    assert.equal(refusal("json-file", { compress: "yes" }), `${INIT}strconv.ParseBool: parsing "yes": invalid syntax`);
    const compressAlone = `${INIT}compress cannot be true when max-file is less than 2 or max-size is not set`;
    assert.equal(refusal("json-file", { compress: "true" }), compressAlone);
    assert.equal(refusal("json-file", { compress: "T", "max-size": "1k", "max-file": "1" }), compressAlone);
    assert.equal(refusal("json-file", { compress: "1", "max-size": "1k", "max-file": "2" }), "accepted");
    assert.equal(refusal("json-file", { "max-file": "3" }), "accepted");
    assert.equal(refusal("json-file", { tag: "{{.ID" }), `${INIT}template: log-tag:1: unclosed action`);
  });

  test("local: its own options, defaults and messages", () => {
    assert.equal(refusal("local", { tag: "x" }), "unknown log opt 'tag' for log driver local");
    assert.equal(refusal("local", { "max-size": "abc" }), `${INIT}invalid value for max-size: abc: invalid size: 'abc'`);
    assert.equal(
      refusal("local", { "max-file": "abc" }),
      `${INIT}invalid value for max-file: abc: strconv.Atoi: parsing "abc": invalid syntax`,
    );
    assert.equal(refusal("local", { "max-file": "-1", compress: "false" }), `${INIT}max file count cannot be less than 0`);
    assert.equal(refusal("local", { "max-file": "1" }), `${INIT}compression cannot be enabled when max file count is 1`);
    assert.equal(
      refusal("local", { compress: "yes" }),
      `${INIT}error reading compress log option: strconv.ParseBool: parsing "yes": invalid syntax`,
    );
    assert.equal(refusal("local", { "max-size": "0" }), "accepted");
    assert.deepEqual(logLimits({ Type: "local", Config: {} }), { maxSize: 20 * 1024 * 1024, maxFile: 5, compress: true });
    // inspect shows only what the user gave.
    assert.deepEqual(checkLogConfig({ Type: "local" }), { Type: "local", Config: {} });
  });

  test("k8s-file takes max-size; none takes anything; other drivers are named", () => {
    assert.equal(refusal("k8s-file", { "max-file": "2" }), "unknown log opt 'max-file' for k8s-file log driver");
    assert.deepEqual(logLimits({ Type: "k8s-file", Config: { "max-size": "2k" } }), { maxSize: 2000, maxFile: 1, compress: false });
    assert.deepEqual(checkLogConfig({ Type: "none", Config: { foo: "1" } }), { Type: "none", Config: { foo: "1" } });
    assert.equal(refusal("syslog", {}), "berth does not implement the syslog log driver: use json-file, local, k8s-file or none");
    assert.equal(refusal("foo", {}), 'error looking up logging plugin foo: plugin "foo" not found');
    assert.deepEqual(checkLogConfig(undefined), { Type: "json-file", Config: {} });
  });

  test("rotation: conmon truncates one file; the monitor rotates several, conmon's limit a backstop", () => {
    const one = { Type: "json-file", Config: { "max-size": "1k" } };
    assert.equal(conmonLogSizeMax(one), 1000);
    assert.equal(monitorRotates(one), false);
    const three = { Type: "json-file", Config: { "max-size": "1k", "max-file": "3" } };
    assert.equal(conmonLogSizeMax(three), 3000);
    assert.equal(monitorRotates(three), true);
    // Without max-size dockerd never rotates, whatever max-file says.
    assert.equal(monitorRotates({ Type: "json-file", Config: { "max-file": "3" } }), false);
    assert.equal(conmonLogSizeMax({ Type: "json-file", Config: {} }), undefined);
    assert.equal(monitorRotates({ Type: "local", Config: {} }), true);
    assert.equal(conmonLogSizeMax({ Type: "none", Config: {} }), undefined);
  });
});
