// `info` and `system prune` end to end (issue 9, item 6). Layouts and words are docker CLI 28.2.2's
// against dockerd 20.10.24, measured on a private daemon and written here as literals.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import * as os from "node:os";
import { createTempRoot, isRoot, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";
import { startApiServer } from "../helpers/api-server.js";

const skip = isRoot() ? false : "integration tests unpack layers with owners and device nodes: run as root";

function ok(t: TempRoot, args: string[], input?: string): string {
  const r = t.berth(args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `berth ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** The labels of `docker info` on dockerd 20.10.24 (overlay2, cgroup v1, no swarm), in order. */
const DOCKER_INFO_LABELS = [
  "Client:",
  " Version:",
  " Context:",
  " Debug Mode:",
  "",
  "Server:",
  " Containers:",
  "  Running:",
  "  Paused:",
  "  Stopped:",
  " Images:",
  " Server Version:",
  " Storage Driver:",
  "  Backing Filesystem:",
  "  Supports d_type:",
  "  Native Overlay Diff:",
  "  userxattr:",
  " Logging Driver:",
  " Cgroup Driver:",
  " Cgroup Version:",
  " Plugins:",
  "  Volume:",
  "  Network:",
  "  Log:",
  " Swarm:",
  " Runtimes:",
  " Default Runtime:",
  " Init Binary:",
  " containerd version:",
  " runc version:",
  " init version:",
  " Security Options:",
  "  seccomp",
  "   Profile:",
  " Kernel Version:",
  " Operating System:",
  " OSType:",
  " Architecture:",
  " CPUs:",
  " Total Memory:",
  " Name:",
  " ID:",
  " Docker Root Dir:",
  " Debug Mode:",
  " Experimental:",
  " Insecure Registries:",
  "  127.0.0.0/8",
  " Live Restore Enabled:",
  "",
];

/** `docker info --format '{{json .}}'`'s keys, in order, less the fields dockerd has and berth does not. */
const DOCKER_INFO_JSON_KEYS = [
  "ID",
  "Containers",
  "ContainersRunning",
  "ContainersPaused",
  "ContainersStopped",
  "Images",
  "Driver",
  "DriverStatus",
  "Plugins",
  "MemoryLimit",
  "SwapLimit",
  "CpuCfsPeriod",
  "CpuCfsQuota",
  "CPUShares",
  "CPUSet",
  "PidsLimit",
  "IPv4Forwarding",
  "Debug",
  "NFd",
  "NGoroutines",
  "SystemTime",
  "LoggingDriver",
  "CgroupDriver",
  "CgroupVersion",
  "NEventsListener",
  "KernelVersion",
  "OperatingSystem",
  "OSVersion",
  "OSType",
  "Architecture",
  "IndexServerAddress",
  "RegistryConfig",
  "NCPU",
  "MemTotal",
  "GenericResources",
  "DockerRootDir",
  "HttpProxy",
  "HttpsProxy",
  "NoProxy",
  "Name",
  "Labels",
  "ExperimentalBuild",
  "ServerVersion",
  "Runtimes",
  "DefaultRuntime",
  "Swarm",
  "LiveRestoreEnabled",
  "Isolation",
  "InitBinary",
  "ContainerdCommit",
  "RuncCommit",
  "InitCommit",
  "SecurityOptions",
  "Warnings",
  "ClientInfo",
];

describe("info", { skip }, () => {
  let t: TempRoot;
  before(() => {
    t = createTempRoot();
    ok(t, ["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
    ok(t, ["create", "--name", "idle", "busybox"]);
  });
  after(() => t.cleanup());

  test("info prints docker CLI 28's layout, line for line, with berth's own values", () => {
    const r = t.berth(["info"]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n").slice(0, -1);
    assert.deepEqual(
      lines.map((l) => (l.includes(":") ? l.slice(0, l.indexOf(":") + 1) : l)),
      DOCKER_INFO_LABELS,
    );
    const value = (label: string) => lines.find((l) => l.startsWith(`${label}:`))?.slice(label.length + 2);
    assert.equal(value(" Containers"), "1");
    assert.equal(value("  Stopped"), "1");
    assert.equal(value(" Images"), "1");
    assert.equal(value(" Storage Driver"), "overlay2");
    assert.equal(value(" Logging Driver"), "json-file");
    assert.equal(value("  Network"), "host null");
    assert.equal(value(" Swarm"), "inactive");
    assert.equal(value(" Kernel Version"), os.release());
    assert.equal(value(" Architecture"), os.machine());
    assert.equal(value(" CPUs"), String(os.cpus().length));
    assert.equal(value(" Docker Root Dir"), t.root);
    assert.ok(lines.includes(" init version: "), "an empty value keeps Println's space, as docker prints it");
    assert.ok(lines.includes(" Version:    0.1.0"), "the client's version, aligned as docker aligns it");
  });

  test("info -D shows the engine's debug lines", () => {
    const lines = ok(t, ["-D", "info"]).split("\n");
    const at = lines.indexOf(" Debug Mode: true", 4);
    assert.ok(at > 0);
    assert.deepEqual(
      lines.slice(at + 1, at + 5).map((l) => l.slice(0, l.indexOf(":") + 1)),
      ["  File Descriptors:", "  Goroutines:", "  System Time:", "  EventsListeners:"],
    );
  });

  test("info --format runs Go templates over GET /info's object plus ClientInfo", async () => {
    assert.equal(
      ok(t, ["info", "--format", "{{.Containers}} {{.ContainersStopped}} {{.Images}} {{.Driver}} {{.OSType}} {{.Swarm.LocalNodeState}}"]),
      "1 1 1 overlay2 linux inactive\n",
    );
    assert.equal(ok(t, ["system", "info", "-f", "{{.ClientInfo.Context}} {{.ClientInfo.Debug}}"]), "default false\n");
    // Structs print as Go prints docker's system.Info members (docker: `{  inactive false  [] 0 0 <nil> []}` …).
    assert.equal(
      ok(t, ["info", "-f", "{{.Swarm}}|{{.Plugins}}|{{.ContainerdCommit}}|{{.RegistryConfig}}|{{.Labels}}"]),
      "{  inactive false  [] 0 0 <nil> []}|{[local] [host null] [] [json-file k8s-file local none]}|{ }|{[] [] [127.0.0.0/8] map[docker.io:0xc000000000] [] map[]}|[]\n",
    );
    const all = JSON.parse(ok(t, ["info", "--format", "{{json .}}"]));
    assert.deepEqual(Object.keys(all), DOCKER_INFO_JSON_KEYS);
    assert.deepEqual(JSON.parse(ok(t, ["info", "--format", "json"])).ID, all.ID);
    const bad = t.berth(["info", "--format", "{{.Foo"]);
    assert.equal(bad.stderr, "template parsing error: template: :1: unclosed action\n");
    assert.equal(bad.code, 64);

    const server = await startApiServer(t, [], "info.sock");
    try {
      const api = JSON.parse((await server.request("GET", "/v1.41/info")).body.toString());
      const { ClientInfo: _client, NFd: _nfd, SystemTime: _time, ...cli } = all;
      const { NFd: _n, SystemTime: _s, ...served } = api;
      assert.deepEqual(served, cli, "the CLI and the API report one computation");
    } finally {
      await server.stop();
    }
  });
});

const WARNING_HEAD = "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n";
const PROMPT = "Are you sure you want to continue? [y/N] ";

describe("system prune", { skip }, () => {
  let t: TempRoot;
  before(() => {
    t = createTempRoot();
  });
  after(() => t.cleanup());

  test("the prompt names what goes, by -a, --volumes and the filters; no keeps everything", () => {
    ok(t, ["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
    ok(t, ["create", "--name", "kept", "busybox"]);
    assert.equal(ok(t, ["system", "prune"], "n\n"), `${WARNING_HEAD}  - all dangling images\n  - unused build cache\n\n${PROMPT}`);
    assert.equal(
      ok(t, ["system", "prune", "-a"], "n\n"),
      `${WARNING_HEAD}  - all images without at least one container associated to them\n  - all build cache\n\n${PROMPT}`,
    );
    assert.equal(
      ok(t, ["system", "prune", "-a", "--volumes"], "n\n"),
      `${WARNING_HEAD}  - all anonymous volumes not used by at least one container\n  - all images without at least one container associated to them\n  - all build cache\n\n${PROMPT}`,
    );
    assert.equal(
      ok(t, ["system", "prune", "--volumes", "--filter", "label=a=b"], "n\n"),
      `${WARNING_HEAD}  - all anonymous volumes not used by at least one container\n  - all dangling images\n  - unused build cache\n\n  Items to be pruned will be filtered with:\n  - label=a=b\n\n${PROMPT}`,
    );
    assert.equal(
      ok(t, ["system", "prune", "--filter", "until=1h"], "n\n"),
      `${WARNING_HEAD}  - all dangling images\n  - unused build cache\n\n  Items to be pruned will be filtered with:\n  - until=1h\n\n${PROMPT}`,
    );
    assert.equal(ok(t, ["ps", "-aq"]).trim().length, 12, "nothing went");
  });

  test("prune removes stopped containers, anonymous volumes and dangling images, and says so", () => {
    const anon = ok(t, ["run", "--name", "withvol", "-v", "/data", "busybox", "true"]);
    assert.equal(anon, "");
    ok(t, ["run", "--name", "plain", "busybox", "true"]);
    const dangling = ok(t, ["commit", "plain"]).trim();
    ok(t, ["volume", "create", "named"]);
    const ids = ok(t, ["ps", "-aq", "--no-trunc"]).trim().split("\n").sort();
    const volume = JSON.parse(ok(t, ["inspect", "withvol"]))[0].Mounts[0].Name;
    const r = t.berth(["system", "prune", "-f", "--volumes"]);
    assert.equal(r.code, 0, r.stderr);
    const [containers, volumes, images, total] = r.stdout.split("\n\n");
    assert.deepEqual(containers!.split("\n")[0], "Deleted Containers:");
    assert.deepEqual(containers!.split("\n").slice(1).sort(), ids);
    assert.equal(volumes, `Deleted Volumes:\n${volume}`);
    assert.equal(images, `Deleted Images:\ndeleted: ${dangling}`);
    assert.match(total!, /^Total reclaimed space: \d+(\.\d+)?k?B\n$/);
    assert.equal(ok(t, ["volume", "ls", "-q"]), "named\n", "named volumes stay (Docker 23+)");
    assert.equal(ok(t, ["system", "prune", "-f"]), "Total reclaimed space: 0B\n");
  });

  test("prune -a removes images no container uses", () => {
    const id = JSON.parse(ok(t, ["image", "inspect", "busybox"]))[0].Id;
    assert.match(
      ok(t, ["system", "prune", "-a", "-f"]),
      new RegExp(
        `^Deleted Images:\nuntagged: busybox:latest\ndeleted: ${id}\ndeleted: sha256:[a-f0-9]{64}\n\nTotal reclaimed space: [1-9][0-9.]*MB\n$`,
      ),
    );
    assert.equal(ok(t, ["images", "-q"]), "");
    assert.equal(t.berth(["system", "check"]).code, 0);
  });

  test("bad filters are refused with docker's words before anything goes", () => {
    const cases: [string[], string][] = [
      [["--volumes", "--filter", "until=1h"], 'ERROR: The "until" filter is not supported with "--volumes"\n'],
      [["--filter", "foo=bar"], "Error response from daemon: Invalid filter 'foo'\n"],
      [["--filter", "until=xyz"], 'Error response from daemon: failed to parse value as time or duration: "xyz"\n'],
    ];
    for (const [args, stderr] of cases) {
      const r = t.berth(["system", "prune", "-f", ...args]);
      assert.equal(r.stderr, stderr, args.join(" "));
      assert.equal(r.code, 1);
    }
  });
});
