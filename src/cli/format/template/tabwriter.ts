// Go's text/tabwriter as docker/cli configures it, with widths in terminal columns.

export interface TabwriteOptions {
  /** Minimal cell width including padding (docker: 10). */
  minWidth?: number;
  /** Spaces added to the widest cell of a column (docker: 3). */
  padding?: number;
}

/**
 * Go's text/tabwriter as docker configures it (padchar ' ', no flags) on lines without their
 * newlines, each treated as newline-terminated: a cell ends at a tab; consecutive lines that have a
 * cell in a column form a block aligned to its widest cell plus padding; a line's last cell is never
 * padded. Widths are terminal columns, as in docker's runewidth-based fork.
 */
export function tabwrite(lines: readonly string[], opts: TabwriteOptions = {}): string[] {
  const layout: Layout = {
    cells: lines.map((line) => line.split("\t")),
    minWidth: opts.minWidth ?? 10,
    padding: opts.padding ?? 3,
    out: [],
  };
  formatColumn(layout, 0, layout.cells.length, []);
  return layout.out;
}

interface Layout {
  readonly cells: readonly string[][];
  readonly minWidth: number;
  readonly padding: number;
  readonly out: string[];
}

/**
 * tabwriter's format(): within lines [line0, line1), whose columns left of `widths.length` are
 * already sized, find each block of consecutive lines having a cell in the next column, size it,
 * and recurse for the columns to its right.
 */
function formatColumn(layout: Layout, line0: number, line1: number, widths: readonly number[]): void {
  const column = widths.length;
  const hasCell = (line: number): boolean => column < (layout.cells[line]?.length ?? 0) - 1;
  let pending = line0;
  for (let line = line0; line < line1; line++) {
    if (!hasCell(line)) continue;
    writeLines(layout, pending, line, widths);
    let width = layout.minWidth;
    let end = line;
    for (; end < line1 && hasCell(end); end++) {
      width = Math.max(width, displayWidth(layout.cells[end]?.[column] ?? "") + layout.padding);
    }
    formatColumn(layout, line, end, [...widths, width]);
    pending = end;
    line = end;
  }
  writeLines(layout, pending, line1, widths);
}

/** Cells in sized columns are padded to their width; a line's last cell never is. */
function writeLines(layout: Layout, line0: number, line1: number, widths: readonly number[]): void {
  for (let line = line0; line < line1; line++) {
    const cells = layout.cells[line] ?? [];
    layout.out.push(
      cells
        .map((cell, j) => {
          const width = widths[j];
          return width === undefined ? cell : cell + " ".repeat(width - displayWidth(cell));
        })
        .join(""),
    );
  }
}

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cc}\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufe00-\ufe0f\ufeff]$/u;
const WIDE_RANGES: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

/** Terminal columns, approximating go-runewidth (which docker's tabwriter fork uses): wide East Asian and emoji take 2, marks 0. */
function displayWidth(s: string): number {
  let width = 0;
  for (const ch of s) {
    if (ZERO_WIDTH.test(ch)) continue;
    const cp = ch.codePointAt(0) ?? 0;
    width += WIDE_RANGES.some(([from, to]) => cp >= from && cp <= to) ? 2 : 1;
  }
  return width;
}
