// A container's network counters as Docker's stats report them (api/types/stats.go NetworkStats),
// read from /proc/<pid>/net/dev, which shows the interfaces of the process's network namespace.
// Loopback is left out, as dockerd reports only the sandbox's endpoints; a process in the host's
// namespace has no interfaces of its own (dockerd omits `networks` for --network host).
import * as fs from "node:fs";

export interface NetworkStats {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}

/** Interface name → counters; undefined when the process is gone or shares this process's namespace. */
export function readNetworkStats(pid: number): Record<string, NetworkStats> | undefined {
  let text: string;
  try {
    if (fs.readlinkSync(`/proc/${pid}/ns/net`) === fs.readlinkSync("/proc/self/ns/net")) return undefined;
    text = fs.readFileSync(`/proc/${pid}/net/dev`, "utf8");
  } catch {
    return undefined;
  }
  return parseNetDev(text);
}

/** The two header lines, then "name: 8 receive counters, 8 transmit counters" per interface. */
export function parseNetDev(text: string): Record<string, NetworkStats> {
  const result: Record<string, NetworkStats> = {};
  for (const line of text.split("\n").slice(2)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const n = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (name === "lo" || n.length < 16 || n.some((v) => !Number.isFinite(v))) continue;
    result[name] = {
      rx_bytes: n[0]!,
      rx_packets: n[1]!,
      rx_errors: n[2]!,
      rx_dropped: n[3]!,
      tx_bytes: n[8]!,
      tx_packets: n[9]!,
      tx_errors: n[10]!,
      tx_dropped: n[11]!,
    };
  }
  return result;
}
