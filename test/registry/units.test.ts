// The pure parts of the registry client: challenges, manifests, platforms, realm rules, insecure
// registries, error texts, login addresses and Docker's progress rendering.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { parseWwwAuthenticate } from "../../src/registry/www-authenticate.js";
import { choosePlatform, parseManifestDocument } from "../../src/image/manifest.js";
import { checkRealm } from "../../src/registry/token-auth.js";
import { authKey, isInsecureRegistry } from "../../src/registry/registry-options.js";
import { describe as describeError } from "../../src/registry/registry-errors.js";
import { registryDomain } from "../../src/engine/images/login.js";
import { progressBar, progressDisplay } from "../../src/cli/format/progress-display.js";
import { limitConcurrency } from "../../src/engine/concurrency.js";
import type { Index } from "../../src/image/config.js";

const D = (c: string) => `sha256:${c.repeat(64)}` as const;

test("WWW-Authenticate: Docker Hub's bearer challenge, several challenges, quoted escapes", () => {
  assert.deepEqual(
    parseWwwAuthenticate(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
    ),
    [
      {
        scheme: "bearer",
        params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/busybox:pull" },
      },
    ],
  );
  assert.deepEqual(parseWwwAuthenticate('Basic realm="Registry Realm", Bearer realm="https://a/t",error="insufficient_scope"'), [
    { scheme: "basic", params: { realm: "Registry Realm" } },
    { scheme: "bearer", params: { realm: "https://a/t", error: "insufficient_scope" } },
  ]);
  assert.deepEqual(parseWwwAuthenticate('Bearer realm="a\\"b", service=plain'), [
    { scheme: "bearer", params: { realm: 'a"b', service: "plain" } },
  ]);
  assert.deepEqual(parseWwwAuthenticate(""), []);
});

const manifest = (extra: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: D("a"), size: 10 },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: D("b"), size: 20 }],
      ...extra,
    }),
  );

test("manifests: recognised by media type, refused when they lie about what they are", () => {
  assert.equal(parseManifestDocument(manifest(), "application/vnd.oci.image.manifest.v1+json").kind, "manifest");
  assert.equal(parseManifestDocument(manifest({ mediaType: undefined }), undefined).kind, "manifest", "OCI may leave mediaType out");
  assert.throws(() => parseManifestDocument(manifest({ manifests: [] }), undefined), /both an index and an image manifest/);
  assert.throws(
    () => parseManifestDocument(manifest(), "application/vnd.docker.distribution.manifest.list.v2+json"),
    /does not match Content-Type/,
  );
  assert.throws(
    () =>
      parseManifestDocument(Buffer.from('{"schemaVersion":1,"fsLayers":[]}'), "application/vnd.docker.distribution.manifest.v1+prettyjws"),
    /schema 1/,
  );
  assert.throws(
    () =>
      parseManifestDocument(
        manifest({ layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: "sha256:../../etc/passwd", size: 1 }] }),
        undefined,
      ),
    /invalid or unsupported digest/,
  );
  assert.throws(
    () => parseManifestDocument(manifest({ layers: [{ mediaType: "text/html", digest: D("c"), size: 1 }] }), undefined),
    /unsupported layer media type/,
  );
  assert.throws(() => parseManifestDocument(Buffer.alloc(5 << 20, 32), undefined), /larger than 4194304/);
  assert.throws(() => parseManifestDocument(Buffer.from("<html>"), "text/html"), /not JSON/);
});

test("platforms: this machine's entry of an index; arm64 means arm64/v8", () => {
  const entry = (architecture: string, variant?: string) => ({
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: D(architecture === "amd64" ? "1" : variant === "v8" ? "2" : "3"),
    size: 1,
    platform: { os: "linux", architecture, ...(variant ? { variant } : {}) },
  });
  const index: Index = { schemaVersion: 2, manifests: [entry("amd64"), entry("arm64", "v8"), entry("arm", "v6")] };
  assert.equal(choosePlatform(index, { os: "linux", architecture: "amd64" })?.digest, D("1"));
  assert.equal(choosePlatform(index, { os: "linux", architecture: "arm64" })?.digest, D("2"));
  assert.equal(choosePlatform(index, { os: "linux", architecture: "arm" }), undefined, "arm alone means v7");
  assert.equal(choosePlatform(index, { os: "linux", architecture: "arm", variant: "v6" })?.digest, D("3"));
  assert.equal(choosePlatform(index, { os: "windows", architecture: "amd64" }), undefined);
});

test("token realms: https for secure registries, never link-local, internal addresses only for internal registries", () => {
  assert.doesNotThrow(() => checkRealm(new URL("https://auth.docker.io/token"), "registry-1.docker.io", false));
  assert.throws(() => checkRealm(new URL("http://auth.example.com/token"), "registry.example.com", false), /must be https/);
  assert.doesNotThrow(() => checkRealm(new URL("http://127.0.0.1:9999/token"), "127.0.0.1:5000", true));
  assert.throws(() => checkRealm(new URL("http://169.254.169.254/token"), "127.0.0.1:5000", true), /link-local/);
  assert.throws(
    () => checkRealm(new URL("https://127.0.0.1/token"), "registry.example.com", false),
    /loopback address for a remote registry/,
  );
  assert.throws(() => checkRealm(new URL("https://10.0.0.5/token"), "registry.example.com", false), /private address/);
  assert.doesNotThrow(() => checkRealm(new URL("https://10.0.0.5/token"), "10.0.0.4:5000", false));
  assert.throws(() => checkRealm(new URL("https://[fe80::1]/token"), "registry.example.com", false), /link-local/);
});

test("insecure registries: loopback by default, then what --insecure-registry names", () => {
  const none = { insecureRegistries: [] };
  assert.equal(isInsecureRegistry("localhost:5000", none), true);
  assert.equal(isInsecureRegistry("127.0.0.2:5000", none), true);
  assert.equal(isInsecureRegistry("[::1]:5000", none), true);
  assert.equal(isInsecureRegistry("registry-1.docker.io", none), false);
  assert.equal(isInsecureRegistry("10.1.2.3:5000", { insecureRegistries: ["10.0.0.0/8"] }), true);
  assert.equal(isInsecureRegistry("11.1.2.3:5000", { insecureRegistries: ["10.0.0.0/8"] }), false);
  assert.equal(isInsecureRegistry("reg.lan:5000", { insecureRegistries: ["reg.lan:5000"] }), true);
  assert.equal(isInsecureRegistry("reg.lan:5001", { insecureRegistries: ["reg.lan:5000"] }), false);
});

test("registry errors read as Docker prints them", () => {
  assert.equal(
    describeError(404, Buffer.from('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}}]}')).text,
    "manifest unknown: manifest unknown",
  );
  assert.equal(describeError(401, Buffer.alloc(0)).text, "unauthorized: authentication required");
  assert.equal(describeError(403, Buffer.alloc(0)).text, "denied: requested access to the resource is denied");
  assert.equal(describeError(502, Buffer.from("<html>bad gateway</html>")).text, "502 Bad Gateway");
  const two = describeError(400, Buffer.from('{"errors":[{"code":"DIGEST_INVALID","message":"a"},{"code":"SIZE_INVALID","message":"b"}]}'));
  assert.equal(two.text, "errors:\ndigest invalid: a\nsize invalid: b\n");
  assert.deepEqual(two.codes, ["DIGEST_INVALID", "SIZE_INVALID"]);
});

test("login addresses: Docker Hub's many names, and registries with ports", () => {
  assert.equal(registryDomain(undefined), "docker.io");
  assert.equal(registryDomain("https://index.docker.io/v1/"), "docker.io");
  assert.equal(authKey(registryDomain("docker.io")), "https://index.docker.io/v1/");
  assert.equal(registryDomain("http://127.0.0.1:5000/"), "127.0.0.1:5000");
  assert.equal(registryDomain("Registry.Example.com"), "registry.example.com");
  assert.throws(() => registryDomain("https:///"), /invalid registry address/);
});

test("progress: Docker's bar on wide terminals, numbers only on narrow ones", () => {
  assert.equal(progressBar({ current: 0, total: 0 }, 200), "");
  assert.equal(progressBar({ current: 5_000_000, total: 10_000_000 }, 200), `[${"=".repeat(25)}>${" ".repeat(25)}]      5MB/10MB`);
  assert.equal(progressBar({ current: 5_000_000, total: 10_000_000 }, 80), "     5MB/10MB");
  assert.equal(progressBar({ current: 1_234_567, total: 10_000_000 }, 80, 0, 10_000), " 1.235MB/10MB 1m11s");
  assert.equal(progressBar({ current: 2048 }, 200), " 2.048kB");
});

test("progress display: piped output keeps status lines and drops byte counts; a terminal redraws lines in place", () => {
  const written: string[] = [];
  const out = { write: (s: string) => written.push(s), columns: 200 } as unknown as NodeJS.WriteStream;
  const plain = progressDisplay(out, { terminal: false });
  plain.show({ id: "abc", status: "Pulling fs layer" });
  plain.show({ id: "abc", status: "Downloading", progressDetail: { current: 10, total: 100 } });
  plain.show({ id: "abc", status: "Pull complete" });
  plain.show({ status: "Digest: sha256:x" });
  assert.equal(
    written.join(""),
    "abc: Pulling fs layer\nabc: Downloading\nabc: Pull complete\nDigest: sha256:x\n".replace("abc: Downloading\n", ""),
  );
  written.length = 0;
  const tty = progressDisplay(out, { terminal: true, now: () => 0 });
  tty.show({ id: "a", status: "Pulling fs layer" });
  tty.show({ id: "b", status: "Pulling fs layer" });
  tty.show({ id: "a", status: "Pull complete" });
  // Each new line: a fresh row, back up to write it, down again; "a" is redrawn two rows up.
  assert.equal(
    written.join(""),
    "\n\x1b[1A\x1b[2K\ra: Pulling fs layer \r\x1b[1B\n\x1b[1A\x1b[2K\rb: Pulling fs layer \r\x1b[1B\x1b[2A\x1b[2K\ra: Pull complete \r\x1b[2B",
  );
});

test("limitConcurrency runs at most n at once and tells the rest they wait", async () => {
  const limit = limitConcurrency(2);
  let running = 0;
  let peak = 0;
  let queued = 0;
  const task = () =>
    limit(
      async () => {
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      },
      () => queued++,
    );
  await Promise.all([task(), task(), task(), task(), task()]);
  assert.equal(peak, 2);
  assert.equal(queued, 3);
});

test("gzipParallel: gzip members any gunzip reads back, the same bytes for the same input however it arrives", async () => {
  const { gzipParallel } = await import("../../src/archive/compression.js");
  const { Readable } = await import("node:stream");
  const { gunzipSync } = await import("node:zlib");
  const { randomBytes } = await import("node:crypto");
  const collect = async (chunks: Buffer[]) => {
    const out: Buffer[] = [];
    for await (const c of gzipParallel(Readable.from(chunks), { blockSize: 1000 })) out.push(c as Buffer);
    return Buffer.concat(out);
  };
  const data = randomBytes(10_500);
  const whole = await collect([data]);
  assert.deepEqual(gunzipSync(whole), data);
  assert.deepEqual(await collect([data.subarray(0, 3), data.subarray(3, 2500), data.subarray(2500)]), whole);
  const gz = spawnSync("gzip", ["-dc"], { input: whole });
  assert.equal(gz.status, 0);
  assert.deepEqual(gz.stdout, data, "GNU gzip reads the members as one stream");
  assert.deepEqual(gunzipSync(await collect([])), Buffer.alloc(0));
});

test("looksIncompressible: random blocks are stored, text and mixed blocks are compressed", async () => {
  const { gzipParallel, looksIncompressible } = await import("../../src/archive/compression.js");
  const { Readable } = await import("node:stream");
  const { gunzipSync } = await import("node:zlib");
  const { randomBytes } = await import("node:crypto");
  const random = randomBytes(1 << 20);
  const text = Buffer.from("the seed chapter, line by line. ".repeat(40_000)).subarray(0, 1 << 20);
  assert.equal(looksIncompressible(random), true);
  assert.equal(looksIncompressible(text), false);
  assert.equal(looksIncompressible(Buffer.concat([random.subarray(0, 1 << 19), text.subarray(0, 1 << 19)])), false, "half compressible");
  assert.equal(looksIncompressible(randomBytes(1000)), false, "too small to judge");
  const out: Buffer[] = [];
  for await (const c of gzipParallel(Readable.from([random, text]), { blockSize: 1 << 20 })) out.push(c as Buffer);
  const gz = Buffer.concat(out);
  assert.deepEqual(gunzipSync(gz), Buffer.concat([random, text]));
  assert.ok(gz.length < random.length + text.length / 10, "the text block still shrinks");
});
