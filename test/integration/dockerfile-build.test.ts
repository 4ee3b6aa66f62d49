// `berth build`: Dockerfiles built on berth's own engine: every instruction, the images and history
// it leaves (as the classic builder writes them, BUILD-API §5), the cache rules (§6, BuildKit's
// content keys), multi-stage builds with skipped and parallel stages, failures that leave nothing
// behind, and a build killed halfway.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { isRoot } from "../helpers/temp-root.js";
import { useBusyboxRoot } from "../helpers/busybox-root.js";
import { writeContext } from "../helpers/build-context.js";

const skip = isRoot() ? false : "needs root";

interface ImageInspect {
  Id: string;
  Parent: string;
  Author: string;
  Config: {
    Env: string[];
    Cmd: string[] | null;
    Entrypoint: string[] | null;
    WorkingDir: string;
    User: string;
    ExposedPorts?: Record<string, object>;
    Volumes?: Record<string, object> | null;
    Labels?: Record<string, string> | null;
    StopSignal?: string;
    OnBuild?: string[] | null;
    Healthcheck?: { Test: string[]; Interval?: number; Retries?: number };
    Shell?: string[];
  };
  RootFS: { Layers: string[] };
}

describe("berth build", { skip }, () => {
  const root = useBusyboxRoot();
  const ok = root.ok;

  /** A context directory of the test's, with these files. */
  const context = (files: Record<string, string>): string => writeContext(root.t.dir, files);
  const inspect = (ref: string): ImageInspect => (JSON.parse(ok(["image", "inspect", ref])) as ImageInspect[])[0]!;
  const build = (args: string[], input?: string) =>
    root.t.berth(["build", "--progress", "plain", "--network", "none", ...args], input === undefined ? {} : { input });
  const containers = () => ok(["ps", "-aq"]).trim();

  test("a multi-stage build: RUN, COPY, COPY --from, ENV, WORKDIR, CMD; the image runs; history reads as Docker's", () => {
    const dir = context({
      Dockerfile: [
        "FROM busybox AS builder",
        "ARG GREETING=hello",
        'RUN echo "$GREETING" > /greeting.txt',
        "COPY app.txt /app.txt",
        "",
        "FROM busybox",
        "ENV APP=/srv/app",
        "WORKDIR $APP",
        "COPY --from=builder /greeting.txt greeting.txt",
        "COPY app.txt ./",
        'CMD ["cat", "greeting.txt", "app.txt"]',
        "",
      ].join("\n"),
      "app.txt": "app\n",
    });
    const r = build(["-t", "two:1", dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(ok(["run", "--rm", "two:1"]), "hello\napp\n");
    const image = inspect("two:1");
    assert.equal(image.Config.WorkingDir, "/srv/app");
    assert.deepEqual(image.Config.Env, [...inspect("busybox").Config.Env, "APP=/srv/app"]);
    assert.deepEqual(image.Config.Cmd, ["cat", "greeting.txt", "app.txt"]);
    assert.equal(image.RootFS.Layers.length, inspect("busybox").RootFS.Layers.length + 3, "WORKDIR and the two COPYs");
    const history = ok(["history", "--no-trunc", "--format", "{{.CreatedBy}}", "two:1"])
      .split("\n")
      .slice(0, 5)
      .map((line) => line.replace(/file:[a-f0-9]{64}/, "file:HASH"));
    assert.deepEqual(history, [
      '/bin/sh -c #(nop)  CMD ["cat" "greeting.txt" "app.txt"]',
      "/bin/sh -c #(nop) COPY file:HASH in ./ ",
      "/bin/sh -c #(nop) COPY file:HASH in greeting.txt ",
      "/bin/sh -c #(nop) WORKDIR /srv/app",
      "/bin/sh -c #(nop)  ENV APP=/srv/app",
    ]);
    assert.equal(containers(), "", "no step container is left");
    assert.equal(
      ok(["images", "--format", "{{.Repository}}:{{.Tag}}"])
        .split("\n")
        .filter((l) => l.startsWith("<none>")).length,
      1,
      "the builder stage's last image is dangling, as after a classic build",
    );
  });

  test("a rebuild with no change starts no container and writes no layer; one changed file rebuilds from its COPY on", () => {
    const dir = context({
      Dockerfile: "FROM busybox\nRUN echo one > /one\nCOPY a.txt /a.txt\nRUN cat /a.txt > /copy\nCOPY b.txt /b.txt\n",
      "a.txt": "a1\n",
      "b.txt": "b\n",
    });
    const first = build(["-t", "cached", dir]);
    assert.equal(first.code, 0, first.stderr);
    const id = inspect("cached").Id;
    const layersBefore = fs.readdirSync(`${root.t.root}/layers`).length;
    const containerEvents = () =>
      ok([
        "events",
        "--since",
        "0",
        "--until",
        String(Math.floor(Date.now() / 1000) + 5),
        "--filter",
        "type=container",
        "--format",
        "{{.Action}}",
      ]);
    const eventsBefore = containerEvents();

    const again = build(["-t", "cached", dir]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(inspect("cached").Id, id, "the same image");
    assert.equal((again.stderr.match(/CACHED/g) ?? []).length, 4, again.stderr);
    assert.equal(fs.readdirSync(`${root.t.root}/layers`).length, layersBefore, "no layer written");
    const eventsAfter = containerEvents();
    assert.equal(eventsAfter, eventsBefore, "no container made");

    fs.utimesSync(`${dir}/a.txt`, new Date(2001, 1, 1), new Date(2001, 1, 1));
    assert.equal(build(["-t", "cached", dir]).code, 0);
    assert.equal(inspect("cached").Id, id, "a new mtime alone keeps the cache");

    fs.writeFileSync(`${dir}/a.txt`, "a2\n");
    const changed = build(["-t", "cached", dir]);
    assert.equal(changed.code, 0, changed.stderr);
    assert.equal((changed.stderr.match(/CACHED/g) ?? []).length, 1, `only the first RUN is cached:\n${changed.stderr}`);
    assert.equal(ok(["run", "--rm", "cached", "cat", "/copy"]), "a2\n");
    fs.writeFileSync(`${dir}/a.txt`, "a1\n");
    assert.equal(build(["-t", "cached", dir]).code, 0);
    assert.equal(inspect("cached").Id, id, "the old content finds the old images again");

    const noCache = build(["--no-cache", "-t", "cached", dir]);
    assert.equal(noCache.code, 0, noCache.stderr);
    assert.doesNotMatch(noCache.stderr, /CACHED/);
    assert.notEqual(inspect("cached").Id, id, "--no-cache makes new images");
  });

  test("build args: in the RUN environment, not the image's Env; keyed; unused ones warned about", () => {
    const dir = context({ Dockerfile: 'FROM busybox\nARG USED\nARG DEF=d1\nRUN echo "$USED-$DEF" > /args\n' });
    const r = build(["--build-arg", "USED=x", "--build-arg", "NOPE=1", "-t", "args", dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /NOPE/, "the unused build arg is named");
    assert.equal(ok(["run", "--rm", "args", "cat", "/args"]), "x-d1\n");
    assert.deepEqual(inspect("args").Config.Env, inspect("busybox").Config.Env);
    const history = ok(["history", "--no-trunc", "--format", "{{.CreatedBy}}", "args"]).split("\n")[0];
    assert.equal(history, '|2 DEF=d1 USED=x /bin/sh -c echo "$USED-$DEF" > /args');
    const other = build(["--build-arg", "USED=y", "-t", "args", dir]);
    assert.equal(other.code, 0, other.stderr);
    assert.equal(ok(["run", "--rm", "args", "cat", "/args"]), "y-d1\n");
  });

  test("metadata instructions set the config Docker's way", () => {
    const dir = context({
      Dockerfile: [
        "FROM busybox",
        "MAINTAINER Jane <j@example.com>",
        'LABEL l1=v1 "l 2"="v 2"',
        "EXPOSE 80 443/udp",
        "VOLUME /data",
        "USER nobody",
        "STOPSIGNAL SIGTERM",
        "HEALTHCHECK --interval=5s --retries=4 CMD true",
        "ONBUILD RUN echo triggered > /tmp/onbuild",
        'SHELL ["/bin/sh", "-ec"]',
        "ENTRYPOINT echo entry",
        "",
      ].join("\n"),
    });
    const r = build(["-t", "meta", "--label", "org.x=y", dir]);
    assert.equal(r.code, 0, r.stderr);
    const c = inspect("meta");
    assert.equal(c.Author, "Jane <j@example.com>");
    assert.deepEqual(c.Config.Labels, { l1: "v1", "l 2": "v 2", "org.x": "y" });
    assert.deepEqual(Object.keys(c.Config.ExposedPorts ?? {}).sort(), ["443/udp", "80/tcp"]);
    assert.deepEqual(Object.keys(c.Config.Volumes ?? {}), ["/data"]);
    assert.equal(c.Config.User, "nobody");
    assert.equal(c.Config.StopSignal, "SIGTERM");
    assert.deepEqual(c.Config.Healthcheck, { Test: ["CMD-SHELL", "true"], Interval: 5e9, Retries: 4 });
    assert.deepEqual(c.Config.OnBuild, ["RUN echo triggered > /tmp/onbuild"]);
    assert.deepEqual(c.Config.Entrypoint, ["/bin/sh", "-ec", "echo entry"]);
    assert.equal(c.Config.Cmd, null, "ENTRYPOINT drops the base image's CMD");
    assert.equal(c.RootFS.Layers.length, inspect("busybox").RootFS.Layers.length, "no layer from metadata steps");
    const history = ok(["history", "--no-trunc", "--format", "{{.CreatedBy}}", "meta"]).split("\n");
    assert.equal(history[0], "/bin/sh -ec #(nop)  LABEL org.x=y");
    assert.equal(history[1], '/bin/sh -ec #(nop)  ENTRYPOINT ["/bin/sh" "-ec" "echo entry"]');
    assert.equal(history[2], "/bin/sh -ec #(nop)  SHELL [/bin/sh -ec]");
    assert.equal(history[8], "/bin/sh -c #(nop)  EXPOSE 443/udp 80");

    const child = context({ Dockerfile: "FROM meta\nRUN true\n" });
    const built = build(["-t", "child", child]);
    assert.equal(built.code, 0, built.stderr);
    assert.equal(ok(["run", "--rm", "--entrypoint", "cat", "child", "/tmp/onbuild"]), "triggered\n", "the trigger ran in the child");
    assert.equal(inspect("child").Config.OnBuild, null, "and is not inherited");
  });

  test("--target builds only what the target needs: a failing unused stage is skipped", () => {
    const dir = context({
      Dockerfile:
        "FROM busybox AS broken\nRUN exit 7\n\nFROM busybox AS base\nRUN echo base > /base\n\nFROM base AS final\nRUN cat /base\n",
    });
    const r = build(["--target", "final", "-t", "tgt", dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /exit 7/);
    const missing = build(["--target", "nope", dir]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /target stage "nope" could not be found/);
  });

  test("independent stages build at once", () => {
    // Both stages note the kernel's uptime when their RUN starts and ends: the intervals overlap.
    const stage = (name: string) => [
      `FROM busybox AS ${name}`,
      `RUN cut -d" " -f1 /proc/uptime > /${name}-start && sleep 2 && cut -d" " -f1 /proc/uptime > /${name}-end`,
    ];
    const dir = context({
      Dockerfile: [
        ...stage("a"),
        ...stage("b"),
        "FROM busybox",
        "COPY --from=a /a-start /a-end /",
        "COPY --from=b /b-start /b-end /",
        "",
      ].join("\n"),
    });
    const r = build(["-t", "par", dir]);
    assert.equal(r.code, 0, r.stderr);
    const [aStart, aEnd, bStart, bEnd] = ok(["run", "--rm", "par", "cat", "/a-start", "/a-end", "/b-start", "/b-end"])
      .trim()
      .split("\n")
      .map(Number);
    assert.ok(bStart! < aEnd! && aStart! < bEnd!, `a ran ${aStart}-${aEnd}, b ${bStart}-${bEnd}: one after the other`);
  });

  test("a failing RUN: its command and code, exit 1, nothing tagged, no container left", () => {
    const dir = context({ Dockerfile: "FROM busybox\nRUN echo to-stdout; echo to-stderr >&2; exit 3\n" });
    const r = build(["-t", "failed", dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /to-stderr/);
    assert.match(r.stderr, /exit code: 3|returned a non-zero code: 3/);
    assert.equal(root.t.berth(["image", "inspect", "failed"]).code, 1);
    assert.equal(containers(), "");
  });

  test("RUN heredocs and a shebang script", () => {
    const dir = context({
      Dockerfile:
        "FROM busybox\nRUN <<EOF\necho one > /h1\necho two >> /h1\nEOF\nRUN <<EOF\n#!/bin/sh\necho script > /h2\nEOF\nCOPY <<EOF /h3\ninline $HOME\nEOF\n",
    });
    const r = build(["-t", "heredoc", dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(ok(["run", "--rm", "heredoc", "cat", "/h1", "/h2"]), "one\ntwo\nscript\n");
    assert.equal(
      ok(["run", "--rm", "heredoc", "sh", "-c", "test -e /dev/pipes && echo there || echo none"]),
      "none\n",
      "no script is left in the image",
    );
  });

  test("--output writes the filesystem to a directory or a tar, and tags nothing", () => {
    const dir = context({ Dockerfile: "FROM busybox\nRUN echo out > /out.txt\n" });
    const dest = `${root.t.dir}/out-dir`;
    const r = build(["--output", `type=local,dest=${dest}`, dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(`${dest}/out.txt`, "utf8"), "out\n");
    assert.ok(fs.existsSync(`${dest}/bin/busybox`));
    const tar = `${root.t.dir}/out.tar`;
    assert.equal(build(["--output", `type=tar,dest=${tar}`, dir]).code, 0);
    assert.ok(fs.statSync(tar).size > 10000);
  });

  test("a COPY source outside the context, or a symlink out of it, reads nothing outside", () => {
    const outside = `${root.t.dir}/secret.txt`;
    fs.writeFileSync(outside, "host secret\n");
    const dir = context({ Dockerfile: "FROM busybox\nCOPY link /link-copy\n", "inside.txt": "in\n" });
    fs.symlinkSync(outside, `${dir}/link`);
    const r = build(["-t", "hostile", dir]);
    if (r.code === 0) {
      const seen = root.t.berth(["run", "--rm", "hostile", "cat", "/link-copy"]);
      assert.doesNotMatch(seen.stdout, /host secret/);
    } else {
      assert.doesNotMatch(r.stderr, /host secret/);
    }
    const up = context({ Dockerfile: "FROM busybox\nCOPY ../secret.txt /s\n" });
    const r2 = build(["-t", "hostile2", up]);
    assert.notEqual(r2.code, 0, "../secret.txt is the context's secret.txt, which is not there");
  });

  test("builder prune empties the cache; system df counts it", () => {
    const dir = context({ Dockerfile: "FROM busybox\nRUN echo prune > /p\n" });
    assert.equal(build([dir]).code, 0);
    assert.match(ok(["system", "df"]), /Build Cache\s+[1-9]/);
    const pruned = ok(["builder", "prune", "-af"]);
    assert.match(pruned, /Total reclaimed space:/);
    assert.match(ok(["system", "df"]), /Build Cache\s+0\s/);
    const again = build([dir]);
    assert.doesNotMatch(again.stderr, /CACHED/, "nothing cached any more");
    assert.equal(ok(["system", "check"]).trim(), "No problems found");
    // system prune takes what the cache alone holds: here a RUN --mount=type=cache directory.
    const mounts = context({ Dockerfile: "FROM busybox\nRUN --mount=type=cache,target=/c echo x > /c/x\n" });
    assert.equal(build(["-t", "with-cache-mount", mounts]).code, 0);
    assert.match(ok(["system", "prune", "-f"]), /Deleted build cache objects:\n[a-z0-9]{25}\n/);
    assert.equal(inspect("busybox").RootFS.Layers.length > 0, true, "system prune without -a keeps tagged images");
  });

  test("a build killed halfway leaves a store that system check passes", async () => {
    const dir = context({ Dockerfile: "FROM busybox\nRUN echo before > /b\nRUN sleep 30\n" });
    const child = root.t.spawnBerth(["build", "--progress", "plain", "--network", "none", "-t", "killed", dir]);
    let seen = "";
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 20000);
      child.stderr!.on("data", (c: Buffer) => {
        seen += c.toString();
        if (/sleep 30/.test(seen) && /Running in|#\d+ \[/.test(seen)) {
          setTimeout(() => {
            clearTimeout(timer);
            resolve();
          }, 1500);
        }
      });
    });
    const closed = child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.on("close", resolve));
    child.kill("SIGKILL");
    await closed;
    assert.match(seen, /sleep 30/, "the build was killed while its RUN ran");
    assert.equal(root.t.berth(["image", "inspect", "killed"]).code, 1, "nothing tagged");
    const check = ok(["system", "check"]).trim().split("\n");
    assert.equal(check.at(-1), "No problems found");
    assert.ok(
      check.slice(0, -1).every((line) => line.startsWith("leftover: work dir")),
      check.join("\n"),
    );
    const next = build(["-t", "after-kill", context({ Dockerfile: "FROM busybox\nRUN echo after > /a\n" })]);
    assert.equal(next.code, 0, next.stderr);
    assert.equal(containers(), "", "the next build removed the killed build's step container");
  });
});
