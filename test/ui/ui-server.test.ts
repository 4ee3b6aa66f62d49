// The web view's listener, in process over a temp root: the token traded for a cookie, each refusal
// (no cookie, a foreign Host, a foreign Origin), the page's files, and /api/ reaching the API's own
// handler; and the layer graph of a store where two images share busybox's layer.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import { createTempRoot, isRoot, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";
import { writeContext } from "../helpers/build-context.js";
import { openEngine, type Engine } from "../../src/engine/engine.js";
import { createApiHandler } from "../../src/api/server.js";
import { startUiServer, type UiServer } from "../../src/ui/ui-server.js";
import { cookieName, hostOfHeader, parseUiAddress, tokenMatches } from "../../src/ui/ui-access.js";
import { layerGraph, layerNodeChanges } from "../../src/engine/images/layer-graph.js";
import { analyzeImage } from "../../src/engine/images/analyze-image.js";

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const TOKEN = "t0k3n-of-the-test_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(origin: string, method: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  const url = new URL(path, origin);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { Host: url.host, ...headers }, agent: false }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("parseUiAddress() takes loopback addresses only, with the default port when none is given", () => {
  assert.deepEqual(parseUiAddress("127.0.0.1:0"), { host: "127.0.0.1", port: 0 });
  assert.deepEqual(parseUiAddress("[::1]:8080"), { host: "::1", port: 8080 });
  assert.deepEqual(parseUiAddress("localhost"), { host: "localhost", port: 7331 });
  assert.throws(() => parseUiAddress("0.0.0.0:7331"), /loopback only: 0\.0\.0\.0 is not a loopback address/);
  assert.throws(() => parseUiAddress("192.168.1.5"), /loopback only/);
  assert.throws(() => parseUiAddress("127.0.0.1:99999"), /invalid port/);
  assert.throws(() => parseUiAddress("http://127.0.0.1"), /invalid address/);
});

test("hostOfHeader() and tokenMatches() read what a request carries", () => {
  assert.equal(hostOfHeader("127.0.0.1:7331"), "127.0.0.1");
  assert.equal(hostOfHeader("[::1]:7331"), "::1");
  assert.equal(hostOfHeader("LOCALHOST"), "localhost");
  assert.equal(hostOfHeader("evil.example:7331"), "evil.example");
  assert.equal(hostOfHeader(undefined), undefined);
  assert.equal(tokenMatches(TOKEN, TOKEN), true);
  assert.equal(tokenMatches(TOKEN.slice(1), TOKEN), false);
  assert.equal(tokenMatches(undefined, TOKEN), false);
});

describe("the web view's server", () => {
  let t: TempRoot;
  let engine: Engine;
  let server: UiServer;
  let cookie: string;
  before(async () => {
    t = createTempRoot("berth-ui-");
    const assets = `${t.dir}/assets`;
    fs.mkdirSync(assets);
    fs.writeFileSync(`${assets}/index.html`, "<!doctype html><title>berth</title>");
    fs.writeFileSync(`${assets}/app.js`, "export {};");
    fs.writeFileSync(`${assets}/notes.txt`, "not a page file");
    engine = openEngine({ root: t.root, runroot: t.runroot, log: quiet });
    server = await startUiServer(createApiHandler(engine, quiet), {
      address: { host: "127.0.0.1", port: 0 },
      token: TOKEN,
      log: quiet,
      assetsDir: assets,
    });
    cookie = `${cookieName(Number(new URL(server.origin).port))}=${TOKEN}`;
  });
  after(async () => {
    await server?.close({ graceMs: 0 });
    engine?.close();
    t?.cleanup();
  });

  test("prints an address on loopback with the token", () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    assert.equal(new URL(server.url).searchParams.get("token"), TOKEN);
  });

  test("the right token sets an HttpOnly, SameSite=Strict cookie and redirects to / without it", async () => {
    const r = await request(server.origin, "GET", `/?token=${TOKEN}`);
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, "/");
    const set = r.headers["set-cookie"]?.[0] ?? "";
    assert.ok(set.startsWith(`${cookie};`), set);
    assert.match(set, /; HttpOnly/);
    assert.match(set, /; SameSite=Strict/);
  });

  test("a wrong token is refused with 401 and sets no cookie", async () => {
    const r = await request(server.origin, "GET", `/?token=${TOKEN}x`);
    assert.equal(r.status, 401);
    assert.equal(r.headers["set-cookie"], undefined);
  });

  test("without the cookie the page and the API answer 401, the page saying to open the printed address", async () => {
    const page = await request(server.origin, "GET", "/");
    assert.equal(page.status, 401);
    assert.match(page.body, /open the address that berth printed/);
    const api = await request(server.origin, "GET", "/api/v1.41/containers/json");
    assert.equal(api.status, 401);
    assert.match(JSON.parse(api.body).message, /open the address/);
    const wrong = await request(server.origin, "GET", "/", { Cookie: `${cookie}x` });
    assert.equal(wrong.status, 401);
  });

  test("a Host that names no loopback host is refused (DNS rebinding), even with the cookie", async () => {
    const port = new URL(server.origin).port;
    const r = await request(server.origin, "GET", "/", { Host: `rebound.example:${port}`, Cookie: cookie });
    assert.equal(r.status, 421);
    const token = await request(server.origin, "GET", `/?token=${TOKEN}`, { Host: `rebound.example:${port}` });
    assert.equal(token.status, 421);
    assert.equal(token.headers["set-cookie"], undefined);
  });

  test("a request that changes something needs the page's own Origin", async () => {
    const path = "/api/v1.41/containers/nope/stop";
    const none = await request(server.origin, "POST", path, { Cookie: cookie });
    assert.equal(none.status, 403);
    const foreign = await request(server.origin, "POST", path, { Cookie: cookie, Origin: "http://evil.example" });
    assert.equal(foreign.status, 403);
    const own = await request(server.origin, "POST", path, { Cookie: cookie, Origin: server.origin });
    assert.equal(own.status, 404, "the API's own answer: no such container");
    assert.match(JSON.parse(own.body).message, /No such container: nope/);
  });

  test("serves the page's files with a strict Content-Security-Policy, and nothing else", async () => {
    const index = await request(server.origin, "GET", "/", { Cookie: cookie });
    assert.equal(index.status, 200);
    assert.equal(index.headers["content-type"], "text/html; charset=utf-8");
    assert.match(String(index.headers["content-security-policy"]), /script-src 'self'/);
    assert.equal(index.headers["x-frame-options"], "DENY");
    const script = await request(server.origin, "GET", "/app.js", { Cookie: cookie });
    assert.equal(script.headers["content-type"], "text/javascript; charset=utf-8");
    assert.equal(script.body, "export {};");
    for (const path of ["/notes.txt", "/../package.json", "/%2e%2e/package.json", "/assets/app.js"]) {
      assert.equal((await request(server.origin, "GET", path, { Cookie: cookie })).status, 404, path);
    }
  });

  test("/api/ reaches the Docker Engine API with its version prefix and headers", async () => {
    const ping = await request(server.origin, "GET", "/api/_ping", { Cookie: cookie });
    assert.equal(ping.status, 200);
    assert.equal(ping.body, "OK");
    assert.equal(ping.headers["api-version"], "1.41");
    const list = await request(server.origin, "GET", "/api/v1.41/containers/json?all=1", { Cookie: cookie });
    assert.equal(list.status, 200);
    assert.deepEqual(JSON.parse(list.body), []);
  });
});

describe("layerGraph()", { skip: isRoot() ? false : "unpacking layers needs root" }, () => {
  let t: TempRoot;
  let engine: Engine;
  before(() => {
    t = createTempRoot("berth-ui-graph-");
    const ok = (args: string[]) => {
      const r = t.berth(args);
      assert.equal(r.code, 0, `berth ${args.join(" ")}: ${r.stderr}`);
    };
    ok(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
    // Two images on busybox: one adds a 1000-byte file, the next one overwrites it with 10 bytes.
    const one = writeContext(t.dir, { Dockerfile: "FROM busybox\nCOPY big /data/f\n", big: "x".repeat(1000) });
    ok(["build", "-q", "-t", "one", one]);
    const two = writeContext(t.dir, { Dockerfile: "FROM one\nCOPY small /data/f\n", small: "y".repeat(10) });
    ok(["build", "-q", "-t", "two", two]);
    engine = openEngine({ root: t.root, runroot: t.runroot, log: quiet });
  });
  after(() => {
    engine?.close();
    t?.cleanup();
  });

  test("images that share layers share their nodes", () => {
    const graph = layerGraph(engine);
    assert.deepEqual(graph.images.map((i) => i.tags).sort(), [["busybox:latest"], ["one:latest"], ["two:latest"]]);
    assert.equal(graph.layers.length, 3, "busybox's layer, one's and two's: each once");
    const [base, mid, top] = graph.layers;
    const byTag = (tag: string) => graph.images.find((i) => i.tags.includes(tag))!;
    const [busybox, one, two] = ["busybox:latest", "one:latest", "two:latest"].map(byTag);
    assert.deepEqual(two!.layers, [base!.chainId, mid!.chainId, top!.chainId]);
    assert.deepEqual(one!.layers, [base!.chainId, mid!.chainId]);
    assert.deepEqual(busybox!.layers, [base!.chainId]);
    assert.equal(base!.parent, null);
    assert.equal(mid!.parent, base!.chainId);
    assert.equal(top!.parent, mid!.chainId);
    assert.deepEqual(base!.usedBy, [busybox!.id, one!.id, two!.id].sort());
    assert.deepEqual(base!.topOf, [busybox!.id]);
    assert.deepEqual(mid!.topOf, [one!.id]);
    assert.deepEqual(top!.usedBy, [two!.id]);
    assert.match(mid!.createdBy, /COPY file:[0-9a-f]{64} in \/data\/f/);
    assert.match(top!.createdBy, /COPY file:[0-9a-f]{64} in \/data\/f/);
    assert.notEqual(mid!.createdBy, top!.createdBy);
  });

  test("a node's wasted bytes are its share in each image that holds it, as analyze counts them", () => {
    const graph = layerGraph(engine);
    const two = graph.images.find((i) => i.tags.includes("two:latest"))!;
    const one = graph.images.find((i) => i.tags.includes("one:latest"))!;
    const [, mid, top] = graph.layers;
    // /data/f: 1000 bytes in one's layer, 10 bytes in two's; nothing wasted in `one` alone.
    assert.equal(mid!.wastedBytes[two.id], 1000);
    assert.equal(top!.wastedBytes[two.id], 10);
    assert.equal(mid!.wastedBytes[one.id], 0);
    assert.equal(two.wastedBytes, analyzeImage(engine, "two").wastedBytes);
    assert.equal(two.wastedBytes, 1010);
  });

  test("layerNodeChanges() lists a layer's changes against the layers below it", () => {
    const [, mid, top] = layerGraph(engine).layers;
    assert.deepEqual(
      layerNodeChanges(engine, mid!.chainId).filter((c) => c.path.startsWith("/data")),
      [
        { kind: "A", path: "/data", size: 0 },
        { kind: "A", path: "/data/f", size: 1000 },
      ],
    );
    assert.deepEqual(layerNodeChanges(engine, top!.chainId), [{ kind: "C", path: "/data/f", size: 10 }]);
    assert.throws(() => layerNodeChanges(engine, `sha256:${"0".repeat(64)}`), /No such layer/);
  });

  test("GET /berth/layers and /berth/layers/{chainId}/changes serve the same through the web view's /api/", async () => {
    const token = "graph-token";
    const assets = writeContext(t.dir, { "index.html": "<!doctype html>" });
    const ui = await startUiServer(createApiHandler(engine, quiet), {
      address: { host: "127.0.0.1", port: 0 },
      token,
      log: quiet,
      assetsDir: assets,
    });
    try {
      const cookie = `${cookieName(Number(new URL(ui.origin).port))}=${token}`;
      const graph = layerGraph(engine);
      const doc = JSON.parse((await request(ui.origin, "GET", "/api/berth/layers", { Cookie: cookie })).body) as {
        Images: { Id: string; RepoTags: string[]; Layers: string[]; WastedBytes: number }[];
        Layers: { ChainId: string; Parent: string | null; UsedBy: string[]; WastedBytes: Record<string, number> }[];
      };
      assert.deepEqual(
        doc.Layers.map((l) => [l.ChainId, l.Parent, l.UsedBy, l.WastedBytes]),
        graph.layers.map((l) => [l.chainId, l.parent, l.usedBy, l.wastedBytes]),
      );
      assert.deepEqual(
        doc.Images.map((i) => i.RepoTags),
        graph.images.map((i) => i.tags),
      );
      const top = graph.layers[2]!.chainId;
      const changes = await request(ui.origin, "GET", `/api/v1.41/berth/layers/${top}/changes`, { Cookie: cookie });
      assert.deepEqual(JSON.parse(changes.body), [{ Kind: "C", Path: "/data/f", Size: 10 }]);
      const missing = await request(ui.origin, "GET", `/api/berth/layers/sha256:${"0".repeat(64)}/changes`, { Cookie: cookie });
      assert.equal(missing.status, 404);
    } finally {
      await ui.close({ graceMs: 0 });
    }
  });

  test("asked again (as the web view does on every event), the graph follows images added and removed", () => {
    const before = layerGraph(engine);
    assert.deepEqual(layerGraph(engine), before, "the same store, the same graph");
    const three = writeContext(t.dir, { Dockerfile: "FROM one\nRUN rm /data/f\n" });
    assert.equal(t.berth(["build", "-q", "--network", "none", "-t", "three", three]).code, 0);
    const withThree = layerGraph(engine);
    const image = withThree.images.find((i) => i.tags.includes("three:latest"))!;
    assert.equal(image.wastedBytes, analyzeImage(engine, "three").wastedBytes);
    assert.equal(image.wastedBytes, 2000, "the deleted 1000-byte file, and the whiteout that weighs as much");
    assert.equal(withThree.layers.length, before.layers.length + 1);
    assert.equal(t.berth(["rmi", "three"]).code, 0);
    assert.deepEqual(layerGraph(engine), before);
  });
});

test("berth ui refuses an address off loopback before it opens anything", () => {
  const t = createTempRoot("berth-ui-cli-");
  try {
    const r = t.berth(["ui", "--listen", "0.0.0.0:7331"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the web view listens on loopback only: 0\.0\.0\.0 is not a loopback address/);
    const s = t.berth(["serve", "-H", `unix://${t.dir}/s.sock`, "--ui=10.0.0.1:80"]);
    assert.equal(s.code, 1);
    assert.match(s.stderr, /loopback only: 10\.0\.0\.1/);
  } finally {
    t.cleanup();
  }
});
