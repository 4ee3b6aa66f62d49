// The create body's sharing fields (issue 13) through berth serve: VolumesFrom shares data between
// containers, GroupAdd, Sysctls, Annotations, CgroupnsMode, UsernsMode and StorageOpt are kept or
// refused with dockerd 20.10's status and words (RUN-FLAGS.md §8, §12).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isRoot } from "../helpers/temp-root.js";
import { useApiServer } from "../helpers/api-server.js";

const skip = isRoot() ? false : "needs root";

describe("berth serve: sharing fields of the create body", { skip }, () => {
  const served = useApiServer();

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const res = await served.server.request(method, `/v1.41${path}`, {
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headers: { "Content-Type": "application/json" },
    });
    const text = res.body.toString();
    return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  }

  const create = (name: string, cmd: string[], host: Record<string, unknown>) =>
    call("POST", `/containers/create?name=${name}`, { Image: "busybox", Cmd: cmd, HostConfig: { NetworkMode: "none", ...host } });

  async function runToEnd(name: string): Promise<number> {
    assert.equal((await call("POST", `/containers/${name}/start`)).status, 204);
    const waited = await call("POST", `/containers/${name}/wait`);
    return (waited.json as { StatusCode: number }).StatusCode;
  }

  test("VolumesFrom: data written in one container is read in the other; ro holds", async () => {
    assert.equal((await create("writer", ["sh", "-c", "echo shared > /data/f"], { Binds: ["apivol:/data"] })).status, 201);
    assert.equal(await runToEnd("writer"), 0);
    assert.equal((await create("reader", ["sh", "-c", "cat /data/f | grep -qx shared"], { VolumesFrom: ["writer"] })).status, 201);
    assert.equal(await runToEnd("reader"), 0);
    assert.equal((await create("roreader", ["touch", "/data/g"], { VolumesFrom: ["writer:ro"] })).status, 201);
    assert.equal(await runToEnd("roreader"), 1, "a read-only copy refuses writes");
    const inspected = (await call("GET", "/containers/roreader/json")).json as { HostConfig: Record<string, unknown>; Mounts: unknown[] };
    assert.deepEqual(inspected.HostConfig.VolumesFrom, ["writer:ro"]);
    assert.deepEqual(inspected.Mounts, [
      {
        Type: "volume",
        Name: "apivol",
        Source: `${served.server.t.root}/volumes/apivol/_data`,
        Destination: "/data",
        Driver: "local",
        Mode: "",
        RW: false,
        Propagation: "",
      },
    ]);
  });

  test("refusals: a missing VolumesFrom container is 400 (not 404, which clients answer with a pull), bad modes 400", async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ VolumesFrom: ["nosuch"] }, 400, "No such container: nosuch"],
      [{ VolumesFrom: ["writer:bogus"] }, 400, "invalid mode: bogus"],
      [{ CgroupnsMode: "bogus" }, 400, "invalid cgroup namespace mode: bogus"],
      [{ UsernsMode: "private" }, 400, "--userns: invalid USER mode"],
      [{ StorageOpt: { size: "1G" } }, 500, "--storage-opt is supported only for overlay over xfs with 'pquota' mount option"],
      [
        { Sysctls: { "kernel.shmmax": 1 } },
        400,
        "json: cannot unmarshal number into Go struct field container.HostConfig.Sysctls of type string",
      ],
      [{ GroupAdd: "audio" }, 400, "json: cannot unmarshal string into Go struct field container.HostConfig.GroupAdd of type []string"],
    ];
    for (const [host, status, message] of cases) {
      const created = await create("refused", ["true"], host);
      assert.deepEqual([created.status, created.json], [status, { message }], JSON.stringify(host));
    }
    assert.equal((await call("GET", "/containers/refused/json")).status, 404);
  });

  test("GroupAdd, Sysctls, Annotations and CgroupnsMode are kept and reach the container", async () => {
    const created = await create("kept", ["sh", "-c", "id -G | grep -qw 4321 && test $(cat /proc/sys/kernel/shmmax) = 1000000"], {
      GroupAdd: ["4321"],
      Sysctls: { "kernel.shmmax": "1000000" },
      Annotations: { "org.example": "x" },
      CgroupnsMode: "private",
      UsernsMode: "host",
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal(await runToEnd("kept"), 0);
    const host = ((await call("GET", "/containers/kept/json")).json as { HostConfig: Record<string, unknown> }).HostConfig;
    assert.deepEqual(
      [host.GroupAdd, host.Sysctls, host.Annotations, host.CgroupnsMode, host.UsernsMode],
      [["4321"], { "kernel.shmmax": "1000000" }, { "org.example": "x" }, "private", "host"],
    );
  });
});
