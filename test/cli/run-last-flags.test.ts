// The last run/create flags (issue 13): --gpus parsed as docker CLI 28's opts/gpus.go (its words,
// Go's encoding/csv errors included), --link-local-ip checked as dockerd 20.10 checks it at start,
// and run/create --help listing exactly docker CLI 28's flags. Words measured on CLI 28.2.2 and
// dockerd 20.10.24.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { parseGpuRequest, readCsvRecord } from "../../src/cli/gpus-flag.js";
import { checkLinkLocalIps } from "../../src/network/link-local.js";
import { selectDeviceDrivers } from "../../src/engine/containers/device-requests.js";
import { unsupportedFlagsOf } from "../../src/cli/unsupported.js";
import { networkFlags } from "../../src/engine/network/network-flags.js";
import { checkBuildContentTrust, checkContentTrust } from "../../src/cli/content-trust.js";
import { BERTH } from "../helpers/temp-root.js";

test("parseGpuRequest() gives the DeviceRequests dockerd 20.10 showed in inspect", () => {
  const gpu = [["gpu"]];
  assert.deepEqual(parseGpuRequest("all"), { Driver: "", Count: -1, DeviceIDs: null, Capabilities: gpu, Options: {} });
  assert.deepEqual(parseGpuRequest("2"), { Driver: "", Count: 2, DeviceIDs: null, Capabilities: gpu, Options: {} });
  assert.deepEqual(parseGpuRequest("count=all,capabilities=a"), {
    Driver: "",
    Count: -1,
    DeviceIDs: null,
    Capabilities: [["a", "gpu"]],
    Options: {},
  });
  // Unquoted, "device=0,1" is two fields: device 0, and a count of 1.
  assert.deepEqual(parseGpuRequest('"capabilities=compute,utility",device=0,1,driver=nvidia,options=a=b'), {
    Driver: "nvidia",
    Count: 1,
    DeviceIDs: ["0"],
    Capabilities: [["compute", "utility", "gpu"]],
    Options: { a: "b" },
  });
  assert.deepEqual(parseGpuRequest('"device=0,1"'), { Driver: "", Count: 0, DeviceIDs: ["0", "1"], Capabilities: gpu, Options: {} });
  assert.deepEqual(parseGpuRequest('"options=a=b,c=d"').Options, { a: "b", c: "d" });
  assert.equal(parseGpuRequest("count=-3").Count, -3);
});

test("parseGpuRequest() refuses with docker CLI 28's words", () => {
  const refused: [string, string][] = [
    ["foo", 'invalid count (foo): value must be either "all" or an integer: invalid syntax'],
    ["count=x", 'invalid count (x): value must be either "all" or an integer: invalid syntax'],
    ["all,count=2", "gpu request key 'count' can be specified only once"],
    ["", "EOF"],
    ["foo=bar", "unexpected key 'foo' in 'foo=bar'"],
    ['a"b', 'parse error on line 1, column 2: bare " in non-quoted-field'],
    ['count=1,"a', 'parse error on line 1, column 11: extraneous or missing " in quoted-field'],
    ['"count=2"x', 'parse error on line 1, column 9: extraneous or missing " in quoted-field'],
    ['options="a=b,c=d"', 'parse error on line 1, column 9: bare " in non-quoted-field'],
  ];
  for (const [value, message] of refused) assert.throws(() => parseGpuRequest(value), { message }, value);
});

test("readCsvRecord() reads one line as Go's encoding/csv does", () => {
  assert.deepEqual(readCsvRecord("a,b"), ["a", "b"]);
  assert.deepEqual(readCsvRecord('"a,b",c'), ["a,b", "c"]);
  assert.deepEqual(readCsvRecord('"say ""hi"""'), ['say "hi"']);
  assert.deepEqual(readCsvRecord("a,"), ["a", ""]);
});

test("selectDeviceDrivers() fails the first request with dockerd's words (no device driver here)", () => {
  assert.doesNotThrow(() => selectDeviceDrivers([]));
  assert.throws(() => selectDeviceDrivers([parseGpuRequest("all")]), {
    message: 'could not select device driver "" with capabilities: [[gpu]]',
  });
  assert.throws(() => selectDeviceDrivers([parseGpuRequest('"capabilities=compute,utility",driver=nvidia')]), {
    message: 'could not select device driver "nvidia" with capabilities: [[compute utility gpu]]',
  });
  assert.throws(() => selectDeviceDrivers([{ Driver: "x", Count: 0, DeviceIDs: null, Capabilities: null, Options: null }]), {
    message: 'could not select device driver "x" with capabilities: []',
  });
});

test("checkLinkLocalIps() checks as dockerd 20.10 does at start: parse all, then link-local each", () => {
  assert.deepEqual(
    checkLinkLocalIps(["169.254.10.10", "169.254.0.0", "fe80::10"]).map((ip) => ip.family),
    [4, 4, 6],
  );
  assert.throws(() => checkLinkLocalIps(["foo"]), { message: "Invalid link-local IP address: [foo]" });
  assert.throws(() => checkLinkLocalIps(["169.254.1.1", "bar", "foo"]), {
    message: "Invalid link-local IP address: [169.254.1.1 bar foo]",
  });
  assert.throws(() => checkLinkLocalIps(["169.254.10.10/16"]), { message: "Invalid link-local IP address: [169.254.10.10/16]" });
  assert.throws(() => checkLinkLocalIps(["fe80::1%eth0"]), { message: "Invalid link-local IP address: [fe80::1%eth0]" });
  assert.throws(() => checkLinkLocalIps(["10.1.2.3", "10.1.2.4"]), { message: "invalid link local IP address: 10.1.2.3" });
  assert.throws(() => checkLinkLocalIps(["fec0::1"]), { message: "invalid link local IP address: fec0::1" });
});

test("networkFlags() puts --link-local-ip on the first network, as CLI 28's EndpointSettings", () => {
  assert.deepEqual(networkFlags([], { aliases: [], linkLocalIps: ["169.254.1.1"] }).endpoints, {
    default: { IPAMConfig: { LinkLocalIPs: ["169.254.1.1"] } },
  });
  assert.deepEqual(networkFlags(["name=n1,link-local-ip=169.254.1.2"], { aliases: [] }).endpoints, {
    n1: { IPAMConfig: { LinkLocalIPs: ["169.254.1.2"] } },
  });
  assert.throws(() => networkFlags(["name=n1,link-local-ip=169.254.1.2"], { aliases: [], linkLocalIps: ["169.254.1.1"] }), {
    message: "conflicting options: cannot specify both --link-local-ip and per-network link-local IP addresses",
  });
});

test("checkContentTrust() refuses verification (no Notary client) and lets digests and disabled trust through", () => {
  const refusal = /content trust needs a Notary server .* berth has no Notary client/;
  assert.doesNotThrow(() => checkContentTrust("busybox", {}, {}));
  assert.doesNotThrow(() => checkContentTrust("busybox", { disableContentTrust: true }, {}));
  assert.throws(() => checkContentTrust("busybox", { disableContentTrust: false }, {}), refusal);
  assert.throws(() => checkContentTrust("busybox", {}, { DOCKER_CONTENT_TRUST: "1" }), refusal);
  assert.throws(() => checkContentTrust("busybox", {}, { DOCKER_CONTENT_TRUST: "yes" }), refusal, "ParseBool's error turns it on too");
  assert.doesNotThrow(() => checkContentTrust("busybox", {}, { DOCKER_CONTENT_TRUST: "0" }));
  assert.doesNotThrow(() => checkContentTrust("busybox", { disableContentTrust: true }, { DOCKER_CONTENT_TRUST: "1" }));
  assert.doesNotThrow(() => checkContentTrust(`busybox@sha256:${"a".repeat(64)}`, {}, { DOCKER_CONTENT_TRUST: "1" }));
});

test("checkBuildContentTrust(): every FROM image but scratch, as the docker CLI resolves them through Notary", () => {
  const trust = { DOCKER_CONTENT_TRUST: "1" };
  const refusal = /content trust needs a Notary server/;
  assert.doesNotThrow(() => checkBuildContentTrust("FROM busybox\nRUN true\n", {}, {}));
  assert.doesNotThrow(() => checkBuildContentTrust("FROM busybox\n", { disableContentTrust: true }, trust));
  assert.throws(() => checkBuildContentTrust("FROM busybox\n", { disableContentTrust: false }, {}), refusal);
  assert.throws(() => checkBuildContentTrust("# c\n  from --platform=linux/amd64 busybox AS b\n", {}, trust), refusal);
  assert.doesNotThrow(() => checkBuildContentTrust(`FROM scratch\nFROM busybox@sha256:${"a".repeat(64)}\nRUN x\n`, {}, trust));
});

/** `docker run --help` of CLI 28.2.2, its flag names (hidden aliases such as --net are not listed). */
const DOCKER_RUN_FLAGS =
  "add-host annotation attach blkio-weight blkio-weight-device cap-add cap-drop cgroup-parent cgroupns cidfile cpu-count " +
  "cpu-percent cpu-period cpu-quota cpu-rt-period cpu-rt-runtime cpu-shares cpus cpuset-cpus cpuset-mems detach detach-keys " +
  "device device-cgroup-rule device-read-bps device-read-iops device-write-bps device-write-iops disable-content-trust dns " +
  "dns-option dns-search domainname entrypoint env env-file expose gpus group-add health-cmd health-interval health-retries " +
  "health-start-interval health-start-period health-timeout help hostname init interactive io-maxbandwidth io-maxiops ip ip6 " +
  "ipc isolation kernel-memory label label-file link link-local-ip log-driver log-opt mac-address memory memory-reservation " +
  "memory-swap memory-swappiness mount name network network-alias no-healthcheck oom-kill-disable oom-score-adj pid " +
  "pids-limit platform privileged publish publish-all pull quiet read-only restart rm runtime security-opt shm-size sig-proxy " +
  "stop-signal stop-timeout storage-opt sysctl tmpfs tty ulimit use-api-socket user userns uts volume volume-driver " +
  "volumes-from workdir";
/** `docker create --help`: run's less the flags of a foreground run. */
const CREATE_ONLY_LESS = ["detach", "detach-keys", "sig-proxy"];

function helpFlags(command: string): string[] {
  const r = spawnSync(process.execPath, [BERTH, command, "--help"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return [...r.stdout.matchAll(/^\s+(?:-\w, )?--([a-z0-9-]+)/gm)].map((m) => m[1]!).sort();
}

for (const command of ["run", "create"]) {
  test(`${command} --help lists docker CLI 28's flags, less those berth names as unsupported`, () => {
    const docker = DOCKER_RUN_FLAGS.split(" ").filter((f) => command === "run" || !CREATE_ONLY_LESS.includes(f));
    assert.equal(DOCKER_RUN_FLAGS.split(" ").length, 104);
    const unsupported = unsupportedFlagsOf(["container", command]).map((f) => f.long);
    const listed = helpFlags(command);
    assert.deepEqual(
      listed.filter((f) => unsupported.includes(f)),
      [],
      "a flag berth has is still called unsupported",
    );
    assert.deepEqual([...listed, ...unsupported].sort(), [...docker].sort());
  });
}
