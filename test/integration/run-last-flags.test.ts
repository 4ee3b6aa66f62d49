// The last run/create flags end to end, as root with real containers: --gpus, --isolation,
// --link-local-ip (on the default bridge and a user network), --volume-driver,
// --disable-content-trust and `rm --link`. Every message and code was measured on dockerd
// 20.10.24 with docker CLI 28.2.2 (berth prints "berth:" where docker prints "docker:").
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { isRoot } from "../helpers/temp-root.js";
import { useBusyboxRoot } from "../helpers/busybox-root.js";

const skip = isRoot() ? false : "needs root";

describe("the last run and create flags", { skip }, () => {
  const root = useBusyboxRoot();
  const ok = root.ok;
  const berth = (args: string[], env?: NodeJS.ProcessEnv) => root.t.berth(args, env ? { env: { ...process.env, ...env } } : {});

  test("--gpus: create keeps DeviceRequests, start fails as dockerd without a device driver (run 125, start 1)", () => {
    const run = berth(["run", "--rm", "--gpus", "all", "busybox", "true"]);
    assert.equal(run.code, 125);
    assert.match(run.stderr, /^berth: Error response from daemon: could not select device driver "" with capabilities: \[\[gpu\]\]\n/);
    const bad = berth(["run", "--rm", "--gpus", "all,count=2", "busybox", "true"]);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /^invalid argument "all,count=2" for "--gpus" flag: gpu request key 'count' can be specified only once\n/);
    ok(["create", "--name", "gpu", "--gpus", '"capabilities=compute,utility",device=0,1,driver=nvidia,options=a=b', "busybox", "true"]);
    assert.equal(
      ok(["inspect", "-f", "{{json .HostConfig.DeviceRequests}}", "gpu"]),
      '[{"Driver":"nvidia","Count":1,"DeviceIDs":["0"],"Capabilities":[["compute","utility","gpu"]],"Options":{"a":"b"}}]\n',
    );
    const start = berth(["start", "gpu"]);
    assert.equal(start.code, 1);
    assert.equal(
      start.stderr,
      'Error response from daemon: could not select device driver "nvidia" with capabilities: [[compute utility gpu]]\nError: failed to start containers: gpu\n',
    );
    assert.equal(
      ok(["inspect", "-f", "{{.State.Status}}|{{.State.Error}}|{{.State.ExitCode}}", "gpu"]),
      'created|could not select device driver "nvidia" with capabilities: [[compute utility gpu]]|128\n',
    );
    ok(["rm", "gpu"]);
    ok(["create", "--name", "nogpu", "busybox", "true"]);
    assert.equal(ok(["inspect", "-f", "{{json .HostConfig.DeviceRequests}}", "nogpu"]), "null\n");
    ok(["rm", "nogpu"]);
  });

  test("--isolation: '' and default (any case) are kept, others refused as on Linux", () => {
    ok(["run", "--rm", "--isolation", "default", "busybox", "true"]);
    ok(["create", "--name", "iso", "--isolation", "Default", "busybox", "true"]);
    assert.equal(ok(["inspect", "-f", "{{json .HostConfig.Isolation}}", "iso"]), '"Default"\n');
    ok(["rm", "iso"]);
    for (const value of ["process", "hyperv", "foo"]) {
      const r = berth(["run", "--rm", "--isolation", value, "busybox", "true"]);
      assert.equal(r.code, 125);
      assert.match(
        r.stderr,
        new RegExp(`^berth: Error response from daemon: Invalid isolation: "${value}" - linux only supports 'default'\\n`),
      );
    }
  });

  test("--link-local-ip puts the address on eth0 (default bridge and user network); inspect shows it", () => {
    const bridge = ok(["run", "--rm", "--link-local-ip", "169.254.10.10", "busybox", "ip", "-4", "addr", "show", "eth0"]);
    assert.match(bridge, /inet 169\.254\.10\.10\/16 brd 169\.254\.255\.255 scope global eth0/);
    ok(["network", "create", "llnet"]);
    const user = ok([
      "run",
      "--rm",
      "--network",
      "llnet",
      "--link-local-ip",
      "169.254.10.11",
      "--link-local-ip",
      "169.254.10.12",
      "busybox",
      "ip",
      "-4",
      "addr",
      "show",
      "eth0",
    ]);
    assert.match(user, /inet 169\.254\.10\.11\/16 brd 169\.254\.255\.255 scope global eth0/);
    assert.match(user, /inet 169\.254\.10\.12\/16 brd 169\.254\.255\.255 scope global secondary eth0/);
    ok(["create", "--name", "ll", "--network", "llnet", "--link-local-ip", "169.254.10.10", "busybox", "true"]);
    assert.equal(
      ok(["inspect", "-f", "{{json .NetworkSettings.Networks.llnet.IPAMConfig}}", "ll"]),
      '{"LinkLocalIPs":["169.254.10.10"]}\n',
    );
    ok(["rm", "ll"]);
    // dockerd checks at start: the container stays created with the error.
    ok(["create", "--name", "llbad", "--link-local-ip", "169.254.1.1", "--link-local-ip", "bar", "busybox", "true"]);
    const start = berth(["start", "llbad"]);
    assert.equal(start.code, 1);
    assert.equal(
      start.stderr,
      "Error response from daemon: Invalid link-local IP address: [169.254.1.1 bar]\nError: failed to start containers: llbad\n",
    );
    assert.equal(
      ok(["inspect", "-f", "{{.State.Error}}|{{.State.ExitCode}}", "llbad"]),
      "Invalid link-local IP address: [169.254.1.1 bar]|128\n",
    );
    ok(["rm", "llbad"]);
    const notLinkLocal = berth(["run", "--rm", "--link-local-ip", "10.1.2.3", "busybox", "true"]);
    assert.equal(notLinkLocal.code, 125);
    assert.match(notLinkLocal.stderr, /^berth: Error response from daemon: invalid link local IP address: 10\.1\.2\.3\n/);
    ok(["network", "rm", "llnet"]);
  });

  test("--volume-driver: local makes local volumes; another fails once a volume would be made", () => {
    ok(["create", "--name", "vd", "--volume-driver", "local", "-v", "/data", "-v", "vdnamed:/d2", "busybox", "true"]);
    assert.equal(ok(["inspect", "-f", "{{json .HostConfig.VolumeDriver}}", "vd"]), '"local"\n');
    assert.equal(ok(["inspect", "-f", "{{range .Mounts}}{{.Driver}} {{end}}", "vd"]), "local local \n");
    assert.equal(ok(["volume", "inspect", "-f", "{{.Driver}}", "vdnamed"]), "local\n");
    ok(["rm", "-v", "vd"]);
    // No volume made: dockerd does not look the driver up, and keeps it.
    ok(["run", "--rm", "--volume-driver", "foo", "-v", "/tmp:/data", "busybox", "true"]);
    ok(["create", "--name", "vdfoo", "--volume-driver", "foo", "busybox", "true"]);
    assert.equal(ok(["inspect", "-f", "{{json .HostConfig.VolumeDriver}}", "vdfoo"]), '"foo"\n');
    ok(["rm", "vdfoo"]);
    const anonymous = berth(["run", "--rm", "--volume-driver", "foo", "-v", "/data", "busybox", "true"]);
    assert.equal(anonymous.code, 125);
    assert.match(
      anonymous.stderr,
      /^berth: Error response from daemon: create [0-9a-f]{64}: error looking up volume plugin foo: plugin "foo" not found\n/,
    );
    // Even for a volume that exists (local): the lookup comes first.
    const named = berth(["run", "--rm", "--volume-driver", "foo", "-v", "vdnamed:/data", "busybox", "true"]);
    assert.equal(named.code, 125);
    assert.match(
      named.stderr,
      /^berth: Error response from daemon: create vdnamed: error looking up volume plugin foo: plugin "foo" not found\n/,
    );
    ok(["volume", "rm", "vdnamed"]);
  });

  test("--disable-content-trust: accepted; turning trust on is refused, naming the missing Notary client", () => {
    ok(["run", "--rm", "--disable-content-trust", "busybox", "true"]);
    ok(["create", "--name", "dct", "--disable-content-trust=true", "busybox", "true"]);
    ok(["rm", "dct"]);
    for (const [args, env] of [
      [["run", "--rm", "--disable-content-trust=false", "busybox", "true"], undefined],
      [["create", "busybox", "true"], { DOCKER_CONTENT_TRUST: "1" }],
      [["pull", "--disable-content-trust=false", "busybox"], undefined],
    ] as [string[], NodeJS.ProcessEnv | undefined][]) {
      const r = berth(args, env);
      assert.notEqual(r.code, 0, args.join(" "));
      assert.match(r.stderr, /content trust needs a Notary server .*berth has no Notary client/, args.join(" "));
    }
    const untrusted = berth(["run", "--rm", "--disable-content-trust", "busybox", "true"], { DOCKER_CONTENT_TRUST: "1" });
    assert.equal(untrusted.code, 0, untrusted.stderr);
  });

  test("rm --link drops a default-bridge link as dockerd does, with its errors", () => {
    ok(["run", "-d", "--name", "lktgt", "busybox", "sleep", "60"]);
    ok(["create", "--name", "lksrc", "--link", "lktgt:al", "busybox", "true"]);
    assert.equal(ok(["inspect", "-f", "{{json .HostConfig.Links}}", "lksrc"]), '["/lktgt:/lksrc/al"]\n');
    assert.equal(ok(["rm", "--link", "/lksrc/al"]), "/lksrc/al\n");
    assert.equal(ok(["inspect", "-f", "{{json .HostConfig.Links}}", "lksrc"]), "null\n");
    const again = berth(["rm", "--link", "/lksrc/al"]);
    assert.deepEqual([again.code, again.stderr], [1, "Error response from daemon: No such container: lksrc/al\n"]);
    const own = berth(["container", "rm", "-l", "lksrc"]);
    assert.deepEqual(
      [own.code, own.stderr],
      [1, "Error response from daemon: Conflict, cannot remove the default link name of the container\n"],
    );
    const nobody = berth(["rm", "--link", "/zz/al"]);
    assert.deepEqual([nobody.code, nobody.stderr], [1, "Error response from daemon: No such container: zz/al\n"]);
    ok(["rm", "-f", "lksrc", "lktgt"]);
  });
});
