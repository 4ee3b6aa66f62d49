// What each metadata instruction does to the image config, and the text its history entry
// records (BUILD-API §5): pure, so that the rules are tested without a build.
import { goList, goQuotedList, healthcheckText } from "./created-by.js";
import type { Instruction } from "../../build/dockerfile/instructions.js";
import type { ContainerConfig } from "../../image/config.js";
import { InvalidArgumentError, NotImplementedError } from "../../errors.js";

/** The shell of shell-form commands until a SHELL instruction says otherwise. */
export const DEFAULT_SHELL: readonly string[] = ["/bin/sh", "-c"];

export interface MetadataChange {
  readonly config: ContainerConfig;
  /** The instruction as the history writes it ("ENV A=b C=d e", `CMD ["sh" "-c" "x"]`). */
  readonly text: string;
  /** MAINTAINER: the image's author from now on. */
  readonly author?: string;
  /** Whether this stage has set CMD (an ENTRYPOINT then keeps it). */
  readonly cmdSet: boolean;
}

export function applyMetadata(config: ContainerConfig, instr: Instruction, state: { cmdSet: boolean }): MetadataChange {
  const next: ContainerConfig = structuredClone(config);
  const shell = config.Shell?.length ? config.Shell : DEFAULT_SHELL;
  const argv = (cmdLine: readonly string[], prependShell: boolean) => (prependShell ? [...shell, cmdLine.join(" ")] : [...cmdLine]);
  let cmdSet = state.cmdSet;
  let text: string;
  let author: string | undefined;
  switch (instr.kind) {
    case "ENV": {
      const env = [...(next.Env ?? [])];
      for (const { key, value } of instr.env) {
        const at = env.findIndex((e) => e.split("=", 1)[0] === key);
        if (at >= 0) env[at] = `${key}=${value}`;
        else env.push(`${key}=${value}`);
      }
      next.Env = env;
      text = `ENV ${instr.env.map((kv) => `${kv.key}=${kv.value}`).join(" ")}`;
      break;
    }
    case "LABEL":
      next.Labels = { ...(next.Labels ?? {}) };
      for (const { key, value } of instr.labels) next.Labels[key] = value;
      text = `LABEL ${instr.labels.map((kv) => `${kv.key}=${kv.value}`).join(" ")}`;
      break;
    case "MAINTAINER":
      author = instr.maintainer;
      text = `MAINTAINER ${instr.maintainer}`;
      break;
    case "USER":
      next.User = instr.user;
      text = `USER ${instr.user}`;
      break;
    case "EXPOSE":
      next.ExposedPorts = { ...(next.ExposedPorts ?? {}) };
      for (const p of expandPorts(instr.ports)) next.ExposedPorts[p] = {};
      text = `EXPOSE ${[...instr.ports].sort().join(" ")}`;
      break;
    case "VOLUME":
      next.Volumes = { ...(next.Volumes ?? {}) };
      for (const v of instr.volumes) {
        if (v.trim() === "") throw new InvalidArgumentError("VOLUME specified can not be an empty string");
        next.Volumes[v] = {};
      }
      text = `VOLUME ${goList(instr.volumes)}`;
      break;
    case "STOPSIGNAL":
      next.StopSignal = instr.signal;
      text = `STOPSIGNAL ${instr.signal}`;
      break;
    case "SHELL":
      next.Shell = [...instr.shell];
      text = `SHELL ${goList(instr.shell)}`;
      break;
    case "ONBUILD":
      next.OnBuild = [...(next.OnBuild ?? []), instr.expression];
      text = `ONBUILD ${instr.expression}`;
      break;
    case "HEALTHCHECK": {
      const h = instr.health;
      next.Healthcheck =
        h.test[0] === "NONE"
          ? { Test: ["NONE"] }
          : {
              Test: [...h.test],
              ...(h.interval ? { Interval: h.interval } : {}),
              ...(h.timeout ? { Timeout: h.timeout } : {}),
              ...(h.startPeriod ? { StartPeriod: h.startPeriod } : {}),
              ...(h.startInterval ? { StartInterval: h.startInterval } : {}),
              ...(h.retries ? { Retries: h.retries } : {}),
            };
      text = `HEALTHCHECK ${healthcheckText(next.Healthcheck)}`;
      break;
    }
    case "CMD":
      next.Cmd = argv(instr.cmdLine, instr.prependShell);
      cmdSet = true;
      text = `CMD ${goQuotedList(next.Cmd)}`;
      break;
    case "ENTRYPOINT":
      next.Entrypoint = argv(instr.cmdLine, instr.prependShell);
      // An ENTRYPOINT drops the base image's CMD, unless this stage set one (BuildKit, dockerd).
      if (!cmdSet) next.Cmd = null;
      text = `ENTRYPOINT ${goQuotedList(next.Entrypoint)}`;
      break;
    default:
      throw new NotImplementedError(`the ${instr.kind} instruction is not a metadata step`);
  }
  return { config: next, text, cmdSet, ...(author !== undefined ? { author } : {}) };
}

/** EXPOSE's ports as the config keys them: "80" is "80/tcp", a range one key per port. */
export function expandPorts(ports: readonly string[]): string[] {
  const out: string[] = [];
  for (const spec of ports) {
    const [range, proto = "tcp"] = spec.split("/", 2);
    const m = /^(\d+)(?:-(\d+))?$/.exec(range ?? "");
    if (!m) throw new InvalidArgumentError(`invalid containerPort: ${range}`);
    const start = Number(m[1]);
    const end = m[2] === undefined ? start : Number(m[2]);
    if (start < 1 || end > 65535 || end < start) throw new InvalidArgumentError(`invalid port range: ${range}`);
    for (let p = start; p <= end; p++) out.push(`${p}/${proto.toLowerCase()}`);
  }
  return out;
}
