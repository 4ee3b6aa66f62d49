// `logs --details` attributes and log tags, against what dockerd 20.10 printed (measured).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { checkLogAttributes, formatLogDetails, logAttributes, queryEscape } from "../../src/engine/containers/log-attributes.js";
import type { ContainerSpec } from "../../src/store/container-store.js";

const ID = "76ebeb2764561cd375d45c50f7d8d4580db578a613f0e7ab44c024618e21c4d1";
const IMAGE = "sha256:0d2b31f97e83933ecfd1869f1628350850ddd1234c20be635634b7e603a80546";

function spec(labels: Record<string, string>, env: string[]): ContainerSpec {
  return {
    id: ID,
    name: "d7",
    imageId: IMAGE,
    image: "busybox",
    config: { Labels: labels, Env: env, Hostname: "vm" },
  } as unknown as ContainerSpec;
}

describe("log attributes", () => {
  test("details: sorted by key, query-escaped, joined by commas (measured)", () => {
    const attrs = logAttributes(spec({ zb: "2", a: "1", "com.x": "3" }, ["FOO=bar", "ABC=q"]), {
      labels: "zb,a,missing",
      env: "FOO,ABC",
      tag: "{{.Name}}/{{.ID}}/{{.ImageName}}",
    });
    assert.equal(formatLogDetails(attrs), "ABC=q,FOO=bar,a=1,tag=d7%2F76ebeb276456%2Fbusybox,zb=2");
    assert.equal(formatLogDetails(logAttributes(spec({ k: "a,b", j: "a b", q: "x=y" }, []), { labels: "k,j,q" })), "j=a+b,k=a%2Cb,q=x%3Dy");
    assert.equal(
      formatLogDetails(logAttributes(spec({ k: "v", l: "w" }, ["E=1", "F=2"]), { "labels-regex": "^k", "env-regex": "^E" })),
      "E=1,k=v",
    );
    assert.equal(formatLogDetails(logAttributes(spec({ k: "v" }, []), {})), "");
  });

  test("tags: logger.Info's fields, dockerd's odd ImageID included; an empty tag adds none", () => {
    const tag = "{{.ImageID}}|{{.ImageFullID}}|{{.DaemonName}}|{{.FullID}}|{{.Name}}|{{.ImageName}}";
    assert.equal(logAttributes(spec({}, []), { tag }).tag, `sha256:0d2b3|${IMAGE}|docker|${ID}|d7|busybox`);
    assert.equal(logAttributes(spec({}, []), { tag: "{{ .ContainerName }}|{{.Hostname}}" }).tag, "/d7|vm");
    assert.deepEqual(logAttributes(spec({}, []), { tag: "" }), {});
  });

  test("checkLogAttributes() refuses what dockerd refuses at start", () => {
    assert.throws(() => checkLogAttributes(spec({}, []), { tag: "{{.Nope}}" }, "P: "), {
      message: 'P: template: log-tag:1:2: executing "log-tag" at <.Nope>: can\'t evaluate field Nope in type *logger.Info',
    });
    assert.throws(() => checkLogAttributes(spec({}, []), { tag: "{{.ID" }, "P: "), { message: "P: template: log-tag:1: unclosed action" });
    assert.throws(() => checkLogAttributes(spec({}, []), { tag: "{{upper .Name}}" }, "P: "), /berth's log tag takes only fields/);
    assert.throws(() => checkLogAttributes(spec({}, []), { "labels-regex": "(" }, "P: "), { message: /^P: error parsing regexp: / });
  });

  test("queryEscape() is Go's url.QueryEscape", () => {
    assert.equal(queryEscape("a b/c:d,e=f~g-h_i.j!é"), "a+b%2Fc%3Ad%2Ce%3Df~g-h_i.j%21%C3%A9");
  });
});
