// `info` (and `system info`): docker CLI 28's layout of what GET /info reports, line for line, with
// its Client section; --format runs a Go template over the same object `docker info` gives one.
import type { CommandSpec } from "../command-spec.js";
import type { CliContext } from "../context.js";
import { ClientError } from "../errors.js";
import { bytesSize } from "../format/units.js";
import { VERSION } from "../version.js";
import type { SystemInfo } from "../../engine/system/system-info.js";

/** docker/cli's clientInfo: what the client knows without asking the engine. */
interface ClientInfo {
  Debug: boolean;
  Version: string;
  Os: string;
  Arch: string;
  Context: string;
  Plugins: never[];
  Warnings: null;
}

/** docker info exits 64 when the template does not parse (cli.StatusError in formatInfo). */
const TEMPLATE_ERROR_EXIT = 64;

export const infoCommand: CommandSpec = {
  path: ["system", "info"],
  aliases: [["info"]],
  usage: "[OPTIONS]",
  description: "Display system-wide information",
  args: { min: 0, max: 0 },
  options: (cmd) => cmd.option("-f, --format <string>", "Format output using a custom template"),
  action: async (ctx, _args, opts) => {
    const { systemInfo } = await import("../../engine/system/system-info.js");
    const debug = ctx.globals.logLevel === "debug";
    const info = systemInfo(await ctx.engine(), { debug });
    const client: ClientInfo = {
      Debug: debug,
      Version: VERSION,
      Os: process.platform,
      Arch: process.arch === "x64" ? "amd64" : process.arch,
      // berth has no contexts: every command talks to the store of --root, docker's "default".
      Context: "default",
      Plugins: [],
      Warnings: null,
    };
    const format = opts.format as string | undefined;
    if (format) return printFormatted(ctx, format, { ...info, ClientInfo: client });
    ctx.out(prettyInfo(info, client));
    for (const warning of info.Warnings ?? []) process.stderr.write(`${warning}\n`);
    return 0;
  },
};

async function printFormatted(ctx: CliContext, format: string, data: SystemInfo & { ClientInfo: ClientInfo }): Promise<number> {
  const { parseTemplate, withGoType } = await import("../format/template/index.js");
  const { SYSTEM_INFO } = await import("../format/docker-types.js");
  let template;
  try {
    template = parseTemplate(format === "json" ? "{{json .}}" : format);
  } catch (err) {
    throw Object.assign(new ClientError((err as Error).message), { exitCode: TEMPLATE_ERROR_EXIT });
  }
  ctx.line(template.execute(withGoType(data, SYSTEM_INFO)));
  return 0;
}

/** docker/cli's prettyPrintInfo for a Linux engine, skipping the lines it skips when empty. */
export function prettyInfo(info: SystemInfo, client: ClientInfo): string {
  const lines: string[] = [];
  const line = (...parts: (string | number | boolean)[]) => lines.push(parts.join(" "));
  const nonEmpty = (label: string, value: string) => {
    if (value !== "") line(label, value);
  };
  line("Client:");
  nonEmpty(" Version:   ", client.Version);
  line(" Context:   ", client.Context);
  line(" Debug Mode:", client.Debug);
  line("");
  line("Server:");
  line(" Containers:", info.Containers);
  line("  Running:", info.ContainersRunning);
  line("  Paused:", info.ContainersPaused);
  line("  Stopped:", info.ContainersStopped);
  line(" Images:", info.Images);
  nonEmpty(" Server Version:", info.ServerVersion);
  nonEmpty(" Storage Driver:", info.Driver);
  for (const [key, value] of info.DriverStatus) line(`  ${key}: ${value}`);
  nonEmpty(" Logging Driver:", info.LoggingDriver);
  nonEmpty(" Cgroup Driver:", info.CgroupDriver);
  nonEmpty(" Cgroup Version:", info.CgroupVersion);
  line(" Plugins:");
  line("  Volume:", info.Plugins.Volume.join(" "));
  line("  Network:", info.Plugins.Network.join(" "));
  line("  Log:", info.Plugins.Log.join(" "));
  line(" Swarm:", info.Swarm.LocalNodeState);
  const runtimes = Object.keys(info.Runtimes);
  if (runtimes.length > 0) {
    line(" Runtimes:", runtimes.join(" "));
    line(" Default Runtime:", info.DefaultRuntime);
  }
  line(" Init Binary:", info.InitBinary);
  line(" containerd version:", info.ContainerdCommit.ID);
  line(" runc version:", info.RuncCommit.ID);
  line(" init version:", info.InitCommit.ID);
  if (info.SecurityOptions.length > 0) {
    line(" Security Options:");
    for (const option of info.SecurityOptions) {
      const fields = new Map(option.split(",").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)] as const));
      line(`  ${fields.get("name") ?? ""}`);
      if (fields.has("profile")) line("   Profile:", fields.get("profile")!);
    }
  }
  nonEmpty(" Kernel Version:", info.KernelVersion);
  nonEmpty(" Operating System:", info.OperatingSystem);
  nonEmpty(" OSType:", info.OSType);
  nonEmpty(" Architecture:", info.Architecture);
  line(" CPUs:", info.NCPU);
  line(" Total Memory:", bytesSize(info.MemTotal));
  nonEmpty(" Name:", info.Name);
  nonEmpty(" ID:", info.ID);
  line(" Docker Root Dir:", info.DockerRootDir);
  line(" Debug Mode:", info.Debug);
  if (info.Debug || client.Debug) {
    line("  File Descriptors:", info.NFd);
    line("  Goroutines:", info.NGoroutines);
    line("  System Time:", info.SystemTime);
    line("  EventsListeners:", info.NEventsListener);
  }
  nonEmpty(" HTTP Proxy:", info.HttpProxy);
  nonEmpty(" HTTPS Proxy:", info.HttpsProxy);
  nonEmpty(" No Proxy:", info.NoProxy);
  if (info.Labels.length > 0) {
    line(" Labels:");
    for (const label of info.Labels) line(`  ${label}`);
  }
  line(" Experimental:", info.ExperimentalBuild);
  const registry = info.RegistryConfig;
  if (registry.InsecureRegistryCIDRs.length > 0 || Object.keys(registry.IndexConfigs).length > 0) {
    line(" Insecure Registries:");
    for (const index of Object.values(registry.IndexConfigs)) if (!index.Secure) line(`  ${index.Name}`);
    for (const cidr of registry.InsecureRegistryCIDRs) line(`  ${cidr}`);
  }
  if (registry.Mirrors.length > 0) {
    line(" Registry Mirrors:");
    for (const mirror of registry.Mirrors) line(`  ${mirror}`);
  }
  line(" Live Restore Enabled:", info.LiveRestoreEnabled);
  line("");
  return lines.map((l) => `${l}\n`).join("");
}
