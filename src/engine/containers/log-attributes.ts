// The attributes Docker's json-file driver attaches to each log message (labels, labels-regex, env,
// env-regex, tag; logger.Info.ExtraAttributes and loggerutils.ParseLogTag), which `logs --details`
// prints before each line. dockerd computes them once, when the container starts, from the
// container's config, so they are the same for every message of a container: berth computes them
// from the stored config when the log is read instead of writing them into every record.
import { InvalidArgumentError, NotImplementedError } from "../../errors.js";
import type { ContainerSpec } from "../../store/container-store.js";

/** What a log tag template can name (logger.Info's fields and methods that are strings). */
export interface LogTagInfo {
  ID: string;
  FullID: string;
  Name: string;
  ImageID: string;
  ImageFullID: string;
  ImageName: string;
  DaemonName: string;
  ContainerID: string;
  ContainerName: string;
  ContainerImageID: string;
  ContainerImageName: string;
  Hostname: string;
}

type TagPart = string | { field: string; pos: number };

/**
 * Parses a log tag: Go template text with `{{.Field}}` actions (with optional space and `-` trim
 * markers). Go's other template actions (functions, pipelines, conditions) are refused by name:
 * berth's engine has no Go template evaluator of its own (the CLI's lives above it).
 */
export function parseLogTag(text: string, prefix = ""): TagPart[] {
  const parts: TagPart[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf("{{", i);
    if (open < 0) {
      parts.push(text.slice(i));
      break;
    }
    let literal = text.slice(i, open);
    const close = text.indexOf("}}", open + 2);
    if (close < 0) throw new InvalidArgumentError(`${prefix}template: log-tag:${lineOf(text, open)}: unclosed action`);
    let body = text.slice(open + 2, close);
    let next = close + 2;
    if (/^-\s/.test(body)) {
      literal = literal.trimEnd();
      body = body.slice(1);
    }
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1);
      next = text.length - text.slice(next).trimStart().length;
    }
    if (literal) parts.push(literal);
    const m = /^\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(body);
    if (!m) throw new NotImplementedError(`berth's log tag takes only fields such as {{.Name}} or {{.ID}}, not {{${body}}}`);
    parts.push({ field: m[1]!, pos: open + 2 + body.indexOf(".") });
    i = next;
  }
  return parts;
}

function lineOf(text: string, pos: number): number {
  return text.slice(0, pos).split("\n").length;
}

/** Executes a parsed tag; an unknown field fails as Go's template does on a *logger.Info. */
export function renderLogTag(parts: readonly TagPart[], info: LogTagInfo, text: string, prefix = ""): string {
  return parts
    .map((p) => {
      if (typeof p === "string") return p;
      if (!Object.hasOwn(info, p.field)) {
        const line = lineOf(text, p.pos);
        const col = p.pos - (text.lastIndexOf("\n", p.pos - 1) + 1);
        throw new InvalidArgumentError(
          `${prefix}template: log-tag:${line}:${col}: executing "log-tag" at <.${p.field}>: can't evaluate field ${p.field} in type *logger.Info`,
        );
      }
      return info[p.field as keyof LogTagInfo];
    })
    .join("");
}

export function logTagInfo(spec: ContainerSpec): LogTagInfo {
  const image = spec.imageId as string;
  return {
    ID: spec.id.slice(0, 12),
    FullID: spec.id,
    Name: spec.name.replace(/^\//, ""),
    // dockerd cuts "sha256:<hex>" at 12 characters, digest prefix included (measured: "sha256:0d2b3").
    ImageID: image.slice(0, 12),
    ImageFullID: image,
    ImageName: spec.image,
    // Docker's value: tags are matched by log shippers that expect it.
    DaemonName: "docker",
    ContainerID: spec.id,
    ContainerName: `/${spec.name.replace(/^\//, "")}`,
    ContainerImageID: image,
    ContainerImageName: spec.image,
    Hostname: spec.config.Hostname ?? "",
  };
}

/** The attributes of a container's log messages (dockerd's ExtraAttributes plus the tag). */
export function logAttributes(spec: ContainerSpec, options: Record<string, string>): Record<string, string> {
  const labels = spec.config.Labels ?? {};
  const env = new Map<string, string>();
  for (const e of spec.config.Env ?? []) {
    const eq = e.indexOf("=");
    if (eq >= 0) env.set(e.slice(0, eq), e.slice(eq + 1));
  }
  const attrs: Record<string, string> = {};
  if (options.labels) {
    for (const key of options.labels.split(",")) if (Object.hasOwn(labels, key)) attrs[key] = labels[key]!;
  }
  if (options["labels-regex"]) {
    const re = goRegexp(options["labels-regex"]);
    for (const [key, value] of Object.entries(labels)) if (re.test(key)) attrs[key] = value;
  }
  if (options.env) {
    for (const key of options.env.split(",")) if (env.has(key)) attrs[key] = env.get(key)!;
  }
  if (options["env-regex"]) {
    const re = goRegexp(options["env-regex"]);
    for (const [key, value] of env) if (re.test(key)) attrs[key] = value;
  }
  // Only a tag the user asked for, and only when it renders to something (measured: tag= adds none).
  if (options.tag) {
    const tag = renderLogTag(parseLogTag(options.tag), logTagInfo(spec), options.tag);
    if (tag) attrs.tag = tag;
  }
  return attrs;
}

/** Checks what logAttributes would fail on, at create, in dockerd's words. */
export function checkLogAttributes(spec: ContainerSpec, options: Record<string, string>, prefix: string): void {
  for (const key of ["labels-regex", "env-regex"]) {
    const source = options[key];
    if (!source) continue;
    try {
      goRegexp(source);
    } catch (err) {
      throw new InvalidArgumentError(`${prefix}error parsing regexp: ${(err as Error).message}`);
    }
  }
  if (options.tag) renderLogTag(parseLogTag(options.tag, prefix), logTagInfo(spec), options.tag, prefix);
}

function goRegexp(source: string): RegExp {
  // RE2 and JavaScript agree on the syntax log options use (anchors, classes, alternations).
  return new RegExp(source, "u");
}

/** `logs --details`: the attributes sorted by key, each side query-escaped, joined by "," (daemon/logs.go). */
export function formatLogDetails(attrs: Record<string, string>): string {
  return Object.keys(attrs)
    .sort()
    .map((k) => `${queryEscape(k)}=${queryEscape(attrs[k]!)}`)
    .join(",");
}

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = "";
  for (const byte of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
