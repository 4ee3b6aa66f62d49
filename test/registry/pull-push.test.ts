// berth against real registries on loopback (Debian's docker-registry, CNCF Distribution 2.8):
// plain HTTP, TLS with a test CA in certs.d, basic auth, token auth; and against a lying registry
// written for the tests. Content pushed by the fixtures never goes through berth's own client.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { createTempRoot, isRoot, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";
import { countRequests, readAccessLog, startRegistry, type RegistryHandle } from "../helpers/registry.js";
import { buildImage, filesLayer, pushImage, pushMultiPlatform, runnableLayers } from "../helpers/registry-fixtures.js";
import { startHostileRegistry } from "../helpers/hostile-registry.js";

const hasRegistry = spawnSync("docker-registry", ["--version"]).status === 0;
const skip = !isRoot() ? "needs root" : !hasRegistry ? "needs Debian's docker-registry" : false;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

interface Berth {
  t: TempRoot;
  config: string;
  run(args: string[], opts?: { input?: string; certs?: string }): Promise<Result>;
  ok(args: string[], opts?: { input?: string; certs?: string }): Promise<string>;
}

/**
 * berth as a child process, awaited without blocking: the token issuer and the lying registry
 * live in this test process and must answer while berth runs.
 */
function berthWith(t: TempRoot): Berth {
  const config = `${t.dir}/docker-config`;
  const run: Berth["run"] = (args, opts = {}) =>
    t.berthAsync(["--config", config, "--certs-dir", opts.certs ?? `${t.dir}/no-certs`, ...args], { input: opts.input ?? "" });
  return {
    t,
    config,
    run,
    async ok(args, opts) {
      const r = await run(args, opts);
      assert.equal(r.code, 0, `berth ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    },
  };
}

function manifestDigestOf(pushOutput: string, tag: string): string {
  const m = new RegExp(`^${tag}: digest: (sha256:[a-f0-9]{64}) size: \\d+$`, "m").exec(pushOutput);
  assert.ok(m, `no digest line for ${tag} in:\n${pushOutput}`);
  return m[1]!;
}

describe("registries", { skip }, () => {
  let t: TempRoot;
  let b: Berth;
  let reg: RegistryHandle;
  before(async () => {
    t = createTempRoot("berth-registry-");
    b = berthWith(t);
    await b.ok(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
    reg = await startRegistry({ mode: "http" });
  });
  after(async () => {
    await reg?.stop();
    t?.cleanup();
  });

  test("push, rmi, pull, run: layers, config and manifest travel intact; a second tag uploads nothing", async () => {
    const repo = `${reg.host}/seed/app`;
    await b.ok(["run", "--name", "maker", "busybox", "sh", "-c", "echo committed > /made.txt"]);
    await b.ok(["commit", "-c", 'CMD ["cat", "/made.txt"]', "maker", `${repo}:v1`]);
    await b.ok(["rm", "maker"]);

    const first = await b.ok(["push", `${repo}:v1`]);
    assert.match(first, new RegExp(`^The push refers to repository \\[${reg.host}/seed/app\\]$`, "m"));
    assert.equal((first.match(/: Pushed$/gm) ?? []).length, 2, first);
    const digest = manifestDigestOf(first, "v1");
    const uploadsAfterFirst = await countRequests(reg, "PUT", /\/blobs\/uploads\//, { status: 201 });
    assert.equal(
      uploadsAfterFirst,
      3,
      `two layers and the config: ${JSON.stringify(
        readAccessLog(reg)
          .filter((e) => e.method === "PUT")
          .map((e) => e.url.slice(0, 60)),
      )}`,
    );

    // Same image under another tag: every layer is already there; the manifest is the same bytes.
    await b.ok(["tag", `${repo}:v1`, `${repo}:v2`]);
    const second = await b.ok(["push", `${repo}:v2`]);
    assert.equal((second.match(/: Layer already exists$/gm) ?? []).length, 2, second);
    assert.equal(manifestDigestOf(second, "v2"), digest);
    assert.equal(await countRequests(reg, "PUT", /\/blobs\/uploads\//, { status: 201 }), uploadsAfterFirst, "nothing new uploaded");

    // Another repository on the same registry: the layers are mounted, not sent.
    await b.ok(["tag", `${repo}:v1`, `${reg.host}/other/app:v1`]);
    const third = await b.ok(["push", `${reg.host}/other/app:v1`]);
    assert.equal((third.match(/: Mounted from seed\/app$/gm) ?? []).length, 2, third);
    assert.equal(await countRequests(reg, "PUT", /\/blobs\/uploads\//, { status: 201 }), uploadsAfterFirst, "mounts upload nothing");

    const all = await b.ok(["push", "-a", repo]);
    assert.equal(manifestDigestOf(all, "v1"), digest);
    assert.equal(manifestDigestOf(all, "v2"), digest);
    assert.equal(await b.ok(["push", "-q", `${repo}:v1`]), `${repo}:v1\n`);

    const inspect = JSON.parse(await b.ok(["image", "inspect", `${repo}:v1`]))[0];
    assert.ok(inspect.RepoDigests.includes(`${repo}@${digest}`), JSON.stringify(inspect.RepoDigests));

    const rmi = await b.ok(["rmi", `${repo}:v1`, `${repo}:v2`, `${reg.host}/other/app:v1`]);
    assert.match(rmi, new RegExp(`^Untagged: ${repo}@${digest}$`, "m"));
    assert.match(rmi, /^Deleted: sha256:/m);

    const layersBefore = fs.readdirSync(`${t.root}/layers`).length;
    const pulled = await b.ok(["pull", `${repo}:v1`]);
    const lines = pulled.trimEnd().split("\n");
    assert.equal(lines[0], "v1: Pulling from seed/app");
    assert.ok(lines.includes(`Digest: ${digest}`), pulled);
    assert.equal(lines.at(-2), `Status: Downloaded newer image for ${repo}:v1`);
    assert.equal(lines.at(-1), `${repo}:v1`);
    // The base layer is busybox's, still in the store: its compressed blob is fetched (the image's
    // manifest names it) but it is not unpacked again.
    assert.equal((pulled.match(/: Pull complete$/gm) ?? []).length, 2, pulled);
    assert.equal(fs.readdirSync(`${t.root}/layers`).length, layersBefore + 1, "only the committed layer is unpacked");
    assert.doesNotMatch(pulled, /Downloading/, "no byte counts when piped");
    assert.equal(await b.ok(["run", "--rm", `${repo}:v1`]), "committed\n");
    assert.equal(JSON.parse(await b.ok(["image", "inspect", `${repo}:v1`]))[0].RepoDigests[0], `${repo}@${digest}`);

    const again = await b.ok(["pull", `${repo}:v1`]);
    assert.match(again, new RegExp(`^Status: Image is up to date for ${repo}:v1$`, "m"));
    const byDigest = await b.ok(["pull", `${repo}@${digest}`]);
    assert.match(byDigest, new RegExp(`^${digest}: Pulling from seed/app$`, "m"));
    assert.match(byDigest, new RegExp(`^${repo}@${digest}$`, "m"));
    assert.match(await b.ok(["images", "--digests", repo]), new RegExp(`${repo}\\s+v1\\s+${digest}`));
    assert.equal(await b.ok(["system", "check"]), "No problems found\n");
  });

  test("an index with two platforms: this machine's is chosen, --platform picks the other", async () => {
    const repo = `${reg.host}/multi`;
    const mp = await pushMultiPlatform(reg, "multi", "latest", { kind: "docker" });
    const out = await b.ok(["pull", repo]);
    assert.match(out, /^Using default tag: latest$/m);
    assert.match(out, new RegExp(`^Digest: ${mp.index.digest}$`, "m"), "Docker reports the index digest");
    assert.equal(await b.ok(["run", "--rm", repo]), "amd64\n");
    await b.ok(["pull", "-q", "--platform", "linux/arm64", repo]);
    const arm = JSON.parse(await b.ok(["image", "inspect", repo]))[0];
    assert.equal(arm.Architecture, "arm64");
    assert.equal(arm.Id, mp.arm64.configDigest);
    const none = await b.run(["pull", "--platform", "linux/s390x", repo]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no matching manifest for linux\/s390x in the manifest list entries/);
  });

  test("run pulls a missing image, zstd layers included; --pull never does not", async () => {
    await pushImage(reg, "zstd/app", "1", {
      layers: await runnableLayers(),
      compression: "zstd",
      runConfig: { Cmd: ["cat", "/hello.txt"] },
    });
    const never = await b.run(["run", "--rm", "--pull", "never", `${reg.host}/zstd/app:1`]);
    assert.equal(never.code, 125);
    const r = await b.run(["run", "--rm", `${reg.host}/zstd/app:1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "hello from the registry\n", "the pull's progress goes to stderr");
    assert.match(r.stderr, new RegExp(`^Unable to find image '${reg.host}/zstd/app:1' locally\\n1: Pulling from zstd/app\\n`));
    assert.match(r.stderr, new RegExp(`Status: Downloaded newer image for ${reg.host}/zstd/app:1\\n$`));
  });

  test("the tests' guard: a Docker Hub name is refused before any lookup", async () => {
    const r = await b.run(["pull", "busybox"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Get "https:\/\/registry-1\.docker\.io\/v2\/": refused: this berth may reach loopback registries only/);
  });

  test("pull -a brings every tag; a missing tag is Docker's 'manifest unknown'", async () => {
    await pushImage(reg, "alltags/app", "a", { layers: [await filesLayer({ "a.txt": "a\n" })] });
    await pushImage(reg, "alltags/app", "b", { layers: [await filesLayer({ "b.txt": "b\n" })] });
    const out = await b.ok(["pull", "-a", `${reg.host}/alltags/app`]);
    assert.match(out, /^a: Pulling from alltags\/app$/m);
    assert.match(out, /^b: Pulling from alltags\/app$/m);
    assert.match(out, new RegExp(`^${reg.host}/alltags/app$`, "m"));
    assert.match(await b.ok(["images", "--format", "{{.Tag}}", `${reg.host}/alltags/app`]), /^b\na\n$|^a\nb\n$/);
    const missing = await b.run(["pull", `${reg.host}/alltags/app:nope`]);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      new RegExp(`Error response from daemon: manifest for ${reg.host}/alltags/app:nope not found: manifest unknown: manifest unknown`),
    );
  });
});

describe("registries with TLS and credentials", { skip }, () => {
  let t: TempRoot;
  let b: Berth;
  before(async () => {
    t = createTempRoot("berth-registry-auth-");
    b = berthWith(t);
    await b.ok(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
  });
  after(() => t?.cleanup());

  test("TLS: the registry's CA in certs.d is trusted, nothing else is", async () => {
    const reg = await startRegistry({ mode: "tls" });
    try {
      await b.ok(["tag", "busybox", `${reg.host}/tls/busybox:1`]);
      const untrusted = await b.run(["push", `${reg.host}/tls/busybox:1`]);
      assert.equal(untrusted.code, 1);
      assert.match(untrusted.stderr, /x509: certificate signed by unknown authority/);
      await b.ok(["push", `${reg.host}/tls/busybox:1`], { certs: reg.certsDir! });
      await b.ok(["rmi", `${reg.host}/tls/busybox:1`]);
      await b.ok(["pull", `${reg.host}/tls/busybox:1`], { certs: reg.certsDir! });
    } finally {
      await reg.stop();
    }
  });

  test("basic auth: login checks the password, stores it as Docker does, logout forgets it", async () => {
    const reg = await startRegistry({ mode: "basic" });
    try {
      await b.ok(["tag", "busybox", `${reg.host}/private/busybox:1`]);
      const anonymous = await b.run(["push", `${reg.host}/private/busybox:1`]);
      assert.equal(anonymous.code, 1);
      assert.match(anonymous.stderr, /unauthorized/);
      const wrong = await b.run(["login", "-u", reg.username!, "--password-stdin", reg.host], { input: "wrong\n" });
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, new RegExp(`login attempt to http://${reg.host}/v2/ failed with status: 401 Unauthorized`));
      assert.equal(fs.existsSync(`${b.config}/config.json`), false, "a failed login stores nothing");
      const good = await b.run(["login", "-u", reg.username!, "--password-stdin", reg.host], { input: `${reg.password}\n` });
      assert.equal(good.code, 0, good.stderr);
      assert.equal(good.stdout, "Login Succeeded\n");
      const saved = JSON.parse(fs.readFileSync(`${b.config}/config.json`, "utf8"));
      assert.equal(Buffer.from(saved.auths[reg.host].auth, "base64").toString(), `${reg.username}:${reg.password}`);
      assert.equal(fs.statSync(`${b.config}/config.json`).mode & 0o777, 0o600);
      await b.ok(["push", `${reg.host}/private/busybox:1`]);
      await b.ok(["rmi", `${reg.host}/private/busybox:1`]);
      await b.ok(["pull", `${reg.host}/private/busybox:1`]);
      assert.equal(await b.ok(["logout", reg.host]), `Removing login credentials for ${reg.host}\n`);
      assert.equal(await b.ok(["logout", reg.host]), `Not logged in to ${reg.host}\n`);
      await b.ok(["rmi", `${reg.host}/private/busybox:1`]);
      const after = await b.run(["pull", `${reg.host}/private/busybox:1`]);
      assert.equal(after.code, 1);
    } finally {
      await reg.stop();
    }
  });

  test("token auth, Docker Hub's way: an anonymous pull gets an anonymous pull token", async () => {
    const reg = await startRegistry({ mode: "token" });
    try {
      await pushImage(reg, "library/hello", "latest", { layers: await runnableLayers(), runConfig: { Cmd: ["cat", "/hello.txt"] } });
      const r = await b.run(["run", "--rm", `${reg.host}/library/hello`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "hello from the registry\n");
      const berthTokens = reg.tokenRequests.filter((q) => q.credentials === "anonymous");
      assert.ok(
        berthTokens.some((q) => q.scopes.includes("repository:library/hello:pull")),
        JSON.stringify(reg.tokenRequests),
      );
    } finally {
      await reg.stop();
    }
  });

  test("token auth over TLS: tokens for exactly the scopes needed; anonymous pulls refused when the issuer says so", async () => {
    const reg = await startRegistry({ mode: "token", tls: true, anonymousPull: false });
    try {
      const certs = reg.certsDir!;
      const repo = `${reg.host}/tok/busybox`;
      await b.ok(["tag", "busybox", `${repo}:1`]);
      const denied = await b.run(["pull", `${repo}:1`], { certs });
      assert.equal(denied.code, 1);
      assert.match(denied.stderr, /pull access denied for .*tok\/busybox, repository does not exist or may require 'docker login'/);
      const wrong = await b.run(["login", "-u", reg.username!, "-p", "nope", reg.host], { certs });
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /unauthorized/);
      await b.ok(["login", "-u", reg.username!, "--password-stdin", reg.host], { input: reg.password!, certs });
      await b.ok(["push", `${repo}:1`], { certs });
      const scopes = reg.tokenRequests.flatMap((r) => r.scopes);
      assert.ok(scopes.includes("repository:tok/busybox:pull,push"), JSON.stringify(scopes));
      await b.ok(["rmi", `${repo}:1`]);
      await b.ok(["pull", `${repo}:1`], { certs });
      assert.equal(await b.ok(["run", "--rm", `${repo}:1`, "echo", "ok"]), "ok\n");
    } finally {
      await reg.stop();
    }
  });
});

describe("a registry that lies", { skip }, () => {
  let t: TempRoot;
  let b: Berth;
  before(async () => {
    t = createTempRoot("berth-hostile-");
    b = berthWith(t);
  });
  after(() => t?.cleanup());

  async function image() {
    return buildImage({ layers: await runnableLayers(), runConfig: { Cmd: ["cat", "/hello.txt"] } });
  }

  async function assertNothingStored() {
    assert.equal(await b.ok(["images", "-a", "-q"]), "");
    assert.equal(await b.ok(["system", "check"]), "No problems found\n");
  }

  test("a blob that does not match its digest, or is longer than the manifest says, leaves nothing", async () => {
    const reg = await startHostileRegistry();
    try {
      const img = await image();
      reg.addImage("lie/app", img, "1");
      reg.switches.wrongDigest = true;
      const wrong = await b.run(["pull", `${reg.host}/lie/app:1`]);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /digest mismatch/);
      await assertNothingStored();
      reg.switches.wrongDigest = false;
      reg.switches.extraBytes = 10;
      const longer = await b.run(["pull", `${reg.host}/lie/app:1`]);
      assert.equal(longer.code, 1);
      assert.match(longer.stderr, /announced \d+ bytes, the manifest says|more than the \d+ bytes/);
      await assertNothingStored();
      reg.switches.extraBytes = 0;
      reg.switches.disguisedIndex = true;
      const disguised = await b.run(["pull", `${reg.host}/lie/app:1`]);
      assert.match(disguised.stderr, /both an index and an image manifest/);
      reg.switches.disguisedIndex = false;
      reg.switches.oversizedManifest = true;
      const big = await b.run(["pull", `${reg.host}/lie/app:1`]);
      assert.match(big.stderr, /manifest is larger than 4194304 bytes/);
      reg.switches.oversizedManifest = false;
      reg.switches.tamperManifest = true;
      const tampered = await b.run(["pull", `${reg.host}/lie/app@${img.manifestDigest}`]);
      assert.match(tampered.stderr, /manifest verification failed for digest/);
      await assertNothingStored();
    } finally {
      await reg.stop();
    }
  });

  test("a connection cut in the middle of a layer is retried; cut for good, the pull fails cleanly and the next one completes", async () => {
    const reg = await startHostileRegistry();
    try {
      const img = await image();
      reg.addImage("cut/app", img, "1");
      reg.switches.onlyDigests = [img.layers[0]!.digest];
      // Cut once: the layer is fetched again and the pull succeeds.
      reg.switches.closeAfter = { bytes: 1000, times: 1 };
      const retried = await b.ok(["pull", `${reg.host}/cut/app:1`]);
      assert.match(retried, new RegExp(`^${img.layers[0]!.digest.slice(7, 19)}: Retrying in 1 second$`, "m"));
      await b.ok(["rmi", `${reg.host}/cut/app:1`]);
      // Cut every time: berth gives up after three tries, with Docker's words and no half image.
      reg.switches.closeAfter = { bytes: 1000 };
      const cut = await b.run(["pull", `${reg.host}/cut/app:1`]);
      assert.equal(cut.code, 1);
      assert.match(cut.stderr, /error pulling blob sha256:[a-f0-9]{64}: unexpected EOF/);
      assert.equal(await b.ok(["images", "-a", "-q"]), "", "no half image");
      delete reg.switches.closeAfter;
      await b.ok(["pull", `${reg.host}/cut/app:1`]);
      assert.equal(await b.ok(["run", "--rm", `${reg.host}/cut/app:1`]), "hello from the registry\n");
      await b.ok(["rmi", `${reg.host}/cut/app:1`]);
      await assertNothingStored();
    } finally {
      await reg.stop();
    }
  });

  test("a token realm on a link-local address is refused before any connection", async () => {
    const reg = await startHostileRegistry({ switches: { challengeRealm: true } });
    try {
      reg.addImage("realm/app", await image(), "1");
      const r = await b.run(["pull", `${reg.host}/realm/app:1`]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /refusing token realm http:\/\/169\.254\.169\.254\/token: link-local address/);
    } finally {
      await reg.stop();
    }
  });

  test("a redirect to another origin gets no credentials", async () => {
    const reg = await startHostileRegistry({
      secondOrigin: true,
      auth: { type: "basic", username: "u", password: "p" },
      switches: { redirectBlobs: true },
    });
    try {
      reg.addImage("redir/app", await image(), "1");
      await b.ok(["login", "-u", "u", "--password-stdin", reg.host], { input: "p" });
      await b.ok(["pull", `${reg.host}/redir/app:1`]);
      assert.ok(
        reg.requests.some((r) => r.origin === "secondary"),
        "the blobs came from the second origin",
      );
      assert.deepEqual(reg.credentialsSentToSecondOrigin(), []);
      assert.equal(await b.ok(["run", "--rm", `${reg.host}/redir/app:1`]), "hello from the registry\n");
      await b.ok(["rmi", `${reg.host}/redir/app:1`]);
      await b.ok(["logout", reg.host]);
    } finally {
      await reg.stop();
    }
  });

  test("a pull killed halfway is finished by the next one without fetching finished layers again", async () => {
    const reg = await startHostileRegistry();
    try {
      const img = await image();
      reg.addImage("slow/app", img, "1");
      const [big, small] = img.layers as [(typeof img.layers)[0], (typeof img.layers)[0]];
      reg.switches.drip = { bytes: 4096, intervalMs: 50 };
      reg.switches.onlyDigests = [big.digest];
      const child = t.spawnBerth(["--config", b.config, "pull", `${reg.host}/slow/app:1`]);
      let out = "";
      child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
      const smallDone = `${small.digest.slice(7, 19)}: Download complete`;
      for (const end = Date.now() + 20_000; !out.includes(smallDone);) {
        assert.ok(Date.now() < end, `timed out; output so far:\n${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill("SIGKILL");
      await new Promise((r) => child.on("exit", r));
      assert.equal(await b.ok(["images", "-a", "-q"]), "", "no half image");
      // The killed pull's work dir is a leftover, not damage; its finished download is leased, not garbage.
      const check = await b.ok(["system", "check"]);
      assert.match(check, /No problems found\n$/);
      assert.doesNotMatch(check, /blob/);
      delete reg.switches.drip;
      const fetches = (digest: string) => reg.requests.filter((r) => r.method === "GET" && r.url.endsWith(`/blobs/${digest}`)).length;
      assert.equal(fetches(small.digest), 1);
      const retry = await b.ok(["pull", `${reg.host}/slow/app:1`]);
      assert.match(retry, new RegExp(`^${small.digest.slice(7, 19)}: Download complete$`, "m"));
      assert.equal(fetches(small.digest), 1, "the finished layer is not downloaded again");
      assert.equal(await b.ok(["run", "--rm", `${reg.host}/slow/app:1`]), "hello from the registry\n");
      assert.equal(await b.ok(["system", "check"]), "No problems found\n");
    } finally {
      await reg.stop();
    }
  });
});
