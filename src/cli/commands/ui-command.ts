// `berth ui`: the web view alone, on loopback, in the foreground (`berth serve --ui` serves it
// beside the API's sockets). It prints the address to open, with its token; SIGTERM or SIGINT stops it.
import type { CommandSpec } from "../command-spec.js";
import { DEFAULT_UI_PORT } from "../../ui/ui-port.js";
import { apiLog, logLine } from "./serve-command.js";

export const uiCommand: CommandSpec = {
  path: ["ui"],
  usage: "[OPTIONS]",
  description: "Serve the web view of images, layers and containers on loopback (opens no API socket)",
  args: { min: 0, max: 0 },
  daemonPrefix: false,
  options: (cmd) => cmd.option("--listen <address>", `Loopback address to listen on; port 0: any free one`, `127.0.0.1:${DEFAULT_UI_PORT}`),
  action: async (ctx, _args, opts) => {
    const { parseUiAddress, newUiToken } = await import("../../ui/ui-access.js");
    const address = parseUiAddress(opts.listen as string);
    const stopped = new Promise<NodeJS.Signals>((resolve) => {
      process.once("SIGTERM", () => resolve("SIGTERM"));
      process.once("SIGINT", () => resolve("SIGINT"));
    });
    const engine = await ctx.engine();
    const log = apiLog(ctx);
    const { createApiHandler } = await import("../../api/server.js");
    const { startUiServer } = await import("../../ui/ui-server.js");
    const server = await startUiServer(createApiHandler(engine, log), { address, token: newUiToken(), log });
    logLine("info", `web view on ${server.origin}/ (open the address printed on stdout)`);
    ctx.line(server.url);
    await stopped;
    await server.close({ graceMs: 2_000 });
    return 0;
  },
};
