// POST /build's query as the docker CLI 28 and docker-py send it (BUILD-API §1.2), into a BuildRequest's parts.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { parseBuildQuery } from "../../src/api/build-query.js";
import { statusFor } from "../../src/api/errors.js";
import { formatPlatform, hostPlatform } from "../../src/build/dockerfile/dockerfile.js";

const q = (text: string) => parseBuildQuery(new URLSearchParams(text));

function status(text: string): { status: number; message: string } {
  try {
    q(text);
  } catch (err) {
    return { status: statusFor(err), message: (err as Error).message };
  }
  assert.fail(`${text} parsed`);
}

describe("parseBuildQuery", () => {
  test("the docker CLI's request (BUILD-API §1.1)", () => {
    const r = q(
      "buildargs=%7B%22GREETING%22%3A%22hi%22%2C%22U%22%3Anull%7D&dockerfile=Dockerfile&labels=%7B%22org.x%22%3A%22y%22%7D&t=bb-two%3A1&t=bb-two%3A2&version=1",
    );
    assert.deepEqual(r.tags, ["bb-two:1", "bb-two:2"]);
    assert.deepEqual(
      [...r.buildArgs],
      [
        ["GREETING", "hi"],
        ["U", undefined],
      ],
    );
    assert.deepEqual(r.labels, { "org.x": "y" });
    assert.equal(r.dockerfile, "Dockerfile");
    assert.equal(r.rm, true, "rm absent means true");
    assert.equal(r.forceRm, false);
    assert.equal(r.quiet, false);
    assert.equal(r.network, "default");
    assert.deepEqual(r.output, { type: "image" });
  });
  test("docker-py's booleans (True/False) and its rm=False default", () => {
    const r = q("t=bb-dpy%3Aplain&q=False&nocache=True&rm=False&forcerm=True&pull=1");
    assert.equal(r.quiet, false);
    assert.equal(r.noCache, true);
    assert.equal(r.rm, false);
    assert.equal(r.forceRm, true);
    assert.equal(r.pull, true);
    assert.equal(q("q=1").quiet, true);
    assert.equal(q("rm=0").rm, false);
  });
  test("target, cachefrom, networkmode, extrahosts, shmsize, ulimits, platform", () => {
    const host = formatPlatform(hostPlatform());
    const r = q(
      `target=builder&cachefrom=%5B%22busybox%3Alatest%22%5D&networkmode=none&extrahosts=h3%3A10.0.0.3&extrahosts=h1:1.1.1.1,h2:2.2.2.2&shmsize=67108864&ulimits=%5B%7B%22Name%22%3A%22nofile%22%2C%22Hard%22%3A2048%2C%22Soft%22%3A1024%7D%5D&platform=${encodeURIComponent(host)}&squash=1`,
    );
    assert.equal(r.target, "builder");
    assert.deepEqual(r.cacheFrom, ["busybox:latest"]);
    assert.equal(r.network, "none");
    assert.deepEqual(r.extraHosts, ["h3:10.0.0.3", "h1:1.1.1.1", "h2:2.2.2.2"]);
    assert.equal(r.shmSize, 67108864);
    assert.deepEqual(r.ulimits, [{ name: "nofile", soft: 1024, hard: 2048 }]);
    assert.equal(r.platform, host);
    assert.equal(q("networkmode=bridge").network, "default");
    assert.equal(q("networkmode=host").network, "host");
    assert.equal(q("dockerfile=sub%2FApp.Dockerfile").dockerfile, "sub/App.Dockerfile");
  });
  test("the RUN steps' limits and security options, as the docker CLI sends -m 64m --memory-swap 128m -c 512 ...", () => {
    const r = q(
      "cgroupparent=%2Fx&cpuperiod=50000&cpuquota=25000&cpusetcpus=0&cpusetmems=0&cpushares=512&dockerfile=Dockerfile&memory=67108864&memswap=134217728&securityopt=seccomp%3Dunconfined&securityopt=no-new-privileges&isolation=default&version=1",
    );
    assert.deepEqual(r.stepHost, {
      Memory: 67108864,
      MemorySwap: 134217728,
      CpuShares: 512,
      CpuPeriod: 50000,
      CpuQuota: 25000,
      CpusetCpus: "0",
      CpusetMems: "0",
      CgroupParent: "/x",
      SecurityOpt: ["seccomp=unconfined", "no-new-privileges"],
      Isolation: "default",
    });
    assert.equal(q("memswap=-1&memory=67108864").stepHost?.MemorySwap, -1);
  });
  test("absent or zero limits are none", () => {
    const none = {
      Memory: 0,
      MemorySwap: 0,
      CpuShares: 0,
      CpuPeriod: 0,
      CpuQuota: 0,
      CpusetCpus: "",
      CpusetMems: "",
      CgroupParent: "",
      SecurityOpt: null,
      Isolation: "",
    };
    assert.deepEqual(q("memory=0&cpushares=0&cpusetcpus=&memswap=0").stepHost, none);
    assert.deepEqual(q("").stepHost, none);
  });
  test("refusals: 400 for what berth will not do, dockerd's statuses for the rest", () => {
    assert.deepEqual(status("version=2").status, 400);
    assert.match(status("version=2").message, /BuildKit sessions \(version=2\)/);
    assert.deepEqual(status("version=3"), { status: 500, message: 'invalid version "3"' });
    assert.deepEqual(status("t=Bad"), {
      status: 500,
      message: "invalid reference format: repository name (library/Bad) must be lowercase",
    });
    assert.equal(status("buildargs=%7Bx").status, 400);
    assert.match(status("buildargs=%7Bx").message, /^error reading build args: /);
    assert.match(status("buildargs=%7B%22A%22%3A1%7D").message, /^error reading build args: /);
    assert.equal(status("labels=%5B%5D").status, 400);
    assert.equal(status("cachefrom=%7B%7D").status, 400);
    // dockerd 20.10 answers the CLI's --isolation hyperv so, before the body is read.
    assert.deepEqual(status("isolation=hyperv"), { status: 400, message: 'Unsupported isolation: "hyperv"' });
    assert.equal(q("isolation=Default").stepHost?.Isolation, "Default");
    assert.match(status("memory=64m").message, /strconv.Atoi: parsing "64m"/);
    assert.match(status("networkmode=mynet").message, /not "mynet"/);
    assert.match(status("platform=windows%2Famd64").message, /only for this machine's platform/);
    assert.match(status("remote=http%3A%2F%2Fx%2FDockerfile").message, /remote build contexts/);
    assert.match(status("shmsize=x").message, /strconv.Atoi/);
    assert.match(status("ulimits=%5B%7B%22Name%22%3A%22nofile%22%2C%22Hard%22%3A1%2C%22Soft%22%3A2%7D%5D").message, /soft limit/);
  });
});
