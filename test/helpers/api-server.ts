// A berth serve child process on a temp root with busybox:latest, listening on a socket inside the
// temp dir; stopped (SIGTERM, then SIGKILL) and the root removed after the tests, even on failure.
import { before, after } from "node:test";
import * as fs from "node:fs";
import * as net from "node:net";
import * as http from "node:http";
import { spawn, type ChildProcess } from "node:child_process";
import { BERTH, createTempRoot, type TempRoot } from "./temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "./busybox.js";

export interface ApiServerHandle {
  readonly t: TempRoot;
  readonly socket: string;
  readonly proc: ChildProcess;
  /** What the server wrote to stderr so far. */
  log(): string;
  /** DOCKER_HOST for clients. */
  readonly dockerHost: string;
  request(
    method: string,
    path: string,
    opts?: { body?: string | Buffer; headers?: Record<string, string> },
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>;
  /** SIGTERM and the exit code. */
  stop(): Promise<number | null>;
}

export async function startApiServer(
  t: TempRoot,
  extraArgs: readonly string[] = [],
  socketName = "api.sock",
  opts: { netns?: string } = {},
): Promise<ApiServerHandle> {
  const socket = `${t.dir}/${socketName}`;
  const serve = [
    process.execPath,
    BERTH,
    "--root",
    t.root,
    "--runroot",
    t.runroot,
    "-l",
    "debug",
    "serve",
    "-H",
    `unix://${socket}`,
    ...extraArgs,
  ];
  // In a network namespace of the test's: the server's bridges and rules stay in it.
  const argv = opts.netns ? ["nsenter", `--net=${opts.netns}`, ...serve] : serve;
  const proc = spawn(argv[0]!, argv.slice(1), {
    stdio: ["ignore", "ignore", "pipe"],
    // Tests reach loopback only: a stray pull of a Docker Hub name fails before any lookup.
    env: { ...process.env, TZ: "UTC", BERTH_REGISTRY_LOOPBACK_ONLY: "1" },
  });
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  // Ready once every listener is open: the server says so after the last one.
  while (!stderr.includes("berth serves the Docker Engine API") || !(await connects(socket))) {
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill("SIGKILL");
      throw new Error(`berth serve did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const handle: ApiServerHandle = {
    t,
    socket,
    proc,
    log: () => stderr,
    dockerHost: `unix://${socket}`,
    request: (method, path, opts = {}) =>
      new Promise((resolve, reject) => {
        const req = http.request({ socketPath: socket, method, path, headers: opts.headers ?? {}, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on("error", reject);
        });
        req.on("error", reject);
        req.end(opts.body);
      }),
    stop: async () => {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  return handle;
}

function connects(path: string): Promise<boolean> {
  if (!fs.existsSync(path)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const s = net.connect(path);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** Call inside describe(): a served temp root with busybox:latest for the block's tests. */
export function useApiServer(): { readonly server: ApiServerHandle } {
  let server: ApiServerHandle | undefined;
  let root: TempRoot | undefined;
  before(async () => {
    root = createTempRoot("berth-api-");
    const imported = root.berth(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
    if (imported.code !== 0) throw new Error(`import busybox: ${imported.stderr}`);
    server = await startApiServer(root);
  });
  after(async () => {
    try {
      await server?.stop();
    } finally {
      root?.cleanup();
    }
  });
  return {
    get server() {
      if (!server) throw new Error("useApiServer(): the server runs only while the tests run");
      return server;
    },
  };
}
