// Link-local addresses of an endpoint (--link-local-ip, EndpointSettings.IPAMConfig.LinkLocalIPs):
// checked as dockerd 20.10 checks them when a container starts, and put on the container's
// interface after netavark made it, as libnetwork's sandbox does (IPv4 as /16, IPv6 as /64).
import { InvalidArgumentError, SystemError } from "../errors.js";
import { runCommand, type CommandRunner } from "./command.js";
import { parseIp, type IpAddress } from "./ip-address.js";

/**
 * dockerd's two checks, in its order: any entry Go's net.ParseIP refuses fails the whole list
 * (daemon/container_operations.go, the list printed as Go's %v), then each must be link-local
 * unicast (libnetwork's endpoint). Returns the parsed addresses; throws the message dockerd gives.
 */
export function checkLinkLocalIps(list: readonly string[]): IpAddress[] {
  const parsed = list.map(parseIp);
  if (parsed.some((ip) => ip === undefined)) throw new InvalidArgumentError(`Invalid link-local IP address: [${list.join(" ")}]`);
  return parsed.map((ip, i) => {
    if (!isLinkLocalUnicast(ip!)) throw new InvalidArgumentError(`invalid link local IP address: ${list[i]}`);
    return ip!;
  });
}

/** Go's IP.IsLinkLocalUnicast: 169.254.0.0/16 (also IPv4-mapped), fe80::/10. */
export function isLinkLocalUnicast(ip: IpAddress): boolean {
  if (ip.family === 4) return ip.value >> 16n === 0xa9fen;
  if (ip.value >> 32n === 0xffffn) return (ip.value & 0xffffffffn) >> 16n === 0xa9fen;
  return ip.value >> 118n === 0x3fan;
}

/** The prefix libnetwork gives a link-local address on the interface. */
function prefixOf(ip: IpAddress): number {
  return ip.family === 4 ? 16 : 64;
}

/**
 * Adds the addresses to `device` inside the namespace bound at `netns` (`nsenter --net=FILE ip
 * addr add`), in the order given; the first failure names the address and `ip`'s words.
 */
export async function addLinkLocalIps(
  netns: string,
  req: { device: string; addresses: readonly string[] },
  opts: { run?: CommandRunner; signal?: AbortSignal } = {},
): Promise<void> {
  const run = opts.run ?? runCommand;
  for (const text of req.addresses) {
    const ip = parseIp(text);
    if (!ip) throw new SystemError(`invalid link local IP address: ${text}`);
    const family = ip.family === 4 ? "-4" : "-6";
    const broadcast = ip.family === 4 ? ["broadcast", "+"] : [];
    const argv = ["nsenter", `--net=${netns}`, "ip", family, "addr", "add", `${text}/${prefixOf(ip)}`, ...broadcast, "dev", req.device];
    const result = await run(argv, opts.signal ? { signal: opts.signal } : {});
    if (result.code !== 0) {
      throw new SystemError(
        `error setting interface "${req.device}" link local IPs to [${req.addresses.map((a) => `${a}/${prefixOf(parseIp(a)!)}`).join(" ")}]: ${result.stderr.trim() || `exit status ${result.code}`}`,
      );
    }
  }
}
