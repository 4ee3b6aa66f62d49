// Registry commands: pull, push, login, logout — Docker's flags, progress and messages.
import { parseBool, type CommandSpec } from "../command-spec.js";
import { checkContentTrust } from "../content-trust.js";
import { ClientError } from "../errors.js";
import { progressDisplay } from "../format/progress-display.js";
import { parseClientReference } from "../client-reference.js";
import type { Engine } from "../../engine/engine.js";
import type { ProgressSink } from "../../engine/progress.js";

/** Pulls with Docker's output on `out` (stdout for pull, stderr when run pulls on demand). */
export async function pullWithProgress(
  engine: Engine,
  name: string,
  opts: { quiet: boolean; platform?: string | undefined; out: NodeJS.WriteStream },
): Promise<string> {
  const { pullImage } = await import("../../engine/images/pull-image.js");
  const { parsePlatform } = await import("../../image/config.js");
  const display = progressDisplay(opts.out, { terminal: Boolean(opts.out.isTTY) });
  const progress: ProgressSink = opts.quiet ? () => undefined : (m) => display.show(m);
  const result = await pullImage(engine, name, { progress, platform: opts.platform ? parsePlatform(opts.platform) : undefined });
  return result.reference;
}

/** docker/cli says "Using default tag: latest" when the name has neither tag nor digest. */
async function usesDefaultTag(name: string): Promise<boolean> {
  // Loaded here, not at the top: every CLI command loads this file, few need references.
  const ref = await parseClientReference(name);
  return !ref.tag && !ref.digest;
}

const pullCommand: CommandSpec = {
  path: ["image", "pull"],
  aliases: [["pull"]],
  usage: "[OPTIONS] NAME[:TAG|@DIGEST]",
  description: "Download an image from a registry",
  args: { min: 1, max: 1 },
  options: (cmd) =>
    cmd
      .option("-a, --all-tags", "Download all tagged images in the repository")
      .option("--disable-content-trust [bool]", "Skip image verification (default true)", parseBool)
      .option("--platform <string>", "Set platform if server is multi-platform capable")
      .option("-q, --quiet", "Suppress verbose output"),
  action: async (ctx, [name], opts) => {
    await parseClientReference(name!);
    checkContentTrust(name!, opts, ctx.env);
    const engine = await ctx.engine({ sweep: true });
    const quiet = Boolean(opts.quiet);
    const platform = opts.platform as string | undefined;
    if (opts.allTags) {
      const { pullAllTags } = await import("../../engine/images/pull-all-tags.js");
      const display = progressDisplay(process.stdout, { terminal: Boolean(process.stdout.isTTY) });
      const reference = await pullAllTags(engine, name!, {
        progress: quiet ? () => undefined : (m) => display.show(m),
        ...(platform ? { platform: (await import("../../image/config.js")).parsePlatform(platform) } : {}),
      });
      ctx.line(reference);
      return;
    }
    if (!quiet && (await usesDefaultTag(name!))) ctx.line("Using default tag: latest");
    ctx.line(await pullWithProgress(engine, name!, { quiet, platform, out: process.stdout }));
  },
};

const pushCommand: CommandSpec = {
  path: ["image", "push"],
  aliases: [["push"]],
  usage: "[OPTIONS] NAME[:TAG]",
  description: "Upload an image to a registry",
  args: { min: 1, max: 1 },
  options: (cmd) =>
    cmd
      .option("-a, --all-tags", "Push all tags of an image to the repository")
      .option("--disable-content-trust [bool]", "Skip image signing (default true)", parseBool)
      .option("-q, --quiet", "Suppress verbose output"),
  action: async (ctx, [name], opts) => {
    await parseClientReference(name!);
    checkContentTrust(name!, opts, ctx.env);
    const engine = await ctx.engine({ sweep: true });
    const quiet = Boolean(opts.quiet);
    if (!opts.allTags && !quiet && (await usesDefaultTag(name!))) ctx.line("Using default tag: latest");
    const { pushImage } = await import("../../engine/images/push-image.js");
    const display = progressDisplay(process.stdout, { terminal: Boolean(process.stdout.isTTY) });
    const pushed = await pushImage(engine, name!, {
      allTags: Boolean(opts.allTags),
      progress: quiet ? () => undefined : (m) => display.show(m),
    });
    if (quiet) {
      const { familiarName, parseReference } = await import("../../image/reference.js");
      const repo = familiarName(parseReference(name!));
      for (const p of pushed) ctx.line(`${repo}:${p.tag}`);
    }
  },
};

const loginCommand: CommandSpec = {
  path: ["login"],
  usage: "[OPTIONS] [SERVER]",
  description: "Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.",
  args: { min: 0, max: 1 },
  options: (cmd) =>
    cmd
      .option("-u, --username <string>", "Username")
      .option("-p, --password <string>", "Password or Personal Access Token (PAT)")
      .option("--password-stdin", "Take the Password or Personal Access Token (PAT) from stdin"),
  action: async (ctx, [server], opts) => {
    let username = opts.username as string | undefined;
    let password = opts.password as string | undefined;
    if (password !== undefined) {
      process.stderr.write("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
      if (opts.passwordStdin) throw new ClientError("--password and --password-stdin are mutually exclusive");
    }
    if (opts.passwordStdin) {
      if (!username) throw new ClientError("Must provide --username with --password-stdin");
      password = (await readAll(process.stdin)).replace(/\r?\n$/, "");
    }
    if (username === undefined || password === undefined) {
      if (!process.stdin.isTTY) throw new ClientError("Cannot perform an interactive login from a non TTY device");
      username ??= (await prompt("Username: ", false)).trim();
      if (!username) throw new ClientError("Username is required");
      password ??= await prompt("Password: ", true);
    }
    if (!password) throw new ClientError("Password is required");
    const { login } = await import("../../engine/images/login.js");
    const result = await login(await ctx.engine(), server, { username: username.trim(), password });
    if (!result.helper) {
      process.stderr.write(
        `WARNING! Your credentials are stored unencrypted in '${result.path}'.\n` +
          "Configure a credential helper to remove this warning. See\n" +
          "https://docs.docker.com/go/credential-store/\n\n",
      );
    }
    ctx.line("Login Succeeded");
  },
};

const logoutCommand: CommandSpec = {
  path: ["logout"],
  usage: "[SERVER]",
  description: "Log out from a registry.\nIf no server is specified, the default is defined by the daemon.",
  args: { min: 0, max: 1 },
  action: async (ctx, [server]) => {
    const { logout } = await import("../../engine/images/login.js");
    const result = await logout(await ctx.engine(), server);
    ctx.line(result.removed ? `Removing login credentials for ${result.key}` : `Not logged in to ${result.key}`);
  },
};

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** A line from the terminal; the password without echo. */
async function prompt(question: string, hidden: boolean): Promise<string> {
  process.stdout.write(question);
  const stdin = process.stdin;
  if (hidden) stdin.setRawMode(true);
  return new Promise((resolve, reject) => {
    let text = "";
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003") return done(new ClientError("interrupted"));
        if (ch === "\u007f") text = text.slice(0, -1);
        else text += ch;
      }
    };
    const done = (err?: Error) => {
      stdin.off("data", onData);
      stdin.pause();
      if (hidden) {
        stdin.setRawMode(false);
        process.stdout.write("\n");
      }
      if (err) reject(err);
      else resolve(text);
    };
    stdin.on("data", onData);
    stdin.resume();
  });
}

export const registryCommands: readonly CommandSpec[] = [pullCommand, pushCommand, loginCommand, logoutCommand];
