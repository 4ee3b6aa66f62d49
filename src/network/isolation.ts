// Docker keeps bridge networks apart: a container on one cannot reach a container on another
// through the host (dockerd's DOCKER-ISOLATION-STAGE-1/2 chains). netavark 1.4 does not: its
// FORWARD chain accepts everything from a network's subnet, whatever the way out (measured). berth
// adds Docker's two stages in chains of its own, jumped to first from FORWARD, so that traffic that
// enters from one berth bridge and leaves by another is dropped, and traffic to the host's own
// interfaces goes on to netavark's rules.
import { runCommand, type CommandRunner } from "./command.js";
import { SystemError } from "../errors.js";

const STAGE_1 = "BERTH-ISOLATION-STAGE-1";
const STAGE_2 = "BERTH-ISOLATION-STAGE-2";
/** netavark runs the system's iptables; so does berth, whatever the caller's PATH. */
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

type Tool = "iptables" | "ip6tables";

function tools(ipv6: boolean): Tool[] {
  return ipv6 ? ["iptables", "ip6tables"] : ["iptables"];
}

async function run(tool: Tool, args: readonly string[], runner: CommandRunner): Promise<{ code: number; stderr: string; stdout: string }> {
  // -w: wait for the xtables lock that netavark and other firewall users take.
  return runner([tool, "-w", ...args], { env: { ...process.env, PATH } });
}

async function must(tool: Tool, args: readonly string[], runner: CommandRunner): Promise<void> {
  const result = await run(tool, args, runner);
  if (result.code !== 0) throw new SystemError(`${tool} ${args.join(" ")}: ${result.stderr.trim() || `exit status ${result.code}`}`);
}

/** The rule is there, or is appended. */
async function ensureRule(tool: Tool, chain: string, rule: readonly string[], runner: CommandRunner): Promise<void> {
  if ((await run(tool, ["-C", chain, ...rule], runner)).code === 0) return;
  await must(tool, ["-A", chain, ...rule], runner);
}

async function ensureChain(tool: Tool, chain: string, runner: CommandRunner): Promise<void> {
  if ((await run(tool, ["-S", chain], runner)).code === 0) return;
  const created = await run(tool, ["-N", chain], runner);
  // Another berth made it meanwhile.
  if (created.code !== 0 && !/exists/i.test(created.stderr)) {
    throw new SystemError(`${tool} -N ${chain}: ${created.stderr.trim() || `exit status ${created.code}`}`);
  }
}

/**
 * Puts `bridge` under isolation. Call after netavark's setup (which may insert its own jump at the
 * head of FORWARD): the jump to stage 1 is moved back to the head when it is not there.
 */
export async function ensureIsolation(bridge: string, opts: { ipv6: boolean; run?: CommandRunner }): Promise<void> {
  const runner = opts.run ?? runCommand;
  for (const tool of tools(opts.ipv6)) {
    await ensureChain(tool, STAGE_2, runner);
    await ensureChain(tool, STAGE_1, runner);
    await ensureRule(tool, STAGE_1, ["-i", bridge, "!", "-o", bridge, "-j", STAGE_2], runner);
    await ensureRule(tool, STAGE_2, ["-o", bridge, "-j", "DROP"], runner);
    const forward = (await run(tool, ["-S", "FORWARD"], runner)).stdout.split("\n").filter((l) => l.startsWith("-A FORWARD"));
    if (forward[0] === `-A FORWARD -j ${STAGE_1}`) continue;
    while ((await run(tool, ["-D", "FORWARD", "-j", STAGE_1], runner)).code === 0);
    await must(tool, ["-I", "FORWARD", "1", "-j", STAGE_1], runner);
  }
}

/** Takes `bridge`'s rules out (the network is gone); what is not there is skipped. */
export async function removeIsolation(bridge: string, opts: { run?: CommandRunner } = {}): Promise<void> {
  if (bridge === "") return;
  const runner = opts.run ?? runCommand;
  for (const tool of tools(true)) {
    try {
      while ((await run(tool, ["-D", STAGE_1, "-i", bridge, "!", "-o", bridge, "-j", STAGE_2], runner)).code === 0);
      while ((await run(tool, ["-D", STAGE_2, "-o", bridge, "-j", "DROP"], runner)).code === 0);
    } catch {
      // No such tool on this host (ip6tables): it holds no rules either.
    }
  }
}
