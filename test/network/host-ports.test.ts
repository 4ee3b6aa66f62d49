// Expectations measured on dockerd 20.10.24 (docker run -d -p … one after another, then inspect's
// NetworkSettings.Ports and State.Error).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SystemError } from "../../src/errors.js";
import { bindHostPorts, type HostPortState } from "../../src/network/host-ports.js";
import { parseExposeFlags, parsePublishFlags } from "../../src/network/port-spec.js";

function bind(flags: string[], state: HostPortState, expose: string[] = []) {
  const { portBindings, exposedPorts } = parsePublishFlags(flags);
  return bindHostPorts({ portBindings, exposedPorts: { ...exposedPorts, ...parseExposeFlags(expose) } }, state);
}

function refusal(flags: string[], state: HostPortState): string {
  try {
    bind(flags, state);
  } catch (err) {
    assert.ok(err instanceof SystemError);
    return err.message;
  }
  assert.fail(`${flags.join(" ")} was bound`);
}

describe("bindHostPorts()", () => {
  it("bindHostPorts() shows 'every address' as 0.0.0.0 and :: and exposed-only ports as null (measured k2)", () => {
    const bound = bind(["90-91", "90/udp"], { reserved: [], lastEphemeral: { "0.0.0.0/tcp": 32770, "0.0.0.0/udp": 32768 } }, ["95"]);
    assert.deepEqual(bound.ports, {
      "90/tcp": [
        { HostIp: "0.0.0.0", HostPort: "32771" },
        { HostIp: "::", HostPort: "32771" },
      ],
      "90/udp": [
        { HostIp: "0.0.0.0", HostPort: "32769" },
        { HostIp: "::", HostPort: "32769" },
      ],
      "91/tcp": [
        { HostIp: "0.0.0.0", HostPort: "32772" },
        { HostIp: "::", HostPort: "32772" },
      ],
      "95/tcp": null,
    });
    assert.deepEqual(bound.published, [
      { hostIp: "", hostPort: 32771, containerPort: 90, protocol: "tcp" },
      { hostIp: "", hostPort: 32769, containerPort: 90, protocol: "udp" },
      { hostIp: "", hostPort: 32772, containerPort: 91, protocol: "tcp" },
    ]);
    assert.deepEqual(bound.lastEphemeral, { "0.0.0.0/tcp": 32772, "0.0.0.0/udp": 32769 });
  });

  it("bindHostPorts() goes on from the last ephemeral port, per address and protocol, not from the lowest free", () => {
    // e1 got 32768 and was removed; e2 had 32769; e3 then got 32770; e4 on 127.0.0.1 got 32768.
    const state: HostPortState = {
      reserved: [{ hostIp: "0.0.0.0", protocol: "tcp", hostPort: 32769 }],
      lastEphemeral: { "0.0.0.0/tcp": 32769, "0.0.0.0/udp": 32768 },
    };
    assert.equal(bind(["80"], state).reservations[0]!.hostPort, 32770);
    assert.equal(bind(["127.0.0.1::80"], state).reservations[0]!.hostPort, 32768);
    assert.equal(bind(["80"], { reserved: [] }).reservations[0]!.hostPort, 32768);
  });

  it("bindHostPorts() wraps round the ephemeral range and skips ports in use", () => {
    const state: HostPortState = {
      reserved: [{ hostIp: "0.0.0.0", protocol: "tcp", hostPort: 40000 }],
      lastEphemeral: { "0.0.0.0/tcp": 40001 },
      ephemeralRange: { start: 40000, end: 40001 },
    };
    assert.equal(bind(["80"], state).reservations[0]!.hostPort, 40001);
    assert.equal(refusal(["80", "81"], state), "all ports are allocated");
  });

  it("bindHostPorts() refuses a port another container holds, with dockerd's words (measured f2)", () => {
    const state: HostPortState = { reserved: [{ hostIp: "0.0.0.0", protocol: "tcp", hostPort: 18125 }] };
    assert.equal(refusal(["18125:80"], state), "Bind for 0.0.0.0:18125 failed: port is already allocated");
    // The allocator keys by address: dockerd's refusal of 127.0.0.1:18125 here came from binding
    // the socket (`listen tcp4 127.0.0.1:18125: bind: address already in use`), the engine's job.
    assert.equal(bind(["127.0.0.1:18125:80"], state).reservations[0]!.hostPort, 18125);
    assert.equal(bind(["18125:80/udp"], state).reservations[0]!.hostPort, 18125);
  });

  it("bindHostPorts() refuses one host port for two container ports (measured h1)", () => {
    assert.equal(refusal(["18200:80", "18200:81"], { reserved: [] }), "Bind for 0.0.0.0:18200 failed: port is already allocated");
  });

  it("bindHostPorts() takes the lowest free port of a host range, then runs out (measured g1, g2, g3, k1)", () => {
    const reserved: { hostIp: string; protocol: string; hostPort: number }[] = [];
    for (const expected of [8000, 8001]) {
      const bound = bind(["8000-8001:80"], { reserved });
      assert.equal(bound.reservations[0]!.hostPort, expected);
      reserved.push(...bound.reservations);
    }
    assert.equal(refusal(["8000-8001:80"], { reserved }), "all ports are allocated");
    assert.equal(
      refusal(["127.0.0.1:9100-9101:80", "127.0.0.1:9100-9101:81", "127.0.0.1:9100-9101:82"], { reserved: [] }),
      "all ports are allocated",
    );
  });

  it("bindHostPorts() keeps a specific address as given, for inspect and for netavark", () => {
    const bound = bind(["127.0.0.1:18125:80"], { reserved: [] });
    assert.deepEqual(bound.ports, { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "18125" }] });
    assert.deepEqual(bound.published, [{ hostIp: "127.0.0.1", hostPort: 18125, containerPort: 80, protocol: "tcp" }]);
  });
});
