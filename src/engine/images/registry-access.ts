// The engine's way to registries: one transport (connection pools, certs.d) for the life of the
// engine, the credential store, and a fresh session per operation with the credentials of the day.
import * as os from "node:os";
import type { Transport } from "../../registry/transport.js";
import { CredentialStore } from "../../registry/credentials.js";
import type { RegistrySession } from "../../registry/registry-session.js";
import { apiHost, authKey, type RegistryOptions } from "../../registry/registry-options.js";

export class RegistryAccess {
  private transportInstance: Transport | undefined;
  readonly credentials: CredentialStore;

  constructor(readonly options: RegistryOptions) {
    this.credentials = new CredentialStore(options.configDir);
  }

  /** Loaded on first use: commands that never reach a registry start without undici. */
  private async transport(): Promise<Transport> {
    if (!this.transportInstance) {
      const { Transport } = await import("../../registry/transport.js");
      this.transportInstance ??= new Transport(this.options);
    }
    return this.transportInstance;
  }

  /**
   * A session for the registry of `domain` (docker.io, 127.0.0.1:5000): with the credentials given,
   * anonymous for null, else with the stored ones.
   */
  async session(domain: string, credentials?: { username: string; password: string } | null): Promise<RegistrySession> {
    const creds = credentials === null ? undefined : (credentials ?? (await this.credentials.get(authKey(domain))));
    const { RegistrySession } = await import("../../registry/registry-session.js");
    return new RegistrySession(await this.transport(), domain, creds, this.options);
  }

  /** The name under which a registry's transfers are remembered (blob sources). */
  registryKey(domain: string): string {
    return apiHost(domain);
  }

  close(): void {
    // destroy, not close: a CLI process must not wait for idle keep-alive sockets to time out.
    void this.transportInstance?.destroy();
    this.transportInstance = undefined;
  }
}

export function defaultRegistryOptions(): RegistryOptions {
  return { configDir: `${os.homedir()}/.docker`, certsDir: "/etc/berth/certs.d", insecureRegistries: [] };
}
