// `berth serve` (and `berth system service`): the Docker Engine API on a unix socket (and TCP when
// asked), in the foreground, logging as dockerd does; SIGTERM or SIGINT stops it cleanly.
import type { CommandSpec } from "../command-spec.js";
import { collect } from "../command-spec.js";
import type { CliContext } from "../context.js";
import { DEFAULT_UI_PORT } from "../../ui/ui-port.js";

const LEVELS = ["debug", "info", "warn", "error", "fatal"] as const;

/** dockerd's logrus text format: time="…" level=info msg="…". */
export function logLine(level: string, message: string): void {
  process.stderr.write(`time="${new Date().toISOString()}" level=${level} msg=${JSON.stringify(message)}\n`);
}

export function apiLog(ctx: CliContext) {
  const min = LEVELS.indexOf(ctx.globals.logLevel);
  const at = (level: (typeof LEVELS)[number]) => (message: string) => {
    if (LEVELS.indexOf(level) >= min) logLine(level, message);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export const serveCommand: CommandSpec = {
  path: ["serve"],
  aliases: [["system", "service"]],
  usage: "[OPTIONS]",
  description: "Serve the Docker Engine API (DOCKER_HOST=unix:///run/berth/berth.sock docker ...)",
  args: { min: 0, max: 0 },
  // berth serve is the daemon: its own failures are not a daemon's response.
  daemonPrefix: false,
  options: (cmd) =>
    cmd
      .option(
        "-H, --host <list>",
        'Daemon socket to listen on: unix:///path or tcp://127.0.0.1:PORT (default "unix:///run/berth/berth.sock")',
        collect,
        [],
      )
      .option(
        "--ui [address]",
        `Serve the web view too: --ui, or --ui=127.0.0.1:PORT (loopback only; default port ${DEFAULT_UI_PORT}, 0: any free one)`,
      ),
  action: async (ctx, _args, opts) => {
    const { startApiServer, createApiHandler, parseListenAddress, DEFAULT_SOCKET } = await import("../../api/server.js");
    const ui = opts.ui === undefined ? undefined : await import("../../ui/ui-access.js");
    // A bad address is refused before anything listens.
    const uiAddress = ui?.parseUiAddress(typeof opts.ui === "string" ? opts.ui : `127.0.0.1:${DEFAULT_UI_PORT}`);
    // Listening first: a SIGTERM that arrives while the listeners open still stops the server cleanly.
    const stopped = new Promise<NodeJS.Signals>((resolve) => {
      process.once("SIGTERM", () => resolve("SIGTERM"));
      process.once("SIGINT", () => resolve("SIGINT"));
    });
    const hosts = ((opts.host as string[]).length ? (opts.host as string[]) : [DEFAULT_SOCKET]).map(parseListenAddress);
    const engine = await ctx.engine({ sweep: true });
    const log = apiLog(ctx);
    const handler = createApiHandler(engine, log);
    const server = await startApiServer(engine, { hosts, log, handler });
    let uiServer: import("../../ui/ui-server.js").UiServer | undefined;
    if (ui && uiAddress) {
      const { startUiServer } = await import("../../ui/ui-server.js");
      try {
        uiServer = await startUiServer(handler, { address: uiAddress, token: ui.newUiToken(), log });
      } catch (err) {
        await server.close({ graceMs: 0 });
        throw err;
      }
    }
    // run --use-api-socket mounts the socket of the serve of its runroot.
    const { recordServeSockets } = await import("../../engine/system/serve-socket.js");
    const unrecord = recordServeSockets(
      engine,
      server.addresses.filter((a) => a.startsWith("unix://")).map((a) => a.slice("unix://".length)),
    );
    // As dockerd does when it starts: the sandboxes of runs that ended unseen (a reboot, a killed
    // conmon) free their addresses and ports, then containers whose restart policy asks come back.
    const { releaseNetworkLeftovers } = await import("../../engine/network/network-repair.js");
    await releaseNetworkLeftovers(engine).catch((err: unknown) =>
      logLine("warn", `releasing the network of ended runs: ${err instanceof Error ? err.message : String(err)}`),
    );
    const { restoreContainers } = await import("../../engine/containers/container-lifecycle.js");
    for (const id of await restoreContainers(engine)) logLine("info", `restarted container ${id.slice(0, 12)} (restart policy)`);
    // The start and the stop are told whatever the level, as the daemon's own status.
    for (const address of server.addresses) logLine("info", `API listen on ${address.replace(/^unix:\/\//, "")}`);
    if (uiServer) {
      // The token goes to the terminal only, never into the log.
      logLine("info", `web view on ${uiServer.origin}/ (open the address printed on stdout)`);
      ctx.line(uiServer.url);
    }
    logLine("info", `berth serves the Docker Engine API (root ${engine.config.root}, runroot ${engine.config.runroot})`);
    const signal = await stopped;
    logLine("info", `Processing signal '${signal === "SIGTERM" ? "terminated" : "interrupt"}'`);
    unrecord();
    await Promise.all([server.close({ graceMs: 2_000 }), uiServer?.close({ graceMs: 2_000 })]);
    logLine("info", "Daemon shutdown complete");
    return 0;
  },
};
