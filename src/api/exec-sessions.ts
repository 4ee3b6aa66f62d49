// Exec instances between `POST /containers/{id}/exec` and the last `GET /exec/{id}/json`: their
// configuration, whether they run, their exit code. Kept in memory, as dockerd keeps them; an
// instance is forgotten a while after it ends so that a long-running server does not grow.
import type { TerminalControl } from "../engine/containers/container-attach.js";
import { randomBytes } from "node:crypto";
import { NotFoundError } from "../errors.js";

export interface ExecConfig {
  cmd: string[];
  env: string[];
  user: string;
  workdir: string;
  tty: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  privileged: boolean;
  detachKeys: string;
}

export interface ExecInstance {
  readonly id: string;
  readonly containerId: string;
  readonly config: ExecConfig;
  started: boolean;
  running: boolean;
  exitCode: number | null;
  pid: number;
  /** The session's terminal, for resize, once it runs. */
  terminal: TerminalControl | undefined;
}

const FORGET_AFTER_MS = 10 * 60_000;

export class ExecSessions {
  private readonly instances = new Map<string, ExecInstance>();

  create(containerId: string, config: ExecConfig): ExecInstance {
    const instance: ExecInstance = {
      id: randomBytes(32).toString("hex"),
      containerId,
      config,
      started: false,
      running: false,
      exitCode: null,
      pid: 0,
      terminal: undefined,
    };
    this.instances.set(instance.id, instance);
    // One that is never started is forgotten too.
    setTimeout(() => {
      if (!instance.started) this.instances.delete(instance.id);
    }, FORGET_AFTER_MS).unref();
    return instance;
  }

  /** By full ID or unique prefix; NotFoundError with dockerd's wording. */
  get(id: string): ExecInstance {
    const exact = this.instances.get(id);
    if (exact) return exact;
    const matches = id.length > 0 ? [...this.instances.values()].filter((i) => i.id.startsWith(id)) : [];
    if (matches.length === 1) return matches[0]!;
    throw new NotFoundError(`No such exec instance: ${id}`);
  }

  /** The process ended: record its code, then forget the instance later. */
  finish(instance: ExecInstance, code: number): void {
    instance.exitCode = code;
    instance.running = false;
    setTimeout(() => this.instances.delete(instance.id), FORGET_AFTER_MS).unref();
  }

  idsOf(containerId: string): string[] {
    return [...this.instances.values()].filter((i) => i.containerId === containerId && i.running).map((i) => i.id);
  }

  get size(): number {
    return this.instances.size;
  }
}
