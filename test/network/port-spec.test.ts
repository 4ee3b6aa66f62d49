// Expectations measured with docker CLI 28.2.2 against dockerd 20.10.24: `docker create -p SPEC`
// printed `docker: MESSAGE` (exit 125) or created a container whose HostConfig.PortBindings and
// Config.ExposedPorts are written here; `docker ps` and `docker port` outputs are copied verbatim.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError, NotFoundError } from "../../src/errors.js";
import {
  formatPortLines,
  formatPortsColumn,
  naturalCompare,
  parseExposeFlags,
  parsePublishFlags,
  summarizePorts,
  type PortMap,
} from "../../src/network/port-spec.js";

function publishError(spec: string): string {
  try {
    parsePublishFlags([spec]);
  } catch (err) {
    assert.ok(err instanceof InvalidArgumentError, `${spec}: ${String(err)}`);
    return err.message;
  }
  assert.fail(`-p ${JSON.stringify(spec)} was accepted`);
}

describe("parsePublishFlags()", () => {
  const accepted: [string, Record<string, { HostIp: string; HostPort: string }[]>][] = [
    ["8080:80/tcp/x", { "80/tcp": [{ HostIp: "", HostPort: "8080" }] }],
    ["8000-8010:80", { "80/tcp": [{ HostIp: "", HostPort: "8000-8010" }] }],
    [
      "8000-8001:80-81",
      {
        "80/tcp": [{ HostIp: "", HostPort: "8000" }],
        "81/tcp": [{ HostIp: "", HostPort: "8001" }],
      },
    ],
    ["80-81:8080", { "8080/tcp": [{ HostIp: "", HostPort: "80-81" }] }],
    ["0:80", { "80/tcp": [{ HostIp: "", HostPort: "0" }] }],
    ["8080:0", { "0/tcp": [{ HostIp: "", HostPort: "8080" }] }],
    ["1.2.3.4:80:80", { "80/tcp": [{ HostIp: "1.2.3.4", HostPort: "80" }] }],
    ["1.2.3.4::80", { "80/tcp": [{ HostIp: "1.2.3.4", HostPort: "" }] }],
    ["::1:80:80", { "80/tcp": [{ HostIp: "::1", HostPort: "80" }] }],
    ["[::1]:80:80", { "80/tcp": [{ HostIp: "::1", HostPort: "80" }] }],
    ["[::1]::80", { "80/tcp": [{ HostIp: "::1", HostPort: "" }] }],
    ["[1.2.3.4]:80:80", { "80/tcp": [{ HostIp: "1.2.3.4", HostPort: "80" }] }],
    ["10.0.0.1:8080-8081:80", { "80/tcp": [{ HostIp: "10.0.0.1", HostPort: "8080-8081" }] }],
    ["80/TCP", { "80/tcp": [{ HostIp: "", HostPort: "" }] }],
    ["8080:80/UDP", { "80/udp": [{ HostIp: "", HostPort: "8080" }] }],
    ["8080:80/sctp", { "80/sctp": [{ HostIp: "", HostPort: "8080" }] }],
    ["8080:80/", { "80/tcp": [{ HostIp: "", HostPort: "8080" }] }],
    ["080:0080", { "80/tcp": [{ HostIp: "", HostPort: "80" }] }],
    [":80", { "80/tcp": [{ HostIp: "", HostPort: "" }] }],
    ["80-80:80", { "80/tcp": [{ HostIp: "", HostPort: "80" }] }],
    ["65535:65535", { "65535/tcp": [{ HostIp: "", HostPort: "65535" }] }],
    ["80-81-82", { "80/tcp": [{ HostIp: "", HostPort: "" }], "81/tcp": [{ HostIp: "", HostPort: "" }] }],
    [
      "8080-8081-8082:80-81",
      {
        "80/tcp": [{ HostIp: "", HostPort: "8080" }],
        "81/tcp": [{ HostIp: "", HostPort: "8081" }],
      },
    ],
    ["target=80,published=8080", { "80/tcp": [{ HostIp: "", HostPort: "8080" }] }],
    ["target=80,published=8080,protocol=udp,mode=host", { "80/udp": [{ HostIp: "", HostPort: "8080" }] }],
    ["target=80", { "80/tcp": [{ HostIp: "", HostPort: "" }] }],
    // docker CLI 28 drops host_ip of the long syntax: the binding is on every address.
    ["target=80,host_ip=127.0.0.1,published=9090", { "80/tcp": [{ HostIp: "", HostPort: "9090" }] }],
  ];
  for (const [spec, bindings] of accepted) {
    it(`parsePublishFlags() maps -p ${spec} as Docker does`, () => {
      const { portBindings, exposedPorts } = parsePublishFlags([spec]);
      assert.deepEqual(portBindings, bindings);
      assert.deepEqual(exposedPorts, Object.fromEntries(Object.keys(bindings).map((k) => [k, {}])));
    });
  }

  const refused: [string, string][] = [
    ["", "no port specified: <empty>"],
    ["abc", "invalid containerPort: abc"],
    ["80:", "no port specified: 80:<empty>"],
    ["/tcp", "no port specified: /tcp<empty>"],
    ["8080:80/foo", "invalid proto: foo"],
    ["8000-8010:80-85", "invalid ranges specified for container and host Ports: 80-85 and 8000-8010"],
    ["99999:80", "invalid hostPort: 99999"],
    ["65536:80", "invalid hostPort: 65536"],
    ["80:99999", "invalid containerPort: 99999"],
    ["1.2.3:80:80", "invalid IP address: 1.2.3"],
    ["80-70:80", "invalid hostPort: 80-70"],
    ["a:b:c:d", "invalid IP address: a:b"],
    ["8080-:80", "invalid hostPort: 8080-"],
    ["-1:80", "invalid hostPort: -1"],
    ["8080:80-", "invalid containerPort: 80-"],
    ["localhost:80:80", "invalid IP address: localhost"],
    ["[::1]:80", "invalid IP address [:: address [::: missing ']' in address"],
    ["80:80:80", "invalid IP address: 80"],
    [" 80", "invalid containerPort:  80"],
    ["+80", "invalid containerPort: +80"],
    ["fe80::1%eth0:80:80", "invalid IP address: fe80::1%eth0"],
    ["published=8080", "no port specified: 8080:/tcp<empty>"],
    ["target=80,bogus", "invalid publish opts format (should be name=value but got 'bogus')"],
  ];
  for (const [spec, message] of refused) {
    it(`parsePublishFlags() refuses -p ${JSON.stringify(spec)} with Docker's message`, () => {
      assert.equal(publishError(spec), message);
    });
  }

  it("parsePublishFlags() keeps every binding of one port, in flag order", () => {
    const { portBindings } = parsePublishFlags(["127.0.0.1:8080:80", "8081:80", "80/udp"]);
    assert.deepEqual(portBindings, {
      "80/tcp": [
        { HostIp: "127.0.0.1", HostPort: "8080" },
        { HostIp: "", HostPort: "8081" },
      ],
      "80/udp": [{ HostIp: "", HostPort: "" }],
    });
  });
});

describe("parseExposeFlags()", () => {
  const accepted: [string, string[]][] = [
    ["80", ["80/tcp"]],
    ["80/udp", ["80/udp"]],
    ["80-82", ["80/tcp", "81/tcp", "82/tcp"]],
    ["80-82/udp", ["80/udp", "81/udp", "82/udp"]],
    ["80/foo", ["80/foo"]],
    ["0", ["0/tcp"]],
    ["080", ["80/tcp"]],
    ["80/UDP", ["80/UDP"]],
    ["80-81-82", ["80/tcp", "81/tcp"]],
    ["80/", ["80/tcp"]],
  ];
  for (const [spec, ports] of accepted) {
    it(`parseExposeFlags() maps --expose ${spec} as Docker does`, () => {
      assert.deepEqual(Object.keys(parseExposeFlags([spec])), ports);
    });
  }
  const refused: [string, string][] = [
    ["80:80", "invalid port format for --expose: 80:80"],
    ["abc", 'invalid range format for --expose: abc, error: strconv.ParseUint: parsing "abc": invalid syntax'],
    ["82-80", "invalid range format for --expose: 82-80, error: invalid range specified for port: 82-80"],
    ["", "invalid range format for --expose: , error: empty string specified for ports"],
    ["/tcp", "invalid range format for --expose: /tcp, error: empty string specified for ports"],
    ["99999", 'invalid range format for --expose: 99999, error: strconv.ParseUint: parsing "99999": value out of range'],
    ["80-", 'invalid range format for --expose: 80-, error: strconv.ParseUint: parsing "": invalid syntax'],
    ["-80", 'invalid range format for --expose: -80, error: strconv.ParseUint: parsing "": invalid syntax'],
    ["80-abc", 'invalid range format for --expose: 80-abc, error: strconv.ParseUint: parsing "abc": invalid syntax'],
    ["1-99999", 'invalid range format for --expose: 1-99999, error: strconv.ParseUint: parsing "99999": value out of range'],
    [" 80", 'invalid range format for --expose:  80, error: strconv.ParseUint: parsing " 80": invalid syntax'],
    ["+80", 'invalid range format for --expose: +80, error: strconv.ParseUint: parsing "+80": invalid syntax'],
  ];
  for (const [spec, message] of refused) {
    it(`parseExposeFlags() refuses --expose ${JSON.stringify(spec)} with Docker's message`, () => {
      assert.throws(
        () => parseExposeFlags([spec]),
        (err: unknown) => err instanceof InvalidArgumentError && err.message === message,
      );
    });
  }
});

// Container p1: -p 127.0.0.1:18125:80 -p 18126:80/udp -p 8000-8002:90-92 -p 9000:9000 -p 9001:9001
// -p 7000:7000/udp --expose 5000-5001 --expose 6000, as dockerd 20.10 reported NetworkSettings.Ports.
const P1: PortMap = {
  "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "18125" }],
  "80/udp": [
    { HostIp: "0.0.0.0", HostPort: "18126" },
    { HostIp: "::", HostPort: "18126" },
  ],
  "90/tcp": [
    { HostIp: "0.0.0.0", HostPort: "8000" },
    { HostIp: "::", HostPort: "8000" },
  ],
  "91/tcp": [
    { HostIp: "0.0.0.0", HostPort: "8001" },
    { HostIp: "::", HostPort: "8001" },
  ],
  "92/tcp": [
    { HostIp: "0.0.0.0", HostPort: "8002" },
    { HostIp: "::", HostPort: "8002" },
  ],
  "5000/tcp": null,
  "5001/tcp": null,
  "6000/tcp": null,
  "7000/udp": [
    { HostIp: "0.0.0.0", HostPort: "7000" },
    { HostIp: "::", HostPort: "7000" },
  ],
  "9000/tcp": [
    { HostIp: "0.0.0.0", HostPort: "9000" },
    { HostIp: "::", HostPort: "9000" },
  ],
  "9001/tcp": [
    { HostIp: "0.0.0.0", HostPort: "9001" },
    { HostIp: "::", HostPort: "9001" },
  ],
};

// Container p2: -p 127.0.0.10:1000:1000 -p 127.0.0.9:1000:1000 -p 127.0.0.1::3000 -p 3001
// -p 127.0.0.1:4000-4001:4000-4001/udp.
const P2: PortMap = {
  "1000/tcp": [
    { HostIp: "127.0.0.9", HostPort: "1000" },
    { HostIp: "127.0.0.10", HostPort: "1000" },
  ],
  "3000/tcp": [{ HostIp: "127.0.0.1", HostPort: "32769" }],
  "3001/tcp": [
    { HostIp: "0.0.0.0", HostPort: "32768" },
    { HostIp: "::", HostPort: "32768" },
  ],
  "4000/udp": [{ HostIp: "127.0.0.1", HostPort: "4000" }],
  "4001/udp": [{ HostIp: "127.0.0.1", HostPort: "4001" }],
};

describe("formatPortsColumn()", () => {
  it("formatPortsColumn() merges runs where host and container port agree, and lists other mappings last", () => {
    assert.equal(
      formatPortsColumn(summarizePorts(P1)),
      "5000-5001/tcp, 6000/tcp, 0.0.0.0:7000->7000/udp, [::]:7000->7000/udp, 0.0.0.0:9000-9001->9000-9001/tcp, " +
        "[::]:9000-9001->9000-9001/tcp, 0.0.0.0:18126->80/udp, 127.0.0.1:18125->80/tcp, [::]:18126->80/udp, " +
        "0.0.0.0:8000->90/tcp, [::]:8000->90/tcp, 0.0.0.0:8001->91/tcp, [::]:8001->91/tcp, 0.0.0.0:8002->92/tcp, [::]:8002->92/tcp",
    );
  });
  it("formatPortsColumn() orders IPs as strings (127.0.0.10 before 127.0.0.9)", () => {
    assert.equal(
      formatPortsColumn(summarizePorts(P2)),
      "127.0.0.10:1000->1000/tcp, 127.0.0.9:1000->1000/tcp, 127.0.0.1:4000-4001->4000-4001/udp, " +
        "127.0.0.1:32769->3000/tcp, 0.0.0.0:32768->3001/tcp, [::]:32768->3001/tcp",
    );
  });
  it("formatPortsColumn() prints nothing for no ports", () => {
    assert.equal(formatPortsColumn([]), "");
  });
});

describe("summarizePorts()", () => {
  it("summarizePorts() gives unbound ports neither IP nor PublicPort, as /containers/json does", () => {
    assert.deepEqual(summarizePorts({ "80/tcp": null, "81/udp": [{ HostIp: "::", HostPort: "32768" }] }), [
      { PrivatePort: 80, Type: "tcp" },
      { IP: "::", PrivatePort: 81, PublicPort: 32768, Type: "udp" },
    ]);
  });
});

describe("formatPortLines()", () => {
  it("formatPortLines() lists every binding, sorted naturally", () => {
    assert.deepEqual(formatPortLines(P1, { container: "p1" }), [
      "80/tcp -> 127.0.0.1:18125",
      "80/udp -> 0.0.0.0:18126",
      "80/udp -> [::]:18126",
      "90/tcp -> 0.0.0.0:8000",
      "90/tcp -> [::]:8000",
      "91/tcp -> 0.0.0.0:8001",
      "91/tcp -> [::]:8001",
      "92/tcp -> 0.0.0.0:8002",
      "92/tcp -> [::]:8002",
      "7000/udp -> 0.0.0.0:7000",
      "7000/udp -> [::]:7000",
      "9000/tcp -> 0.0.0.0:9000",
      "9000/tcp -> [::]:9000",
      "9001/tcp -> 0.0.0.0:9001",
      "9001/tcp -> [::]:9001",
    ]);
    assert.deepEqual(formatPortLines(P2, { container: "p2" }), [
      "1000/tcp -> 127.0.0.9:1000",
      "1000/tcp -> 127.0.0.10:1000",
      "3000/tcp -> 127.0.0.1:32769",
      "3001/tcp -> 0.0.0.0:32768",
      "3001/tcp -> [::]:32768",
      "4000/udp -> 127.0.0.1:4000",
      "4001/udp -> 127.0.0.1:4001",
    ]);
  });
  it("formatPortLines() with a port prints only the addresses (tcp by default, empty protocol too)", () => {
    assert.deepEqual(formatPortLines(P1, { container: "p1", port: "80/udp" }), ["0.0.0.0:18126", "[::]:18126"]);
    assert.deepEqual(formatPortLines(P1, { container: "p1", port: "90" }), ["0.0.0.0:8000", "[::]:8000"]);
    assert.deepEqual(formatPortLines(P1, { container: "p1", port: "80/" }), ["127.0.0.1:18125"]);
  });
  const failures: [string, string, typeof InvalidArgumentError | typeof NotFoundError][] = [
    ["5000", "Error: No public port '5000' published for p1", NotFoundError],
    ["1234", "Error: No public port '1234' published for p1", NotFoundError],
    ["80/foo", "Error: No public port '80/foo' published for p1", NotFoundError],
    ["abc", 'Error: invalid port (abc): strconv.ParseUint: parsing "abc": invalid syntax', InvalidArgumentError],
    ["99999", 'Error: invalid port (99999): strconv.ParseUint: parsing "99999": value out of range', InvalidArgumentError],
    ["/tcp", 'Error: invalid port (): strconv.ParseUint: parsing "": invalid syntax', InvalidArgumentError],
    ["80-81", 'Error: invalid port (80-81): strconv.ParseUint: parsing "80-81": invalid syntax', InvalidArgumentError],
  ];
  for (const [port, message, kind] of failures) {
    it(`formatPortLines() refuses port ${port} with the CLI's message`, () => {
      assert.throws(
        () => formatPortLines(P1, { container: "p1", port }),
        (err: unknown) => err instanceof kind && err.message === message,
      );
    });
  }
});

describe("naturalCompare()", () => {
  it("naturalCompare() compares digit runs as numbers", () => {
    const sorted = ["a10", "a9", "a010", "b", "a", "a9b", "a09"].sort(naturalCompare);
    // Equal numbers: fewer leading zeros first, which decides before what follows the number.
    assert.deepEqual(sorted, ["a", "a9", "a9b", "a09", "a10", "a010", "b"]);
  });
  it("naturalCompare() puts a digit before any other character, even one of lower code", () => {
    assert.deepEqual(["a-", "a1", "a/"].sort(naturalCompare), ["a1", "a-", "a/"]);
  });
});
