// `berth build`: what goes into a build, end to end with the CLI: RUN --mount (cache, secret, bind,
// tmpfs), ADD of a tar and of a URL, COPY's flags, contexts and Dockerfiles from stdin,
// .dockerignore files, the flags that shape the RUN containers or the cache, and a context too
// big to read whole. The instructions themselves are dockerfile-build.test.ts's.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import type { AddressInfo } from "node:net";
import { isRoot } from "../helpers/temp-root.js";
import { useBusyboxRoot } from "../helpers/busybox-root.js";
import { writeContext } from "../helpers/build-context.js";

const skip = isRoot() ? false : "needs root";

describe("berth build: inputs", { skip }, () => {
  const root = useBusyboxRoot();
  const ok = root.ok;

  /** A context directory of the test's, with these files. */
  const context = (files: Record<string, string>): string => writeContext(root.t.dir, files);
  const BASE = ["build", "--progress", "plain", "--network", "none"];
  const build = (args: string[], input?: string | Buffer, env?: NodeJS.ProcessEnv) =>
    root.t.berth([...BASE, ...args], { ...(input === undefined ? {} : { input }), ...(env ? { env } : {}) });
  const built = (args: string[], input?: string | Buffer, env?: NodeJS.ProcessEnv): string => {
    const r = build(args, input, env);
    assert.equal(r.code, 0, r.stderr);
    return r.stderr;
  };
  // What an image holds, read by a container of it; no network, which would only slow each run.
  const sh = (image: string, script: string) => ok(["run", "--rm", "--network", "none", image, "sh", "-c", script]);
  const cat = (image: string, ...files: string[]) => sh(image, `cat ${files.join(" ")}`);
  const cachedSteps = (stderr: string) => (stderr.match(/CACHED/g) ?? []).length;
  /** Every byte of the image as `save` writes it, gunzipped where a layer is compressed. */
  const savedImage = (image: string): Buffer => {
    const tar = `${root.t.dir}/saved-${image.replace(/\W/g, "_")}.tar`;
    ok(["save", "-o", tar, image]);
    const dir = fs.mkdtempSync(`${root.t.dir}/saved-`);
    assert.equal(spawnSync("tar", ["-xf", tar, "-C", dir]).status, 0);
    const parts: Buffer[] = [fs.readFileSync(tar)];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = `${d}/${e.name}`;
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) {
          const bytes = fs.readFileSync(p);
          parts.push(bytes[0] === 0x1f && bytes[1] === 0x8b ? spawnSync("gzip", ["-dc", p]).stdout : bytes);
        }
      }
    };
    walk(dir);
    return Buffer.concat(parts);
  };

  test("RUN --mount=type=cache: kept between builds, in no layer, listed by system df -v, gone after builder prune -af", () => {
    const dir = context({
      Dockerfile: [
        "FROM busybox",
        "ARG ROUND",
        "RUN --mount=type=cache,target=/var/cache/app,id=counter sh -c 'n=$(cat /var/cache/app/n 2>/dev/null || echo 0); echo $((n + 1)) > /var/cache/app/n; echo \"$ROUND $((n + 1))\" > /seen'",
        "",
      ].join("\n"),
    });
    built(["--build-arg", "ROUND=a", "-t", "cm", dir]);
    assert.equal(cat("cm", "/seen"), "a 1\n");
    built(["--build-arg", "ROUND=b", "-t", "cm", dir]);
    assert.equal(
      sh("cm", "cat /seen; ls -A /var/cache/app 2>/dev/null; true"),
      "b 2\n",
      "the second build saw the first one's file, which is not in the image",
    );
    const df = ok(["system", "df", "-v"]);
    assert.match(df, /counter|exec\.cachemount|cache mount/i, df);
    ok(["builder", "prune", "-af"]);
    assert.doesNotMatch(ok(["system", "df", "-v"]), /counter/);
    built(["--build-arg", "ROUND=c", "-t", "cm", dir]);
    assert.equal(cat("cm", "/seen"), "c 1\n", "the pruned cache starts empty");
  });

  test("RUN --mount=type=secret from a file and from an env var: read by the RUN, never in layers, history or inspect, not in the key", () => {
    const fileText = "file-secret-Zq8vW3";
    const envText = "env-secret-Kp2xR7";
    const secretFile = `${root.t.dir}/secret-x`;
    fs.writeFileSync(secretFile, fileText);
    const dir = context({
      Dockerfile: [
        "FROM busybox",
        "RUN --mount=type=secret,id=x --mount=type=secret,id=y,target=/etc/y.txt \\",
        "    sh -c 'md5sum < /run/secrets/x | cut -c1-32 > /sums; md5sum < /etc/y.txt | cut -c1-32 >> /sums'",
        "",
      ].join("\n"),
    });
    const args = ["--secret", `id=x,src=${secretFile}`, "--secret", "id=y,env=BUILD_Y", "-t", "sec", dir];
    const out = built(args, undefined, { BUILD_Y: envText });
    const md5 = (text: string) => createHash("md5").update(text).digest("hex");
    assert.equal(cat("sec", "/sums"), `${md5(fileText)}\n${md5(envText)}\n`, "the RUN read both");
    assert.equal(
      sh("sec", "ls -A /run/secrets 2>/dev/null; test -s /etc/y.txt && echo y-left; true"),
      "",
      "nothing is left where they were mounted",
    );
    const seen = [out, savedImage("sec").toString("latin1"), ok(["history", "--no-trunc", "sec"]), ok(["image", "inspect", "sec"])].join(
      "\n",
    );
    assert.doesNotMatch(seen, new RegExp(fileText));
    assert.doesNotMatch(seen, new RegExp(envText));
    const id = ok(["image", "inspect", "--format", "{{.Id}}", "sec"]);

    fs.writeFileSync(secretFile, "another-file-secret");
    const again = built(args, undefined, { BUILD_Y: "another-env-secret" });
    assert.equal(cachedSteps(again), 1, `a new secret keeps the cache (BuildKit's rule):\n${again}`);
    assert.equal(ok(["image", "inspect", "--format", "{{.Id}}", "sec"]), id);
  });

  test("a required secret that was not given fails the build, naming it; an optional one is simply absent", () => {
    const required = context({ Dockerfile: "FROM busybox\nRUN --mount=type=secret,id=token,required=true cat /run/secrets/token\n" });
    const r = build(["-t", "nosecret", required]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /secret.*token|token.*secret/i);
    assert.match(r.stderr, /not found|not given|missing|required/i);
    assert.equal(root.t.berth(["image", "inspect", "nosecret"]).code, 1);
    assert.equal(ok(["ps", "-aq"]).trim(), "");

    const optional = context({
      Dockerfile:
        "FROM busybox\nRUN --mount=type=secret,id=opt sh -c 'test -e /run/secrets/opt && echo there > /opt || echo absent > /opt'\n",
    });
    built(["-t", "optsecret", optional]);
    assert.equal(cat("optsecret", "/opt"), "absent\n");

    const missingFile = build(["--secret", `id=x,src=${root.t.dir}/no-such-secret`, "-t", "nofile", optional]);
    assert.equal(missingFile.code, 1, missingFile.stderr);
    assert.match(missingFile.stderr, /secret x: failed to stat .*no-such-secret/, "checked before any step, as buildx does");
  });

  test("RUN --mount=type=bind of the context (read-only) and of a stage; type=tmpfs", () => {
    const dir = context({
      Dockerfile: [
        "FROM busybox AS tools",
        "RUN mkdir /out && echo from-stage > /out/made",
        "",
        "FROM busybox",
        "RUN --mount=type=bind,target=/ctx sh -c 'cat /ctx/in.txt > /from-ctx; (touch /ctx/new 2>/dev/null && echo rw || echo ro) > /ctx-mode'",
        "RUN --mount=type=bind,source=sub,target=/sub,rw sh -c 'cat /sub/s.txt > /from-sub; echo scribble > /sub/s.txt'",
        "RUN --mount=type=bind,from=tools,source=/out,target=/tools cat /tools/made > /from-tools",
        'RUN --mount=type=tmpfs,target=/scratch sh -c \'echo t > /scratch/f; grep " /scratch " /proc/mounts | cut -d" " -f3 > /scratch-type\'',
        "",
      ].join("\n"),
      "in.txt": "context file\n",
      "sub/s.txt": "sub file\n",
    });
    built(["-t", "binds", dir]);
    assert.equal(
      cat("binds", "/from-ctx", "/ctx-mode", "/from-sub", "/from-tools", "/scratch-type"),
      "context file\nro\nsub file\nfrom-stage\ntmpfs\n",
    );
    assert.equal(fs.readFileSync(`${dir}/sub/s.txt`, "utf8"), "sub file\n", "an rw bind's writes are thrown away");
    assert.equal(sh("binds", "ls -A /ctx /sub /tools /scratch 2>/dev/null; true"), "", "no mount's content is in the image");
  });

  test("ADD of a local .tar.gz extracts it; ADD of a URL with --checksum, good and bad", async () => {
    const src = fs.mkdtempSync(`${root.t.dir}/tarsrc-`);
    fs.mkdirSync(`${src}/pkg/bin`, { recursive: true });
    fs.writeFileSync(`${src}/pkg/bin/tool`, "#!/bin/sh\necho tool\n", { mode: 0o755 });
    fs.writeFileSync(`${src}/pkg/README`, "readme\n");
    const payload = "served over loopback\n";
    const sha = createHash("sha256").update(payload).digest("hex");
    const server = http.createServer((req, res) => {
      if (req.url === "/files/data.txt") res.end(payload);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const dir = context({
        Dockerfile: [
          "FROM busybox",
          "ADD pkg.tar.gz /opt/",
          `ADD --checksum=sha256:${sha} http://127.0.0.1:${port}/files/data.txt /downloads/`,
          "",
        ].join("\n"),
      });
      assert.equal(spawnSync("tar", ["-czf", `${dir}/pkg.tar.gz`, "-C", src, "pkg"]).status, 0);
      const r = await root.t.berthAsync([...BASE, "-t", "adds", dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        sh("adds", "/opt/pkg/bin/tool; cat /opt/pkg/README /downloads/data.txt; test -e /opt/pkg.tar.gz && echo kept || echo extracted"),
        `tool\nreadme\n${payload}extracted\n`,
      );

      const bad = context({
        Dockerfile: `FROM busybox\nADD --checksum=sha256:${"0".repeat(64)} http://127.0.0.1:${port}/files/data.txt /d.txt\n`,
      });
      const wrong = await root.t.berthAsync([...BASE, "-t", "badsum", bad]);
      assert.equal(wrong.code, 1, wrong.stderr);
      assert.match(wrong.stderr, /checksum|digest/i);
      assert.match(wrong.stderr, new RegExp(sha), "the actual digest is named");
      assert.equal(root.t.berth(["image", "inspect", "badsum"]).code, 1);
    } finally {
      server.close();
    }
  });

  test("COPY --chown, --chmod, wildcards, --parents, --exclude and a heredoc", () => {
    const dir = context({
      Dockerfile: [
        "FROM busybox",
        "ENV WHO=world",
        "COPY --chown=1234:5678 --chmod=0750 *.sh /scripts/",
        "COPY --parents a/b/one.txt c/two.txt /tree/",
        "COPY --exclude=**/*.log --exclude=skip/ src/ /src/",
        "COPY <<EOF /greeting",
        "hello $WHO",
        "EOF",
        "COPY <<'EOF' /literal",
        "hello $WHO",
        "EOF",
        "",
      ].join("\n"),
      "run.sh": "echo run\n",
      "build.sh": "echo build\n",
      "notes.txt": "not a script\n",
      "a/b/one.txt": "1\n",
      "a/other.txt": "x\n",
      "c/two.txt": "2\n",
      "src/keep.txt": "k\n",
      "src/debug.log": "d\n",
      "src/deep/more.log": "d\n",
      "src/skip/s.txt": "s\n",
    });
    built(["-t", "copies", dir]);
    assert.equal(
      sh("copies", "stat -c '%n %u:%g %a' /scripts/*; ls -A /scripts"),
      "/scripts/build.sh 1234:5678 750\n/scripts/run.sh 1234:5678 750\nbuild.sh\nrun.sh\n",
    );
    assert.equal(
      sh("copies", "cd /tree && find . -type f | sort; cd /src && find . -type f | sort; cat /greeting /literal"),
      "./a/b/one.txt\n./c/two.txt\n./keep.txt\nhello world\nhello $WHO\n",
      "--parents keeps the paths, --exclude leaves out the logs and skip/, a quoted heredoc is not expanded",
    );
  });

  test("a context tar on stdin, plain and gzipped; a Dockerfile alone on stdin; -f - with a directory", () => {
    const dir = context({ Dockerfile: "FROM busybox\nCOPY in.txt /in.txt\n", "in.txt": "from the tar\n" });
    const tar = spawnSync("tar", ["-cf", "-", "-C", dir, "."]).stdout;
    built(["-t", "stdin-tar", "-"], tar);
    assert.equal(cat("stdin-tar", "/in.txt"), "from the tar\n");
    const tgz = spawnSync("gzip", ["-c"], { input: tar }).stdout;
    const gz = built(["--no-cache", "-t", "stdin-tgz", "-"], tgz);
    assert.doesNotMatch(gz, /CACHED/);
    assert.equal(cat("stdin-tgz", "/in.txt"), "from the tar\n");

    built(["-t", "stdin-df", "-"], "FROM busybox\nRUN echo no context > /nc\n");
    assert.equal(cat("stdin-df", "/nc"), "no context\n");
    const noContext = build(["-t", "stdin-df2", "-"], "FROM busybox\nCOPY in.txt /in.txt\n");
    assert.equal(noContext.code, 1, "a Dockerfile alone has no files to COPY");
    assert.match(noContext.stderr, /in\.txt/);

    built(["-t", "stdin-f", "-f", "-", dir], "FROM busybox\nCOPY in.txt /via-f\n");
    assert.equal(cat("stdin-f", "/via-f"), "from the tar\n");
  });

  test(".dockerignore with ! and **; -f other.Dockerfile reads other.Dockerfile.dockerignore", () => {
    const dir = context({
      Dockerfile: "FROM busybox\nCOPY . /ctx\n",
      ".dockerignore": ["# comment", "*.log", "!keep.log", "**/*.tmp", "docs", "!docs/readme.md", "node_modules", ""].join("\n"),
      "a.txt": "a\n",
      "b.log": "b\n",
      "keep.log": "k\n",
      "logs/x.log": "x\n",
      "c.tmp": "c\n",
      "deep/a/b/c.tmp": "c\n",
      "docs/readme.md": "r\n",
      "docs/secret.md": "s\n",
      "node_modules/m/i.js": "i\n",
      "build/other.Dockerfile": "FROM busybox\nCOPY . /ctx\n",
      "build/other.Dockerfile.dockerignore": "*\n!a.txt\n",
    });
    built(["-t", "ignored", dir]);
    assert.equal(
      sh("ignored", "cd /ctx && find . -type f | sort"),
      [
        "./.dockerignore",
        "./Dockerfile",
        "./a.txt",
        "./build/other.Dockerfile",
        "./build/other.Dockerfile.dockerignore",
        "./docs/readme.md",
        "./keep.log",
        "./logs/x.log",
        "",
      ].join("\n"),
    );
    built(["-t", "ignored2", "-f", `${dir}/build/other.Dockerfile`, dir]);
    assert.equal(
      sh("ignored2", "cd /ctx && find . -type f | sort"),
      "./a.txt\n",
      "the Dockerfile's own ignore file wins over .dockerignore",
    );
  });

  test("--iidfile, -q, --no-cache-filter and --cache-from", () => {
    const dir = context({
      Dockerfile: "FROM busybox AS one\nRUN echo one > /one\n\nFROM one AS two\nRUN echo two > /two\n",
    });
    const iid = `${root.t.dir}/iid`;
    built(["--iidfile", iid, "-t", "ids", dir]);
    const id = ok(["image", "inspect", "--format", "{{.Id}}", "ids"]).trim();
    assert.equal(fs.readFileSync(iid, "utf8"), id);
    const q = root.t.berth(["build", "-q", "--network", "none", dir]);
    assert.equal(q.code, 0, q.stderr);
    assert.equal(q.stdout, `${id}\n`, "stdout is the ID alone");

    const filtered = built(["--no-cache-filter", "two", "-t", "ids", dir]);
    assert.equal(cachedSteps(filtered), 1, `stage one is cached, stage two is not:\n${filtered}`);

    const other = context({ Dockerfile: "FROM busybox\nRUN echo one > /one\nRUN echo three > /three\n" });
    built(["-t", "three", other]);
    assert.equal(cachedSteps(built(["-t", "three", other])), 2, "both steps are in the local cache");
    const from = built(["--cache-from", "ids", "-t", "three", other]);
    assert.equal(cachedSteps(from), 1, `only the step in ids's chain is used:\n${from}`);
  });

  test("--pull with no registry reachable fails clearly, sending nothing past loopback", () => {
    const dir = context({ Dockerfile: "FROM busybox\nRUN true\n" });
    const r = build(["--pull", "-t", "pulled", dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /busybox/);
    assert.match(r.stderr, /loopback|registry-1\.docker\.io|docker\.io/i);
    assert.equal(root.t.berth(["image", "inspect", "pulled"]).code, 1);
  });

  test("--add-host, --ulimit and --shm-size reach the RUN containers", () => {
    const dir = context({
      Dockerfile: "FROM busybox\nRUN grep myhost /etc/hosts > /hosts && ulimit -n > /nofile && grep ' /dev/shm ' /proc/mounts > /shm\n",
    });
    built(["--add-host", "myhost:10.1.2.3", "--ulimit", "nofile=1234:1234", "--shm-size", "32m", "-t", "runflags", dir]);
    const hosts = cat("runflags", "/hosts");
    assert.match(hosts, /^10\.1\.2\.3\s+myhost$/m);
    assert.equal(sh("runflags", "cat /nofile; cut -d' ' -f4 /shm | tr , '\\n' | grep '^size='"), "1234\nsize=32768k\n");
  });

  test("a 200 MB file that the Dockerfile does not copy costs the build nothing", () => {
    const dir = context({ Dockerfile: "FROM busybox\nCOPY small.txt /small.txt\n", "small.txt": "small\n" });
    const huge = fs.openSync(`${dir}/huge.bin`, "w");
    fs.ftruncateSync(huge, 200 * 1024 * 1024);
    fs.closeSync(huge);
    const started = Date.now();
    built(["-t", "huge", dir]);
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 15000, `the build took ${elapsed} ms`);
    assert.equal(sh("huge", "cat /small.txt; test -e /huge.bin && echo copied || echo not"), "small\nnot\n");
  });
});
