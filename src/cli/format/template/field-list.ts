// Lists whose format is only `{{.Field}}`s and text, over fields that are all strings: every default
// table (images, ps, volume ls, network ls) is one. Go's template prints a string field as it is,
// so these are written without loading the template engine, whose load and first run cost a
// listing command about 8 ms. Anything else (functions, pipelines, other values) returns undefined
// and goes to the engine (list-formatter.ts), which also gives every error.

import { listOutput, listTemplateText } from "./list-text.js";

/** Text is anything without "{{" (where Go starts an action); the actions are all `{{.Field}}`. */
const FIELDS_ONLY = /^(?:[^{]|\{(?!\{)|\{\{\.[A-Za-z]\w*\}\})*$/;
const FIELD = /\{\{\.([A-Za-z]\w*)\}\}/g;

export function renderFieldList(
  format: string,
  rows: readonly Record<string, unknown>[],
  headers: Record<string, string>,
): string | undefined {
  const text = listTemplateText(format);
  if (!FIELDS_ONLY.test(text)) return undefined;
  const fields = [...text.matchAll(FIELD)].map((m) => m[1]!);
  const allStrings = (values: Record<string, unknown>): boolean =>
    fields.every((f) => Object.hasOwn(values, f) && typeof values[f] === "string");
  if (!rows.every(allStrings) || !allStrings(headers)) return undefined;
  const fill = (values: Record<string, unknown>): string => text.replace(FIELD, (_, f: string) => values[f] as string);
  return listOutput(format, () => fill(headers), rows.map(fill));
}
