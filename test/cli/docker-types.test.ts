// Templates over docker's Go types (issue 9, item 5): every expected string was printed by docker
// CLI 28.2.2 (`docker inspect -f '<template>'`) against dockerd 20.10.24, for the container and
// image whose JSON (as dockerd sent it) is written below.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseTemplate, withGoType, type GoType } from "../../src/cli/format/template/index.js";
import { CONTAINER_INSPECT, IMAGE_INSPECT } from "../../src/cli/format/docker-types.js";

const CONTAINER = {
  State: {
    Status: "created",
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    Error: "",
    StartedAt: "0001-01-01T00:00:00Z",
    FinishedAt: "0001-01-01T00:00:00Z",
  },
  Config: {
    Hostname: "5c4712cc3c14",
    Domainname: "",
    User: "",
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    ExposedPorts: { "80/tcp": {}, "8080/tcp": {} },
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: ["PATH=/bin"],
    Cmd: ["/bin/busybox", "sleep", "100"],
    Healthcheck: { Test: ["CMD-SHELL", "true"], Interval: 5000000000 },
    Image: "bb",
    Volumes: { "/data": {} },
    WorkingDir: "",
    Entrypoint: null,
    OnBuild: null,
    Labels: { a: "b" },
  },
  Mounts: [
    { Type: "bind", Source: "/tmp", Destination: "/host", Mode: "ro", RW: false, Propagation: "rslave" },
    {
      Type: "volume",
      Name: "74ddd3afdcaf",
      Source: "/v/74ddd3afdcaf/_data",
      Destination: "/data",
      Driver: "local",
      Mode: "",
      RW: true,
      Propagation: "",
    },
  ],
  HostConfig: {
    PortBindings: { "80/tcp": [{ HostIp: "", HostPort: "8081" }] },
    LogConfig: { Type: "json-file", Config: {} },
    RestartPolicy: { Name: "no", MaximumRetryCount: 0 },
    Ulimits: [{ Name: "nofile", Hard: 20000, Soft: 20000 }],
    Dns: [],
    CapAdd: null,
  },
  GraphDriver: { Data: { UpperDir: "/o/diff", LowerDir: "/o/init/diff", MergedDir: "/o/merged", WorkDir: "/o/work" }, Name: "overlay2" },
  NetworkSettings: { Ports: {} },
};

const IMAGE = {
  Config: {
    Hostname: "5c4712cc3c14",
    Domainname: "",
    User: "",
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    ExposedPorts: { "80/tcp": {}, "8080/tcp": {} },
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: ["PATH=/bin"],
    Cmd: ["/bin/busybox", "sleep", "100"],
    Healthcheck: { Test: ["CMD-SHELL", "true"], Interval: 90000000000, Timeout: 1500000000 },
    Image: "bb",
    Volumes: { "/data": {} },
    WorkingDir: "",
    Entrypoint: null,
    OnBuild: null,
    Labels: { a: "b" },
  },
  RootFS: { Type: "layers", Layers: ["sha256:b229b634e8a392e946f5050e1fa1199b7b2caf8ac849a7c12fa8b948ab66850a"] },
  Metadata: { LastTagTime: "2026-12-06T20:26:41.36439657Z" },
};

function render(template: string, data: object, type: GoType): string {
  // Each render gets fresh objects, as each inspect does.
  return parseTemplate(template, { missingKey: "error" }).execute(withGoType(structuredClone(data), type));
}

test("container templates print docker's struct, map and slice types as Go's fmt does", () => {
  const cases: [string, string][] = [
    ["{{.Config.ExposedPorts}}", "map[80/tcp:{} 8080/tcp:{}]"],
    ["{{.Config.Volumes}}", "map[/data:{}]"],
    [
      "{{.Config}}",
      "{5c4712cc3c14   false true true map[80/tcp:{} 8080/tcp:{}] false false false [PATH=/bin] [/bin/busybox sleep 100] 0xc000000000 false bb map[/data:{}]  [] false  [] map[a:b]  <nil> []}",
    ],
    ["{{.State}}", "{created false false false false false 0 0  0001-01-01T00:00:00Z 0001-01-01T00:00:00Z <nil>}"],
    ["{{.State.Health}}", "<nil>"],
    ["{{.GraphDriver}}", "{map[LowerDir:/o/init/diff MergedDir:/o/merged UpperDir:/o/diff WorkDir:/o/work] overlay2}"],
    ["{{.Mounts}}", "[{bind  /tmp /host  ro false rslave} {volume 74ddd3afdcaf /v/74ddd3afdcaf/_data /data local  true }]"],
    ["{{.NetworkSettings.Ports}}", "map[]"],
    ["{{.HostConfig.PortBindings}}", "map[80/tcp:[{ 8081}]]"],
    ["{{.Config.Healthcheck}}", "{[CMD-SHELL true] 5s 0s 0s 0s 0}"],
    ["{{.Config.Healthcheck.Interval}}", "5s"],
    ["{{json .Config.Healthcheck.Interval}}", "5000000000"],
    ["{{.HostConfig.LogConfig}}", "{json-file map[]}"],
    ["{{.HostConfig.RestartPolicy}}", "{no 0}"],
    ["{{.HostConfig.Ulimits}}", "[nofile=20000:20000]"],
    ["{{.HostConfig.Tmpfs}}", "map[]"],
    ["{{json .HostConfig.Tmpfs}}", "null"],
    ["{{.HostConfig.CapAdd}}", "[]"],
    ["{{.Config.Entrypoint}}", "[]"],
    ["{{json .Config.Entrypoint}}", "null"],
    ["{{len .Config.Entrypoint}}", "0"],
    ["{{if .Config.Entrypoint}}y{{else}}n{{end}}", "n"],
    ["{{.SizeRw}}", "<nil>"],
    ["{{.Config.Labels}} {{.Config.Env}} {{.Config.Cmd}}", "map[a:b] [PATH=/bin] [/bin/busybox sleep 100]"],
  ];
  for (const [template, expected] of cases) assert.equal(render(template, CONTAINER, CONTAINER_INSPECT), expected, template);
});

test("image templates print the CLI's DockerOCIImageConfig, RootFS and Metadata as docker does", () => {
  const cases: [string, string][] = [
    [
      "{{.Config}}",
      "{{ map[80/tcp:{} 8080/tcp:{}] [PATH=/bin] [] [/bin/busybox sleep 100] map[/data:{}]  map[a:b]  false} {0xc000000000 [] []}}",
    ],
    ["{{.RootFS}}", "{layers [sha256:b229b634e8a392e946f5050e1fa1199b7b2caf8ac849a7c12fa8b948ab66850a]}"],
    ["{{.Metadata}}", "{2026-12-06 20:26:41.36439657 +0000 UTC}"],
    ["{{.Config.Healthcheck}}", "{[CMD-SHELL true] 1m30s 1.5s 0s 0s 0}"],
    ["{{.Config.Healthcheck.Interval}}", "1m30s"],
    ["{{.Config.ExposedPorts}} {{.Config.Volumes}}", "map[80/tcp:{} 8080/tcp:{}] map[/data:{}]"],
    ["{{.RepoDigests}}", "[]"],
  ];
  for (const [template, expected] of cases) assert.equal(render(template, IMAGE, IMAGE_INSPECT), expected, template);
});

test("untyped data keeps printing as maps", () => {
  assert.equal(parseTemplate("{{.}}").execute({ a: {}, b: [1] }), "map[a:map[] b:[1]]");
});
