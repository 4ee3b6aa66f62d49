// The COMMAND of `ps` and /containers/json's Command, as measured on Docker 20.10 with docker CLI 28:
// dockerd joins the words, quoting (in single quotes) only an argument with a space; docker ps
// cuts that to 20 characters and quotes it with strconv.Quote.
import { test } from "node:test";
import assert from "node:assert/strict";
import { commandLine, type ContainerSummary } from "../../src/engine/containers/container-summary.js";
import { containerRow } from "../../src/cli/format/container-row.js";

function summary(path: string, args: string[], extra: Partial<ContainerSummary> = {}): ContainerSummary {
  return {
    Id: "68623d175535".padEnd(64, "0"),
    Names: ["/c1"],
    Image: "busybox",
    ImageID: `sha256:${"1".repeat(64)}`,
    Command: commandLine(path, args),
    Created: 1_700_000_000,
    Ports: [],
    Labels: {},
    State: "created",
    Status: "Created",
    HostConfig: { NetworkMode: "none" },
    NetworkSettings: { Networks: { none: {} } },
    Mounts: [],
    ...extra,
  };
}

test("commandLine(): dockerd's Command — the path as is, an argument with a space in single quotes", () => {
  assert.equal(commandLine("sh", ["-c", "echo hi there; sleep 1"]), "sh -c 'echo hi there; sleep 1'");
  assert.equal(commandLine("/bin/sh", ["-c", "echo a b"]), "/bin/sh -c 'echo a b'");
  assert.equal(commandLine("true", []), "true");
  assert.equal(commandLine("/bin/a b", ["x\ty", "é", "a\x01"]), "/bin/a b x\ty é a\x01");
});

test("containerRow(): docker ps's COMMAND quotes the same Command, cut to 20 characters unless --no-trunc", () => {
  const c1 = summary("sh", ["-c", "echo hi there; sleep 1"]);
  assert.equal(containerRow(c1, { trunc: true }).Command, `"sh -c 'echo hi ther…"`);
  assert.equal(containerRow(c1, { trunc: false }).Command, `"sh -c 'echo hi there; sleep 1'"`);
  assert.equal(containerRow(summary("/bin/sh", ["-c", "echo a b"]), { trunc: true }).Command, `"/bin/sh -c 'echo a …"`);
  assert.equal(containerRow(summary("/bin/a b", ["x\ty", "é", "a\x01"]), { trunc: false }).Command, `"/bin/a b x\\ty é a\\x01"`);
});

test("containerRow(): the other columns come from the summary as docker's ContainerContext makes them", () => {
  const c = summary("true", [], {
    Ports: [{ IP: "0.0.0.0", PrivatePort: 443, PublicPort: 8443, Type: "tcp" }],
    Mounts: [
      { Type: "volume", Name: "a-rather-long-volume-name", Source: "/v", Destination: "/d", Mode: "", RW: true, Propagation: "" },
      { Type: "bind", Source: "/srv", Destination: "/srv", Mode: "", RW: false, Propagation: "rprivate" },
    ],
    SizeRw: 2,
    SizeRootFs: 1_980_000,
  });
  const row = containerRow(c, { trunc: true, now: 1_700_000_005_000 });
  assert.equal(row.ID, "68623d175535");
  assert.equal(row.Names, "c1");
  assert.equal(row.Ports, "0.0.0.0:8443->443/tcp");
  assert.equal(containerRow(summary("true", [], { Ports: [{ PrivatePort: 80, Type: "tcp" }] }), { trunc: true }).Ports, "80/tcp");
  assert.equal(containerRow(summary("true", []), { trunc: true }).Ports, "");
  assert.equal(row.Mounts, "a-rather-long-…,/srv");
  assert.equal(row.LocalVolumes, "1");
  assert.equal(row.Networks, "none");
  assert.equal(row.Size, "2B (virtual 1.98MB)");
  assert.equal(row.CreatedAt, "2023-11-14 22:13:20 +0000 UTC");
  assert.equal(row.RunningFor, "5 seconds ago");
  assert.equal(containerRow(summary("true", [], { SizeRw: 0, SizeRootFs: 0 }), { trunc: true }).Size, "0B");
});
