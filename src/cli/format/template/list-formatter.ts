// docker/cli's list formatter (cli/command/formatter/formatter.go): table, json and plain formats.

import { InvalidArgumentError } from "../../../errors.js";
import { HEADER_FUNCS } from "./docker-functions.js";
import { rowContext } from "./list-rows.js";
import { listOutput, listTemplateText } from "./list-text.js";
import { compile, GoTemplate } from "./template.js";

export interface RenderListOptions {
  /**
   * The Go type docker formats rows as (e.g. "*formatter.imageContext"). When set, rows behave as
   * structs: an unknown field fails with docker's `can't evaluate field X in type …` instead of
   * printing `<no value>`.
   */
  rowType?: string;
}

/**
 * Renders list rows the way docker/cli's formatter.Context does and returns the full output, every
 * line newline-terminated (so zero rows and no table give "").
 *
 * - "table <template>": the header is the same template executed on `headers` (same keys, column
 *   titles as values) with docker's header functions, then one line per row; all of it aligned by
 *   tabwrite with docker's settings. Callers must expand a bare "table" to their default
 *   "table …" format first: passed as is it is an empty template, giving blank lines as docker would.
 * - "json": `{{json .}}` per row (docker's --format json).
 * - anything else: the template per row, no header, no alignment.
 *
 * Like docker, literal `\t` and `\n` in the format become tab and newline, and surrounding spaces are
 * trimmed. Execution errors are reported as docker does: "template parsing error: template: …".
 */
export function renderList(
  format: string,
  rows: readonly Record<string, unknown>[],
  headers: Record<string, string>,
  opts: RenderListOptions = {},
): string {
  const template = compile(listTemplateText(format), {});
  const lines = rows.map((row) => renderRow(template, rowContext(row, opts.rowType)));
  return listOutput(format, () => renderHeader(template, headers), lines);
}

function renderRow(template: GoTemplate, row: object): string {
  try {
    return template.execute(row);
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw new InvalidArgumentError(`template parsing error: ${err.message}`, { cause: err });
    throw err;
  }
}

/** docker ignores a header that fails to render and prints what was produced before the failure. */
function renderHeader(template: GoTemplate, headers: Record<string, string>): string {
  const out: string[] = [];
  try {
    template.render(headers, out, HEADER_FUNCS);
  } catch (err) {
    if (!(err instanceof InvalidArgumentError)) throw err;
  }
  return out.join("");
}
