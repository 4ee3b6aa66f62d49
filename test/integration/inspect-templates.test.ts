// `inspect -f` through the CLI runs templates over docker's Go types (issue 9, item 5): empty
// structs print `{}`, structs print their fields in Go's order, durations as Go prints them.
// Expected texts are docker CLI 28.2.2's against dockerd 20.10.24 for the same image and container.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createTempRoot, isRoot, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar } from "../helpers/busybox.js";

const skip = isRoot() ? false : "integration tests unpack layers with owners and device nodes: run as root";

function ok(t: TempRoot, args: string[]): string {
  const r = t.berth(args);
  assert.equal(r.code, 0, `berth ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

describe("inspect templates", { skip }, () => {
  let t: TempRoot;
  before(() => {
    t = createTempRoot();
    const changes = ["ENV PATH=/bin", "EXPOSE 8080", "VOLUME /data", "LABEL a=b", "HEALTHCHECK --interval=90s --timeout=1500ms CMD true"];
    ok(t, ["import", ...changes.flatMap((c) => ["-c", c]), busyboxRootfsTar(), "bb"]);
    ok(t, ["create", "--name", "ctr", "--ulimit", "nofile=20000:20000", "bb", "/bin/busybox", "sleep", "100"]);
  });
  after(() => t.cleanup());

  test("image inspect -f prints Config, its sets and its healthcheck as docker does", () => {
    const image = (format: string) => ok(t, ["image", "inspect", "-f", format, "bb"]);
    assert.equal(image("{{.Config.ExposedPorts}}"), "map[8080/tcp:{}]\n");
    assert.equal(image("{{.Config.Volumes}}"), "map[/data:{}]\n");
    assert.equal(image("{{.Config.Healthcheck}}"), "{[CMD-SHELL true] 1m30s 1.5s 0s 0s 0}\n");
    assert.equal(image("{{.RootFS.Type}} {{.Config.Entrypoint}} {{json .Config.Entrypoint}}"), "layers [] null\n");
  });

  test("container inspect -f prints State, Mounts and HostConfig members as docker does", () => {
    const container = (format: string) => ok(t, ["inspect", "-f", format, "ctr"]);
    assert.equal(container("{{.State}}"), "{created false false false false false 0 0  0001-01-01T00:00:00Z 0001-01-01T00:00:00Z <nil>}\n");
    assert.equal(container("{{.Config.ExposedPorts}} {{.Config.Volumes}}"), "map[8080/tcp:{}] map[/data:{}]\n");
    // The image's health check is the container's, as dockerd's merge makes it.
    assert.equal(container("{{json .Config.Healthcheck}}"), '{"Test":["CMD-SHELL","true"],"Interval":90000000000,"Timeout":1500000000}\n');
    assert.equal(
      container("{{.HostConfig.Ulimits}} {{.HostConfig.RestartPolicy}} {{.HostConfig.PortBindings}}"),
      "[nofile=20000:20000] {no 0} map[]\n",
    );
    assert.match(container("{{.Mounts}}"), /^\[\{volume [0-9a-f]{64} \S+\/_data \/data local \S* true \S*\}\]\n$/);
  });
});
