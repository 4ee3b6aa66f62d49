// The API's pure pieces: listen addresses, the version prefix, query booleans and filters, JSON
// bodies, framing, and the textual forms Docker's clients parse.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseListenAddress, isLoopback } from "../../src/api/server.js";
import { Router } from "../../src/api/router.js";
import { boolValue, filterFlags, parseJsonBody } from "../../src/api/request-body.js";
import { frame } from "../../src/api/stream-frames.js";
import { formatLogTimestamp, parseUnixTime } from "../../src/api/formats.js";
import { statusFor } from "../../src/api/errors.js";
import { ConflictError, InvalidArgumentError, NotFoundError, NotImplementedError, SystemError } from "../../src/errors.js";

test("parseListenAddress() reads unix and tcp addresses as dockerd's -H does", () => {
  assert.deepEqual(parseListenAddress("unix:///run/berth/berth.sock"), { kind: "unix", path: "/run/berth/berth.sock" });
  assert.deepEqual(parseListenAddress("/tmp/x.sock"), { kind: "unix", path: "/tmp/x.sock" });
  assert.deepEqual(parseListenAddress("tcp://127.0.0.1:2375"), { kind: "tcp", host: "127.0.0.1", port: 2375 });
  assert.deepEqual(parseListenAddress("tcp://[::1]:2375"), { kind: "tcp", host: "::1", port: 2375 });
  assert.throws(() => parseListenAddress("tcp://127.0.0.1"), /invalid bind address format/);
  assert.throws(() => parseListenAddress("fd://"), /invalid bind address format/);
  assert.equal(isLoopback("127.0.0.1"), true);
  assert.equal(isLoopback("0.0.0.0"), false);
});

test("Router.match() strips the version prefix, matches image names greedily and says page not found", () => {
  const handler = async () => undefined;
  const router = new Router().add([
    { method: "GET", pattern: /^\/images\/json$/, handler },
    { method: "POST", pattern: /^\/images\/(.+)\/tag$/, handler },
    { method: "DELETE", pattern: /^\/images\/(.+)$/, handler },
  ]);
  const m = router.match("POST", "/v1.41/images/dapi-myuser/myfirstrepo:mytag/tag");
  assert.deepEqual([m.params, m.version], [["dapi-myuser/myfirstrepo:mytag"], 1041]);
  assert.deepEqual(router.match("DELETE", "/images/a%2Fb:c").params, ["a/b:c"]);
  assert.equal(router.match("GET", "/images/json").version, 1050);
  assert.throws(
    () => router.match("GET", "/v1.41/nothing"),
    (err: Error) => err instanceof NotFoundError && err.message === "page not found",
  );
  assert.throws(() => router.match("GET", "/v1.9/images/json"), /client version 1.9 is too old/);
});

test("boolValue() and filterFlags() read queries as dockerd does", () => {
  const q = new URLSearchParams(
    "a=1&b=True&c=0&d=no&e=&f=none&filters=" + encodeURIComponent('{"status":["exited"],"dangling":{"true":true}}'),
  );
  assert.deepEqual(
    ["a", "b", "c", "d", "e", "f", "missing"].map((k) => boolValue(q, k)),
    [true, true, false, false, false, false, false],
  );
  assert.deepEqual(filterFlags(q), ["status=exited", "dangling=true"]);
  assert.throws(() => filterFlags(new URLSearchParams("filters=%7Bbad")), InvalidArgumentError);
});

test("parseJsonBody() wants application/json and an object, and words failures as Go does", () => {
  assert.deepEqual(parseJsonBody(Buffer.from('{"A":1}'), "application/json; charset=utf-8", "x"), { A: 1 });
  assert.equal(parseJsonBody(Buffer.alloc(0), undefined, "x"), undefined);
  assert.throws(
    () => parseJsonBody(Buffer.from("{}"), "text/plain", "x"),
    /Content-Type specified \(text\/plain\) must be 'application\/json'/,
  );
  assert.throws(
    () => parseJsonBody(Buffer.from("[1]"), "application/json", "container.Config"),
    /json: cannot unmarshal array into Go value of type container.Config/,
  );
  assert.throws(() => parseJsonBody(Buffer.from("{x"), "application/json", "x"), /invalid character 'x' looking for beginning of value/);
});

test("frame() writes stdcopy's 8-byte header", () => {
  assert.deepEqual([...frame(2, Buffer.from("E1\n"))], [2, 0, 0, 0, 0, 0, 0, 3, 0x45, 0x31, 0x0a]);
});

test("formatLogTimestamp() and parseUnixTime() give Docker's forms", () => {
  assert.equal(formatLogTimestamp("2026-11-27T01:49:51.749556078Z"), "2026-11-27T01:49:51.749556078Z");
  assert.equal(formatLogTimestamp("2026-11-27T02:49:51.7495+01:00"), "2026-11-27T01:49:51.749500000Z");
  assert.equal(parseUnixTime("1700000000.123456789").toISOString(), "2023-11-14T22:13:20.123Z");
});

test("statusFor() maps error kinds to Docker's status codes", () => {
  assert.deepEqual(
    [
      new InvalidArgumentError("x"),
      new NotFoundError("x"),
      new ConflictError("x"),
      new NotImplementedError("x"),
      new SystemError("x"),
      new Error("x"),
    ].map(statusFor),
    [400, 404, 409, 501, 500, 500],
  );
});

test("create body: PortBindings, PublishAllPorts, NetworkMode and ExposedPorts reach the engine as sent", async () => {
  const { toCreateRequest } = await import("../../src/api/create-body.js");
  const req = toCreateRequest(
    {
      Image: "busybox",
      ExposedPorts: { "80/tcp": {}, "9000/udp": {} },
      HostConfig: {
        NetworkMode: "bridge",
        PublishAllPorts: true,
        PortBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "18125" }, { HostPort: "" }], "81/tcp": null },
      },
    },
    undefined,
  );
  assert.deepEqual(req.exposedPorts, ["80/tcp", "9000/udp"]);
  assert.equal(req.host.NetworkMode, "bridge");
  assert.equal(req.host.PublishAllPorts, true);
  assert.deepEqual(req.host.PortBindings, {
    "80/tcp": [
      { HostIp: "127.0.0.1", HostPort: "18125" },
      { HostIp: "", HostPort: "" },
    ],
    "81/tcp": [],
  });
  // A plain `docker run` sends "default", which inspect keeps.
  assert.equal(toCreateRequest({ Image: "busybox" }, undefined).host.NetworkMode, "default");
});
