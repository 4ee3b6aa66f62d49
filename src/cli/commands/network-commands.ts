// network create, ls, inspect, rm, prune, connect, disconnect, as docker CLI 28 has them.
import { collect, collectFilter, type CommandSpec } from "../command-spec.js";
import { ClientArgumentError, ClientError } from "../errors.js";
import { formatList } from "../format/list.js";
import { goTimeString } from "../format/units.js";
import { printInspected, type Inspected } from "../format/inspect-output.js";
import { parseTimeFlag } from "../time-flags.js";
import { confirm } from "../confirm.js";
import { BerthError } from "../../errors.js";

/** pflag's `strings`: repeatable, and each value split at commas. */
function collectStrings(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(",").filter((v) => v !== "")];
}

/** pflag's map flags (-o, --ipam-opt): KEY=VALUE, repeatable. */
function keyValues(entries: readonly string[], flag: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    if (eq < 0) throw new ClientArgumentError(`invalid argument "${entry}" for "${flag}" flag: ${entry} must be formatted as key=value`);
    map[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return map;
}

const createCommand: CommandSpec = {
  path: ["network", "create"],
  usage: "[OPTIONS] NETWORK",
  description: "Create a network",
  args: { min: 1, max: 1 },
  options: (cmd) =>
    cmd
      .option("--attachable", "Enable manual container attachment")
      .option("--aux-address <map>", "Auxiliary IPv4 or IPv6 addresses used by Network driver", collect, [])
      .option("--config-from <string>", "The network from which to copy the configuration")
      .option("--config-only", "Create a configuration only network")
      .option("-d, --driver <string>", "Driver to manage the Network", "bridge")
      .option("--gateway <strings>", "IPv4 or IPv6 Gateway for the master subnet", collectStrings, [])
      .option("--ingress", "Create swarm routing-mesh network")
      .option("--internal", "Restrict external access to the network")
      .option("--ip-range <strings>", "Allocate container ip from a sub-range", collectStrings, [])
      .option("--ipam-driver <string>", "IP Address Management Driver", "default")
      .option("--ipam-opt <map>", "Set IPAM driver specific options", collect, [])
      .option("--ipv6", "Enable or disable IPv6 address assignment")
      .option("--label <list>", "Set metadata on a network", collect, [])
      .option("-o, --opt <map>", "Set driver specific options", collect, [])
      .option("--scope <string>", "Control the network's scope")
      .option("--subnet <strings>", "Subnet in CIDR format that represents a network segment", collectStrings, []),
  action: async (ctx, [name], opts) => {
    const { buildIpamConfig } = await import("../../engine/network/ipam-flags.js");
    const { createNetwork } = await import("../../engine/network/networks.js");
    const { parseLabels } = await import("./run-flags.js");
    if ((opts.auxAddress as string[]).length > 0)
      throw new ClientError("berth does not support the '--aux-address' flag of 'berth network create' yet");
    let ipamConfig;
    try {
      ipamConfig = buildIpamConfig({
        subnets: opts.subnet as string[],
        ipRanges: opts.ipRange as string[],
        gateways: opts.gateway as string[],
      });
    } catch (err) {
      throw new ClientError((err as Error).message);
    }
    const { id } = createNetwork(await ctx.engine({ sweep: true }), {
      name: name!,
      driver: opts.driver as string,
      ipamDriver: opts.ipamDriver as string,
      ipamConfig,
      ipamOptions: keyValues(opts.ipamOpt as string[], "--ipam-opt"),
      internal: Boolean(opts.internal),
      attachable: Boolean(opts.attachable),
      ingress: Boolean(opts.ingress),
      enableIpv6: Boolean(opts.ipv6),
      labels: parseLabels(opts.label as string[]),
      options: keyValues(opts.opt as string[], "-o, --opt"),
      configOnly: Boolean(opts.configOnly),
      configFrom: opts.configFrom as string | undefined,
      scope: opts.scope as string | undefined,
    });
    ctx.line(id);
  },
};

const NETWORK_HEADERS = {
  ID: "NETWORK ID",
  Name: "NAME",
  Driver: "DRIVER",
  Scope: "SCOPE",
  IPv6: "IPV6",
  Internal: "INTERNAL",
  Labels: "LABELS",
  CreatedAt: "CREATED AT",
};

// Made when `ls` sorts, not at import: an ICU collator is a native object, and one made at import
// time is work every command that loads this module pays (and it kept V8 from snapshotting the CLI).
let numericOrder: Intl.Collator | undefined;

const lsCommand: CommandSpec = {
  path: ["network", "ls"],
  aliases: [["network", "list"]],
  usage: "[OPTIONS]",
  description: "List networks",
  args: { min: 0, max: 0 },
  options: (cmd) =>
    cmd
      .option("-f, --filter <filter>", "Provide filter values (e.g. 'driver=bridge')", collectFilter, [])
      .option("--format <string>", "Format output using a custom template")
      .option("--no-trunc", "Do not truncate the output")
      .option("-q, --quiet", "Only display network IDs"),
  action: async (ctx, _args, opts) => {
    const { listNetworks } = await import("../../engine/network/networks.js");
    const truncate = opts.trunc !== false;
    const rows = listNetworks(await ctx.engine(), opts.filter as string[])
      .sort((a, b) => (numericOrder ??= new Intl.Collator("en", { numeric: true })).compare(a.name, b.name))
      .map((n) => ({
        ID: truncate ? n.id.slice(0, 12) : n.id,
        Name: n.name,
        Driver: n.driver,
        Scope: "local",
        IPv6: String(n.ipv6),
        Internal: String(n.internal),
        Labels: Object.entries(n.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(","),
        CreatedAt: goTimeString(new Date(n.created)),
      }));
    ctx.out(
      await formatList(
        {
          format: opts.format as string | undefined,
          quiet: Boolean(opts.quiet),
          defaultTable: "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}",
          quietFormat: "{{.ID}}",
          rowType: "*formatter.networkContext",
        },
        rows,
        NETWORK_HEADERS,
      ),
    );
  },
};

const inspectCommand: CommandSpec = {
  path: ["network", "inspect"],
  usage: "[OPTIONS] NETWORK [NETWORK...]",
  description: "Display detailed information on one or more networks",
  args: { min: 1, max: Infinity },
  options: (cmd) =>
    cmd.option("-f, --format <string>", "Format output using a custom template").option("-v, --verbose", "Verbose output for diagnostics"),
  action: async (ctx, refs, opts) => {
    const { networkJson, resolveNetwork } = await import("../../engine/network/networks.js");
    const engine = await ctx.engine();
    const found: Inspected[] = [];
    const errors: string[] = [];
    for (const ref of refs) {
      try {
        found.push({ kind: "network", value: networkJson(engine, resolveNetwork(engine, ref), { containers: true }) });
      } catch (err) {
        if (!(err instanceof BerthError)) throw err;
        errors.push(`Error response from daemon: ${err.message}`);
      }
    }
    return printInspected(ctx, found, opts.format as string | undefined, errors);
  },
};

const rmCommand: CommandSpec = {
  path: ["network", "rm"],
  aliases: [["network", "remove"]],
  usage: "NETWORK [NETWORK...]",
  description: "Remove one or more networks",
  args: { min: 1, max: Infinity },
  options: (cmd) => cmd.option("-f, --force", "Do not error if the network does not exist"),
  action: async (ctx, refs, opts) => {
    const { removeNetwork } = await import("../../engine/network/networks.js");
    const { NotFoundError } = await import("../../errors.js");
    const engine = await ctx.engine({ sweep: true });
    let failed = false;
    for (const ref of refs) {
      try {
        await removeNetwork(engine, ref);
        ctx.line(ref);
      } catch (err) {
        if (!(err instanceof BerthError)) throw err;
        if (opts.force && err instanceof NotFoundError) continue;
        process.stderr.write(`Error response from daemon: ${err.message}\n`);
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};

const pruneCommand: CommandSpec = {
  path: ["network", "prune"],
  usage: "[OPTIONS]",
  description: "Remove all unused networks",
  args: { min: 0, max: 0 },
  options: (cmd) =>
    cmd
      .option("--filter <filter>", 'Provide filter values (e.g. "until=<timestamp>")', collectFilter, [])
      .option("-f, --force", "Do not prompt for confirmation"),
  action: async (ctx, _args, opts) => {
    if (!opts.force && !(await confirm(ctx, "WARNING! This will remove all custom networks not used by at least one container."))) return 0;
    const { pruneNetworks } = await import("../../engine/network/networks.js");
    const flags = opts.filter as string[];
    const until = flags.find((f) => f.startsWith("until="));
    const removed = await pruneNetworks(await ctx.engine({ sweep: true }), {
      flags: flags.filter((f) => !f.startsWith("until=")),
      until: until ? parseTimeFlag(until.slice("until=".length)) : undefined,
    });
    if (removed.length) ctx.out(`Deleted Networks:\n${removed.join("\n")}\n\n`);
  },
};

const connectCommand: CommandSpec = {
  path: ["network", "connect"],
  usage: "[OPTIONS] NETWORK CONTAINER",
  description: "Connect a container to a network",
  args: { min: 2, max: 2 },
  options: (cmd) =>
    cmd
      .option("--alias <strings>", "Add network-scoped alias for the container", collectStrings, [])
      .option("--driver-opt <strings>", "driver options for the network", collectStrings, [])
      .option("--ip <string>", 'IPv4 address (e.g., "172.30.100.104")')
      .option("--ip6 <string>", 'IPv6 address (e.g., "2001:db8::33")')
      .option("--link <list>", "Add link to another container", collect, [])
      .option("--link-local-ip <strings>", "Add a link-local address for the container", collectStrings, []),
  action: async (ctx, [network, container], opts) => {
    const { connectContainer } = await import("../../engine/network/connect-container.js");
    if ((opts.linkLocalIp as string[]).length > 0) {
      throw new ClientError("berth does not support the '--link-local-ip' flag of 'berth network connect' yet");
    }
    const ip = opts.ip as string | undefined;
    const ip6 = opts.ip6 as string | undefined;
    const driverOpts = keyValues(opts.driverOpt as string[], "--driver-opt");
    await connectContainer(await ctx.engine({ sweep: true }), network!, container!, {
      Aliases: opts.alias as string[],
      IPAMConfig: { ...(ip ? { IPv4Address: ip } : {}), ...(ip6 ? { IPv6Address: ip6 } : {}) },
      Links: opts.link as string[],
      ...(Object.keys(driverOpts).length ? { DriverOpts: driverOpts } : {}),
    });
  },
};

const disconnectCommand: CommandSpec = {
  path: ["network", "disconnect"],
  usage: "[OPTIONS] NETWORK CONTAINER",
  description: "Disconnect a container from a network",
  args: { min: 2, max: 2 },
  options: (cmd) => cmd.option("-f, --force", "Force the container to disconnect from a network"),
  action: async (ctx, [network, container], opts) => {
    const { disconnectContainer } = await import("../../engine/network/connect-container.js");
    await disconnectContainer(await ctx.engine({ sweep: true }), network!, container!, { force: Boolean(opts.force) });
  },
};

export const networkCommands: readonly CommandSpec[] = [
  createCommand,
  lsCommand,
  inspectCommand,
  rmCommand,
  pruneCommand,
  connectCommand,
  disconnectCommand,
];
