// Credentials in Docker's client config.json, so that `docker login` and `berth login` share them:
// "auths" entries with base64 user:password, and the credential helpers that credsStore and
// credHelpers name (docker-credential-<name> get|store|erase). A helper that fails is an error:
// credentials are never looked up elsewhere instead (CVE-2021-41092).
import * as fs from "node:fs";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { SystemError, UnauthorizedError } from "../errors.js";

export interface Credentials {
  username: string;
  password: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface ConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [other: string]: unknown;
}

export class CredentialStore {
  constructor(readonly configDir: string) {}

  get path(): string {
    return `${this.configDir}/config.json`;
  }

  async get(key: string): Promise<Credentials | undefined> {
    const config = this.read();
    const helper = config.credHelpers?.[key] ?? config.credsStore;
    if (helper) return helperGet(helper, key);
    const entry = config.auths?.[key] ?? config.auths?.[`https://${key}`] ?? config.auths?.[`http://${key}`];
    if (!entry) return undefined;
    if (entry.identitytoken) {
      throw new UnauthorizedError(
        `${this.path}: identity tokens (OAuth refresh tokens) for ${key} are not supported by berth; log in with a password`,
      );
    }
    if (entry.auth) return decodeAuth(entry.auth, key, this.path);
    if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password };
    return undefined;
  }

  /** Returns where the password went: the file (stored unencrypted) or a helper's name. */
  async store(key: string, creds: Credentials): Promise<{ helper?: string }> {
    const config = this.read();
    const helper = config.credHelpers?.[key] ?? config.credsStore;
    if (helper) {
      await runHelper(helper, "store", JSON.stringify({ ServerURL: key, Username: creds.username, Secret: creds.password }));
      config.auths = { ...config.auths, [key]: {} };
      this.write(config);
      return { helper };
    }
    config.auths = { ...config.auths, [key]: { auth: Buffer.from(`${creds.username}:${creds.password}`).toString("base64") } };
    this.write(config);
    return {};
  }

  /** False when there was nothing to remove. */
  async erase(key: string): Promise<boolean> {
    const config = this.read();
    const helper = config.credHelpers?.[key] ?? config.credsStore;
    const had = Boolean(config.auths?.[key]);
    if (helper) await runHelper(helper, "erase", key).catch(() => undefined);
    if (had) {
      delete config.auths![key];
      this.write(config);
    }
    return had || Boolean(helper);
  }

  private read(): ConfigFile {
    let text: string;
    try {
      text = fs.readFileSync(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw new SystemError(`reading ${this.path}: ${(err as Error).message}`);
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new SystemError("not a JSON object");
      return parsed as ConfigFile;
    } catch (err) {
      throw new SystemError(`loading config file ${this.path}: ${(err as Error).message}`);
    }
  }

  /** Atomic and private: other keys in the file (Docker's own settings) are kept as they were. */
  private write(config: ConfigFile): void {
    fs.mkdirSync(this.configDir, { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${randomBytes(4).toString("hex")}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(config, null, "\t") + "\n", { mode: 0o600 });
    const fd = fs.openSync(tmp, "r");
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, this.path);
  }
}

function decodeAuth(auth: string, key: string, path: string): Credentials {
  const text = Buffer.from(auth, "base64").toString("utf8");
  const colon = text.indexOf(":");
  if (colon < 0) throw new SystemError(`${path}: invalid auth configuration for ${key}`);
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

async function helperGet(helper: string, key: string): Promise<Credentials | undefined> {
  let out: string;
  try {
    out = await runHelper(helper, "get", key);
  } catch (err) {
    if (/credentials not found/i.test((err as Error).message)) return undefined;
    throw err;
  }
  const reply = JSON.parse(out) as { Username?: string; Secret?: string };
  if (!reply.Secret) return undefined;
  return { username: reply.Username ?? "", password: reply.Secret };
}

function runHelper(helper: string, action: "get" | "store" | "erase", input: string): Promise<string> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", (e) => reject(new SystemError(`error getting credentials - err: ${e.message}, out: \`\``)));
    child.on("close", (code) => {
      const text = Buffer.concat(out).toString("utf8").trim();
      if (code === 0) resolve(text);
      else
        reject(
          new SystemError(
            `error ${action === "get" ? "getting" : action === "store" ? "storing" : "erasing"} credentials - err: exit status ${code}, out: \`${text || Buffer.concat(err).toString("utf8").trim()}\``,
          ),
        );
    });
    child.stdin.end(input);
  });
}
