// What every command gets: global flags resolved once, the engine opened on first use, and output.
import type { Engine, RegistryOptions } from "../engine/engine.js";

export interface GlobalOptions {
  root: string;
  runroot: string;
  logLevel: "debug" | "info" | "warn" | "error" | "fatal";
  registry?: RegistryOptions;
}

const LEVELS = ["debug", "info", "warn", "error", "fatal"] as const;

export class CliContext {
  private engineInstance: Engine | undefined;

  constructor(
    readonly globals: GlobalOptions,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Opens the store; mutating commands sweep up what crashed processes left first. */
  async engine(opts: { sweep?: boolean } = {}): Promise<Engine> {
    if (!this.engineInstance) {
      const { openEngine } = await import("../engine/engine.js");
      this.engineInstance = openEngine({
        root: this.globals.root,
        runroot: this.globals.runroot,
        log: this.logger(),
        crashAt: this.env.BERTH_CRASH_AT,
        ...(this.globals.registry ? { registry: this.globals.registry } : {}),
      });
      if (opts.sweep) this.engineInstance.store.sweep();
    }
    return this.engineInstance;
  }

  close(): void {
    this.engineInstance?.close();
  }

  out(text: string): void {
    process.stdout.write(text);
  }

  line(text: string): void {
    process.stdout.write(text + "\n");
  }

  private logger(): Engine["log"] {
    const min = LEVELS.indexOf(this.globals.logLevel);
    const at = (level: (typeof LEVELS)[number]) => (message: string) => {
      if (LEVELS.indexOf(level) >= min) process.stderr.write(`${level.toUpperCase()}[0000] ${message}\n`);
    };
    return { debug: at("debug"), info: at("info"), warn: at("warn") };
  }
}
