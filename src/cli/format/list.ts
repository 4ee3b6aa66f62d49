// List output the way docker/cli's formatter writes it: a default table, -q, "table ...", "json",
// or any Go template.

import { renderFieldList } from "./template/field-list.js";

export interface ListFormat {
  format?: string | undefined;
  quiet?: boolean | undefined;
  defaultTable: string;
  quietFormat: string;
  /** docker/cli's Go type for a row, named in errors for unknown fields (*formatter.imageContext). */
  rowType?: string;
}

/**
 * Loads the template engine only when a list needs it, to keep start-up short: a format of fields
 * alone (every default table) over string values is written without it.
 */
export async function formatList(
  spec: ListFormat,
  rows: readonly Record<string, unknown>[],
  headers: Record<string, string>,
): Promise<string> {
  let format = spec.format?.trim() ? spec.format : spec.quiet ? spec.quietFormat : spec.defaultTable;
  if (format === "table") format = spec.quiet ? spec.quietFormat : spec.defaultTable;
  if (format === "json") format = "{{json .}}";
  const simple = renderFieldList(format, rows, headers);
  if (simple !== undefined) return simple;
  const { renderList } = await import("./template/index.js");
  return renderList(format, rows, headers, spec.rowType ? { rowType: spec.rowType } : {});
}
