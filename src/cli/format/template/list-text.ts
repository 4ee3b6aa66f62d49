// The text of a list format as docker/cli's formatter.Context prepares it, and the output it frames.

import { tabwrite } from "./tabwriter.js";

/** docker/cli's Format.IsTable: any format starting with "table". */
export function isTableFormat(format: string): boolean {
  return format.startsWith("table");
}

/** Context.preFormat: strip "table", expand "json", trim spaces, turn literal \t and \n into characters. */
export function listTemplateText(format: string): string {
  let text = format;
  if (isTableFormat(format)) text = format.slice("table".length);
  else if (format === "json") text = "{{json .}}";
  return text.replace(/^ +| +$/g, "").replace(/\\[tn]/g, (escape) => (escape === "\\t" ? "\t" : "\n"));
}

/** A list's whole output from its header line (tables only) and its rows' lines, as the formatter writes it. */
export function listOutput(format: string, header: () => string, lines: readonly string[]): string {
  const body = lines.map((line) => line + "\n").join("");
  if (!isTableFormat(format)) return body;
  return tabwrite(`${header()}\n${body}`.split("\n")).join("\n");
}
