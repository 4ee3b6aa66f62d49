// The web view in a real browser: Debian's headless Chromium, driven by puppeteer-core, clicks
// through the seed's loop against `berth serve --ui` on a temp root: a container run from the CLI
// appears live, its diff shows the file it made, it is committed from the page with a message, the
// new image shares busybox's layer node in the graph, it is tagged, its history shows, the
// container is removed. Screenshots go to test-artifacts/ui/ on every run.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import type { ChildProcess } from "node:child_process";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { REPO, createTempRoot, isRoot, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";

// What the functions evaluated in the page use of its globals (the tests compile without lib DOM).
interface PageElement {
  textContent: string | null;
  dispatchEvent(event: unknown): boolean;
}
declare const MouseEvent: new (type: string, init: { bubbles: boolean }) => unknown;
declare const document: { querySelector(s: string): PageElement | null; querySelectorAll(s: string): Iterable<PageElement> };
declare const window: Record<string, unknown>;

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = `${REPO}/test-artifacts/ui`;
const skip = !fs.existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install chromium): the web view's browser test needs it`
  : isRoot()
    ? false
    : "containers run as root: needs root";

describe("the web view in Chromium", { skip }, () => {
  let t: TempRoot;
  let serve: ChildProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let url: string;
  let stderr = "";

  const ok = (args: string[]) => {
    const r = t.berth(args);
    assert.equal(r.code, 0, `berth ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const shot = async (name: string) => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
  };
  /** Waits until the element's text holds `text`. */
  const waitText = (selector: string, text: string, timeout = 20_000) =>
    page.waitForFunction(
      (s: string, x: string) => document.querySelector(s)?.textContent?.includes(x) ?? false,
      { timeout },
      selector,
      text,
    );

  /**
   * Clicks in one step inside the page: the lists are drawn again on every event of the engine,
   * so an element found first and clicked after may be gone by then.
   */
  const click = async (selector: string) => {
    await page.waitForSelector(selector, { timeout: 20_000 });
    await page.waitForFunction(
      (sel: string) => document.querySelector(sel)?.dispatchEvent(new MouseEvent("click", { bubbles: true })) ?? false,
      { timeout: 20_000 },
      selector,
    );
  };

  before(async () => {
    t = createTempRoot("berth-ui-browser-");
    ok(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
    serve = t.spawnBerth(["-l", "debug", "serve", "-H", `unix://${t.dir}/api.sock`, "--ui=127.0.0.1:0"]);
    let stdout = "";
    serve.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`berth serve --ui printed no address: ${stderr}`)), 20_000);
      serve!.stdout!.on("data", (d: Buffer) => {
        stdout += d.toString();
        const found = /^(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)$/m.exec(stdout);
        if (found) {
          clearTimeout(timer);
          resolve(found[1]!);
        }
      });
      serve!.once("exit", (code) => reject(new Error(`berth serve exited (${code}): ${stderr}`)));
    });
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // The profile lives in the temp dir: cleanup() kills a Chromium left behind by its path.
      args: ["--no-sandbox", `--user-data-dir=${t.dir}/chromium`, "--disable-gpu"],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1440, height: 960 });
  });

  after(async () => {
    try {
      await browser?.close();
    } catch {
      /* cleanup() kills it */
    }
    if (serve && serve.exitCode === null) {
      const exited = new Promise((resolve) => serve!.once("exit", resolve));
      serve.kill("SIGTERM");
      const timer = setTimeout(() => serve!.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    t?.cleanup();
  });

  test("the printed address logs in, and the token leaves the address bar", async () => {
    assert.ok(!stderr.includes(new URL(url).searchParams.get("token")!), "the token is never logged");
    await page.goto(url, { waitUntil: "domcontentloaded" });
    assert.equal(page.url(), `${new URL(url).origin}/`);
    await page.waitForSelector('.chip[data-tags~="busybox:latest"]');
    await page.waitForSelector('#live[data-state="on"]');
  });

  test("a container run from the CLI appears without a reload; its diff and logs show", async () => {
    await page.evaluate(() => (window.loadedOnce = true));
    ok([
      "run",
      "-d",
      "--name",
      "seed1",
      "--network",
      "none",
      "busybox",
      "sh",
      "-c",
      'echo "hello from the seed" > /hello.txt; echo wrote /hello.txt; exec sleep 600',
    ]);
    await page.waitForSelector('tr[data-name="seed1"]', { timeout: 20_000 });
    assert.equal(await page.evaluate(() => window.loadedOnce), true, "no reload");
    await click('tr[data-name="seed1"]');
    await waitText("#container-status", "running");
    await waitText("#container-diff", "/hello.txt");
    await waitText("#container-logs", "wrote /hello.txt");
    await shot("1-container");
  });

  test("commit from the page: the new image shares busybox's layer node", async () => {
    await page.type('#commit-form input[name="repo"]', "seed:v1");
    await page.type('#commit-form input[name="message"]', "add hello.txt");
    await page.type('#commit-form input[name="author"]', "Page Tester <page@example.com>");
    await page.click('#commit-form button[type="submit"]');
    await page.waitForSelector('.chip[data-tags~="seed:v1"]', { timeout: 30_000 });
    assert.equal(ok(["inspect", "--format", "{{.Comment}}|{{.Author}}", "seed:v1"]).trim(), "add hello.txt|Page Tester <page@example.com>");
    // One node for busybox's layer, held by both images; the commit's layer on top of it.
    await page.waitForSelector('svg.graph .node[data-tags~="seed:v1"]');
    const nodes = await page.$$eval("svg.graph .node", (els) =>
      els.map((e) => ({ chain: e.getAttribute("data-chain"), tags: e.getAttribute("data-tags"), users: e.getAttribute("data-users") })),
    );
    assert.equal(nodes.length, 2, JSON.stringify(nodes));
    const base = nodes.find((n) => n.tags?.split(" ").includes("busybox:latest"));
    assert.equal(base?.users, "2");
    const graph = JSON.parse(await page.evaluate(() => fetch("/api/berth/layers").then((r) => r.text()))) as {
      Images: { RepoTags: string[]; Layers: string[] }[];
    };
    const seed = graph.Images.find((i) => i.RepoTags.includes("seed:v1"))!;
    assert.deepEqual(seed.Layers, [base!.chain, nodes.find((n) => n !== base)!.chain]);
  });

  test("the image's history and config show, and a tag from the page lands", async () => {
    await click('.chip[data-tags~="seed:v1"]');
    await waitText("#history", "add hello.txt");
    await waitText(".details", "Page Tester");
    await page.type('#tag-form input[name="tag"]', "seed:latest");
    await page.click('#tag-form button[type="submit"]');
    await page.waitForSelector('.chip[data-tags~="seed:latest"]', { timeout: 20_000 });
    assert.match(ok(["images", "--format", "{{.Repository}}:{{.Tag}}"]), /^seed:latest$/m);
    await shot("2-image");
  });

  test("a layer's file changes show when it is clicked", async () => {
    await click('svg.graph .node[data-tags~="seed:v1"]');
    await waitText("#layer-changes", "/hello.txt");
    await shot("3-layer");
  });

  test("commits made from the CLI join the graph live, with the bytes a later layer wastes", async () => {
    const commit = (name: string, from: string, script: string, tag: string) => {
      ok(["run", "--name", name, "--network", "none", from, "sh", "-c", script]);
      ok(["commit", "-m", `${name}: ${script}`, name, tag]);
      ok(["rm", name]);
    };
    commit("fat", "seed:v1", "head -c 300000 /dev/zero > /data.bin", "seed:v2");
    commit("thin", "seed:v2", "rm /data.bin", "seed:v3");
    commit("tools", "busybox", "mkdir -p /opt/tools && echo 'echo hi' > /opt/tools/hi", "tools:1");
    await page.waitForSelector('svg.graph .node[data-tags~="seed:v3"]', { timeout: 20_000 });
    await page.waitForSelector('svg.graph .node[data-tags~="tools:1"]');
    await click('.chip[data-tags~="seed:v3"]');
    await waitText("#history", "rm /data.bin");
    // /data.bin: 300,000 bytes in v2's layer and a whiteout weighing as much in v3's (dive's measure).
    await waitText('.chip[data-tags~="seed:v3"]', "600kB wasted");
    await waitText('svg.graph .node[data-tags~="seed:v2"] .wasted', "300kB wasted");
    assert.equal(await page.$$eval("svg.graph .node", (els) => els.length), 5);
    await shot("5-graph");
  });

  test("remove the container from the page", async () => {
    await click('tr[data-name="seed1"]');
    await waitText("#container-status", "running");
    await page.click("#container-remove");
    await page.waitForFunction(() => !document.querySelector('tr[data-name="seed1"]'), { timeout: 30_000 });
    assert.doesNotMatch(ok(["ps", "-a", "--format", "{{.Names}}"]), /seed1/);
    await click('.chip[data-tags~="seed:v1"]');
    await waitText("#history", "add hello.txt");
    await shot("4-after-remove");
  });
});
