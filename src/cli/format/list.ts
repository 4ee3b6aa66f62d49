// List output the way docker/cli's formatter writes it: a default table, -q, "table ...", "json",
// or any Go template.
import { renderList } from "./go-template.js";

export interface ListFormat {
  format?: string | undefined;
  quiet?: boolean | undefined;
  defaultTable: string;
  quietFormat: string;
  /** docker/cli's Go type for a row, named in errors for unknown fields (*formatter.imageContext). */
  rowType?: string;
}

export function formatList(spec: ListFormat, rows: readonly Record<string, unknown>[], headers: Record<string, string>): string {
  let format = spec.format?.trim() ? spec.format : spec.quiet ? spec.quietFormat : spec.defaultTable;
  if (format === "table") format = spec.quiet ? spec.quietFormat : spec.defaultTable;
  if (format === "json") format = "{{json .}}";
  return renderList(format, rows, headers, spec.rowType ? { rowType: spec.rowType } : {});
}
