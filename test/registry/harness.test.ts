// Checks the registry test harness itself with plain HTTP requests, not berth: the real registry
// modes, the fixtures pushed through them, the token issuer's scopes, the access log counter, and
// every lie of the hostile registry.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import { countRequests, startRegistry, type RegistryHandle } from "../helpers/registry.js";
import {
  buildImage,
  filesLayer,
  httpRequest,
  parseChallenge,
  pushImage,
  pushMultiPlatform,
  RegistryClient,
  sha256,
  MT,
  type HttpResponse,
} from "../helpers/registry-fixtures.js";
import { startHostileRegistry, type HostileRegistry } from "../helpers/hostile-registry.js";

/** The raw bytes of a response, read until the server closes the connection. */
function rawGet(host: string, path: string, authorization: string): Promise<Buffer> {
  const [address, port] = host.split(":") as [string, string];
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = net.connect(Number(port), address, () =>
      sock.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${authorization}\r\n\r\n`),
    );
    sock.on("data", (c: Buffer) => chunks.push(c));
    sock.on("close", () => resolve(Buffer.concat(chunks)));
    sock.on("error", reject);
  });
}

const smallLayers = async () => [await filesLayer({ "etc/hello.txt": "hello\n" }), await filesLayer({ "data/two.txt": "two\n" })];

function caOf(reg: RegistryHandle): { ca?: Buffer } {
  return reg.caPath ? { ca: fs.readFileSync(reg.caPath) } : {};
}

async function withRegistry(opts: Parameters<typeof startRegistry>[0], fn: (reg: RegistryHandle) => Promise<void>): Promise<void> {
  const reg = await startRegistry(opts);
  try {
    await fn(reg);
  } finally {
    await reg.stop();
  }
  assert.equal(fs.existsSync(reg.dir), false, "stop() removes the temp dir");
}

describe("real registries (docker-registry)", () => {
  it("http: /v2/ answers, pushed content comes back by digest, uploads are counted", async () => {
    await withRegistry({ mode: "http" }, async (reg) => {
      assert.match(reg.host, /^127\.0\.0\.1:\d+$/);
      assert.equal((await httpRequest(`${reg.url}/v2/`)).status, 200);
      const pushed = await pushImage(reg, "test/app", "v1", { layers: await smallLayers(), compression: "zstd", kind: "docker" });
      const client = new RegistryClient(reg);
      const manifest = await client.request("GET", `/v2/test/app/manifests/v1`, { headers: { accept: MT.dockerManifest } });
      assert.equal(manifest.status, 200);
      assert.equal(sha256(manifest.body), pushed.manifestDigest);
      for (const digest of [pushed.configDigest, ...pushed.layerDigests]) {
        const blob = await client.request("GET", `/v2/test/app/blobs/${digest}`);
        assert.equal(sha256(blob.body), digest);
      }
      const layer = JSON.parse(manifest.body.toString()).layers[0];
      assert.equal(layer.mediaType, MT.ociLayerZstd);
      assert.equal(await countRequests(reg, "PUT", /^\/v2\/test\/app\/blobs\/uploads\//), 3);
      assert.equal(await countRequests(reg, "PUT", /^\/v2\/test\/app\/manifests\/v1$/, { status: 201 }), 1);
    });
  });

  it("http: a two-platform index whose images differ", async () => {
    await withRegistry({ mode: "http" }, async (reg) => {
      const mp = await pushMultiPlatform(reg, "test/multi", "latest", { kind: "oci" });
      const client = new RegistryClient(reg);
      const index = await client.request("GET", "/v2/test/multi/manifests/latest", { headers: { accept: MT.ociIndex } });
      assert.equal(index.status, 200);
      const doc = JSON.parse(index.body.toString());
      assert.deepEqual(
        doc.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture),
        ["amd64", "arm64"],
      );
      assert.equal(mp.amd64.layers[0]!.digest, mp.arm64.layers[0]!.digest, "busybox layer shared");
      assert.notEqual(mp.amd64.layers[1]!.digest, mp.arm64.layers[1]!.digest, "platform layer differs");
      const arm = await client.request("GET", `/v2/test/multi/manifests/${mp.arm64.manifestDigest}`, {
        headers: { accept: MT.ociManifest },
      });
      assert.equal(sha256(arm.body), mp.arm64.manifestDigest);
    });
  });

  it("tls: HTTPS with the test CA, certs.d layout, refused without the CA", async () => {
    await withRegistry({ mode: "tls" }, async (reg) => {
      assert.match(reg.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(fs.existsSync(`${reg.certsDir}/${reg.host}/ca.crt`));
      assert.equal((await httpRequest(`${reg.url}/v2/`, caOf(reg))).status, 200);
      await assert.rejects(httpRequest(`${reg.url}/v2/`), /self.signed|unable to verify|certificate/i);
      const pushed = await pushImage(reg, "tls/app", "v1", { layers: await smallLayers() });
      const blob = await new RegistryClient(reg).request("GET", `/v2/tls/app/blobs/${pushed.configDigest}`);
      assert.equal(sha256(blob.body), pushed.configDigest);
    });
  });

  it("basic (over TLS): Basic challenge, credentials work, a wrong password does not", async () => {
    await withRegistry({ mode: "basic", tls: true }, async (reg) => {
      const res = await httpRequest(`${reg.url}/v2/`, caOf(reg));
      assert.equal(res.status, 401);
      assert.equal(parseChallenge(res.headers["www-authenticate"]).scheme, "basic");
      const good = "Basic " + Buffer.from(`${reg.username}:${reg.password}`).toString("base64");
      assert.equal((await httpRequest(`${reg.url}/v2/`, { ...caOf(reg), headers: { authorization: good } })).status, 200);
      const bad = "Basic " + Buffer.from(`${reg.username}:nope`).toString("base64");
      assert.equal((await httpRequest(`${reg.url}/v2/`, { ...caOf(reg), headers: { authorization: bad } })).status, 401);
      const config = JSON.parse(fs.readFileSync(reg.authFile!, "utf8"));
      assert.equal(Buffer.from(config.auths[reg.host].auth, "base64").toString(), `${reg.username}:${reg.password}`);
      assert.equal(fs.statSync(reg.authFile!).mode & 0o777, 0o600);
      await pushImage(reg, "basic/app", "v1", { layers: await smallLayers() });
    });
  });

  it("token: Bearer challenge; push scope only with credentials; requests are recorded", async () => {
    await withRegistry({ mode: "token" }, async (reg) => {
      const res = await httpRequest(`${reg.url}/v2/`);
      assert.equal(res.status, 401);
      const ch = parseChallenge(res.headers["www-authenticate"]);
      assert.equal(ch.scheme, "bearer");
      assert.equal(ch["realm"], reg.tokenRealm);
      assert.equal(ch["service"], reg.tokenService);

      const scope = "repository:tok/app:pull,push";
      const anonymous = new RegistryClient({ url: reg.url });
      const anonToken = await anonymous.fetchToken(reg.tokenRealm!, reg.tokenService, scope);
      const denied = await httpRequest(`${reg.url}/v2/tok/app/blobs/uploads/`, {
        method: "POST",
        headers: { authorization: `Bearer ${anonToken}` },
      });
      assert.equal(denied.status, 401);
      assert.match(String(denied.headers["www-authenticate"]), /insufficient_scope/);

      const authed = new RegistryClient(reg);
      const token = await authed.fetchToken(reg.tokenRealm!, reg.tokenService, scope);
      const allowed = await httpRequest(`${reg.url}/v2/tok/app/blobs/uploads/`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(allowed.status, 202, allowed.body.toString());

      assert.deepEqual(
        reg.tokenRequests.map((t) => [t.credentials, t.scopes, t.granted.map((g) => g.actions.join(","))]),
        [
          ["anonymous", [scope], ["pull"]],
          ["valid", [scope], ["pull,push"]],
        ],
      );

      // A full push and an anonymous pull of it.
      const pushed = await pushImage(reg, "tok/app", "v1", { layers: await smallLayers() });
      const pulled = await anonymous.request("GET", `/v2/tok/app/manifests/${pushed.manifestDigest}`, {
        scope: "repository:tok/app:pull",
        headers: { accept: MT.ociManifest },
      });
      assert.equal(pulled.status, 200);

      const wrong = new RegistryClient({ url: reg.url, username: reg.username!, password: "wrong" });
      await assert.rejects(wrong.fetchToken(reg.tokenRealm!, reg.tokenService, scope), /401/);
    });
  });

  it("token, same-origin realm over TLS: /token on the registry's own host:port, push and pull through the front", async () => {
    await withRegistry({ mode: "token", tls: true, tokenRealm: "same-origin" }, async (reg) => {
      assert.equal(reg.tokenRealm, `${reg.url}/token`);
      const res = await httpRequest(`${reg.url}/v2/`, caOf(reg));
      assert.equal(parseChallenge(res.headers["www-authenticate"])["realm"], `${reg.url}/token`);
      const pushed = await pushImage(reg, "front/app", "v1", { layers: await smallLayers() });
      const start = await new RegistryClient(reg).request("POST", "/v2/front/app/blobs/uploads/", {
        scope: "repository:front/app:pull,push",
      });
      assert.ok(String(start.headers.location).startsWith(`${reg.url}/`), "Location names the front's origin");
      const blob = await new RegistryClient(reg).request("GET", `/v2/front/app/blobs/${pushed.layerDigests[0]}`, {
        scope: "repository:front/app:pull",
      });
      assert.equal(sha256(blob.body), pushed.layerDigests[0]);
      assert.equal(await countRequests(reg, "PUT", /^\/v2\/front\/app\/blobs\/uploads\//), 3);
    });
  });

  it("token over TLS with anonymousPull off: anonymous gets nothing", async () => {
    await withRegistry({ mode: "token", tls: true, anonymousPull: false }, async (reg) => {
      assert.match(reg.tokenRealm!, /^https:\/\/127\.0\.0\.1:\d+\/token$/);
      const pushed = await pushImage(reg, "tok/private", "v1", { layers: await smallLayers() });
      const anonymous = new RegistryClient({ url: reg.url, caPath: reg.caPath! });
      const res = await anonymous.request("GET", `/v2/tok/private/manifests/${pushed.manifestDigest}`, {
        scope: "repository:tok/private:pull",
      });
      assert.equal(res.status, 401);
      assert.deepEqual(reg.tokenRequests.at(-1)?.granted, []);
    });
  });
});

describe("hostile registry", () => {
  let h: HostileRegistry;
  const repo = "evil/app";
  let image: ReturnType<typeof buildImage>;
  let layerDigest: string;
  let layer: Buffer;
  const auth = { type: "basic" as const, username: "u", password: "p" };
  const basic = "Basic " + Buffer.from("u:p").toString("base64");
  const get = (path: string, headers: Record<string, string> = {}, method = "GET"): Promise<HttpResponse> =>
    httpRequest(`${h.url}${path}`, { method, headers: { authorization: basic, ...headers } });

  before(async () => {
    h = await startHostileRegistry({ secondOrigin: true, auth });
    image = buildImage({ layers: [await filesLayer({ "big.bin": Buffer.alloc(5000, 7) })], compression: "none" });
    h.addImage(repo, image, "v1");
    layerDigest = image.layers[0]!.digest;
    layer = image.layers[0]!.bytes;
  });
  after(async () => {
    await h.stop();
  });
  const reset = () => {
    for (const k of Object.keys(h.switches)) delete h.switches[k as keyof typeof h.switches];
  };

  it("serves honestly by default, with Range → 206", async () => {
    reset();
    assert.equal((await httpRequest(`${h.url}/v2/`)).status, 401);
    const m = await get(`/v2/${repo}/manifests/v1`);
    assert.equal(sha256(m.body), image.manifestDigest);
    const full = await get(`/v2/${repo}/blobs/${layerDigest}`);
    assert.equal(sha256(full.body), layerDigest);
    const part = await get(`/v2/${repo}/blobs/${layerDigest}`, { range: "bytes=100-" });
    assert.equal(part.status, 206);
    assert.equal(part.headers["content-range"], `bytes 100-${layer.length - 1}/${layer.length}`);
    assert.deepEqual(part.body, layer.subarray(100));
  });

  it("wrongDigest, extraBytes, contentLengthDelta, ignoreRange", async () => {
    reset();
    h.switches.wrongDigest = true;
    const wrong = await get(`/v2/${repo}/blobs/${layerDigest}`);
    assert.equal(wrong.body.length, layer.length);
    assert.notEqual(sha256(wrong.body), layerDigest);

    reset();
    h.switches.extraBytes = 10;
    const big = await get(`/v2/${repo}/blobs/${layerDigest}`);
    assert.equal(big.body.length, layer.length + 10);

    reset();
    h.switches.contentLengthDelta = -100; // claims fewer bytes than it sends
    // Read off the socket: Node's own client rightly errors on bytes after the declared body.
    const raw = await rawGet(h.host, `/v2/${repo}/blobs/${layerDigest}`, basic);
    const split = raw.indexOf("\r\n\r\n");
    assert.match(raw.subarray(0, split).toString(), new RegExp(`content-length: ${layer.length - 100}\r\n`, "i"));
    assert.equal(raw.length - split - 4, layer.length, "the whole blob is sent anyway");
    h.switches.contentLengthDelta = 100; // claims more, then hangs up
    await assert.rejects(get(`/v2/${repo}/blobs/${layerDigest}`));

    reset();
    h.switches.ignoreRange = true;
    const ignored = await get(`/v2/${repo}/blobs/${layerDigest}`, { range: "bytes=100-" });
    assert.equal(ignored.status, 200);
    assert.equal(ignored.body.length, layer.length);
  });

  it("drip and closeAfter", async () => {
    reset();
    h.switches.drip = { bytes: 2000, intervalMs: 40 };
    const t0 = Date.now();
    const dripped = await get(`/v2/${repo}/blobs/${layerDigest}`);
    assert.ok(Date.now() - t0 >= 70, "took at least two intervals");
    assert.equal(sha256(dripped.body), layerDigest);

    reset();
    h.switches.closeAfter = { bytes: 1000, times: 1 };
    await assert.rejects(get(`/v2/${repo}/blobs/${layerDigest}`));
    assert.equal(sha256((await get(`/v2/${repo}/blobs/${layerDigest}`)).body), layerDigest, "only the first response is cut");
  });

  it("manifest lies: oversized, disguised index, tampered body under the asked digest", async () => {
    reset();
    h.switches.oversizedManifest = true;
    const big = await get(`/v2/${repo}/manifests/v1`);
    assert.ok(big.body.length > 4 << 20);
    assert.ok(JSON.parse(big.body.toString()).layers);

    reset();
    h.switches.disguisedIndex = true;
    const doc = JSON.parse((await get(`/v2/${repo}/manifests/v1`)).body.toString());
    assert.ok(doc.layers && doc.manifests);

    reset();
    h.switches.tamperManifest = true;
    const t = await get(`/v2/${repo}/manifests/${image.manifestDigest}`);
    assert.equal(t.headers["docker-content-digest"], image.manifestDigest);
    assert.notEqual(sha256(t.body), image.manifestDigest);
  });

  it("307 to the second origin records credentials sent there", async () => {
    reset();
    h.switches.redirectBlobs = true;
    const r = await get(`/v2/${repo}/blobs/${layerDigest}`);
    assert.equal(r.status, 307);
    const location = String(r.headers.location);
    assert.ok(location.startsWith(`${h.secondUrl}/`));
    const clean = await httpRequest(location);
    assert.equal(sha256(clean.body), layerDigest);
    assert.equal(h.credentialsSentToSecondOrigin().length, 0);
    await httpRequest(location, { headers: { authorization: basic } }); // what a careless client does
    assert.equal(h.credentialsSentToSecondOrigin().length, 1);
  });

  it("link-local realm challenge, and cross-origin upload Location", async () => {
    reset();
    h.switches.challengeRealm = true;
    const ch = await get(`/v2/`, { authorization: "" });
    assert.equal(ch.status, 401);
    assert.equal(parseChallenge(ch.headers["www-authenticate"])["realm"], "http://169.254.169.254/token");

    reset();
    h.switches.crossOriginUploadLocation = true;
    const start = await get(`/v2/${repo}/blobs/uploads/`, {}, "POST");
    assert.equal(start.status, 202);
    assert.ok(String(start.headers.location).startsWith(`${h.secondUrl}/`));
    const blob = Buffer.from("uploaded via the other origin");
    const put = new URL(String(start.headers.location));
    put.searchParams.set("digest", sha256(blob));
    assert.equal((await httpRequest(put, { method: "PUT", body: blob })).status, 201);
    assert.ok(h.blobs(repo).has(sha256(blob)));
  });

  it("accepts a push from the fixtures (uploads and manifests)", async () => {
    reset();
    const pushed = await pushImage({ url: h.url, username: "u", password: "p" }, "evil/pushed", "v2", { layers: await smallLayers() });
    assert.ok(h.manifests("evil/pushed").has("v2"));
    assert.ok(h.blobs("evil/pushed").has(pushed.configDigest));
  });
});
