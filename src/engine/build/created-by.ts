// The CREATED BY text of each build step, as the classic builder writes it into the image's history
// (BUILD-API §5.1), so that `history` of a berth-built image reads as Docker's: the current SHELL,
// "#(nop)" and two spaces for metadata steps, one for WORKDIR, the build args a RUN saw as "|N K=V".
import { goQuote } from "../../build/dockerfile/go-compat.js";
import { formatGoDuration } from "../../image/go-duration.js";
import type { HealthConfig } from "../../image/config.js";

/** A metadata step: `<shell> #(nop)  <text>`; with it, the container config's Cmd the classic builder records. */
export function metadataCreatedBy(shell: readonly string[], text: string): { createdBy: string; cmd: string[] } {
  return { createdBy: `${shell.join(" ")} #(nop)  ${text}`, cmd: [...shell, "#(nop) ", text] };
}

/** WORKDIR has one space after "#(nop)", as COPY and ADD do. */
export function workdirCreatedBy(shell: readonly string[], path: string): { createdBy: string; cmd: string[] } {
  return { createdBy: `${shell.join(" ")} #(nop) WORKDIR ${path}`, cmd: [...shell, `#(nop) WORKDIR ${path}`] };
}

/**
 * A RUN: its argv, prefixed by the build args in scope that have a value ("|2 A=1 B=2", sorted by
 * name) when there are any, as the classic builder keys and records it.
 */
export function runCreatedBy(argv: readonly string[], args: ReadonlyMap<string, string>): { createdBy: string; cmd: string[] } {
  const pairs = [...args].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`);
  const prefix = pairs.length > 0 ? [`|${pairs.length}`, ...pairs] : [];
  return { createdBy: [...prefix, ...argv].join(" "), cmd: [...prefix, ...argv] };
}

/** Go's fmt of a []string: `[a b]`. */
export function goList(items: readonly string[]): string {
  return `[${items.join(" ")}]`;
}

/** Go's %q of a []string: `["a" "b"]`. */
export function goQuotedList(items: readonly string[]): string {
  return `[${items.map(goQuote).join(" ")}]`;
}

/** The classic builder prints HEALTHCHECK's config as a Go struct: `&{["CMD-SHELL" "x"] "5s" "2s" "1s" '\x04'}`. */
export function healthcheckText(health: HealthConfig): string {
  const retries = health.Retries ?? 0;
  const rune = retries >= 0x20 && retries < 0x7f ? `'${String.fromCharCode(retries)}'` : `'\\x${retries.toString(16).padStart(2, "0")}'`;
  const dur = (ns: number | undefined) => goQuote(formatGoDuration(ns ?? 0));
  return `&{${goQuotedList(health.Test ?? [])} ${dur(health.Interval)} ${dur(health.Timeout)} ${dur(health.StartPeriod)} ${rune}}`;
}
