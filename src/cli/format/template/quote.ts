// strconv's quoting and unicode.IsPrint, shared by the lexer's messages, fmt's %q and the js escaper.

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isPrintRune(cp: number): boolean {
  if (cp === 0x20) return true;
  if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
  return PRINTABLE.test(String.fromCodePoint(cp));
}

export function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, "0");
}

export function goQuote(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch.codePointAt(0) ?? 0, '"', asciiOnly);
  return `${out}"`;
}

export function escapeRune(cp: number, quote: string, asciiOnly: boolean): string {
  const ch = String.fromCodePoint(cp >= 0 && cp <= 0x10ffff ? cp : 0xfffd);
  if (ch === quote || ch === "\\") return `\\${ch}`;
  if (isPrintRune(cp) && (!asciiOnly || cp < 0x80)) return ch;
  const named: Record<number, string> = { 7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v" };
  const name = named[cp];
  if (name !== undefined) return name;
  if (cp < 0x20 || cp === 0x7f) return `\\x${hex(cp, 2)}`;
  const rune = cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0xfffd : cp;
  return rune < 0x10000 ? `\\u${hex(rune, 4)}` : `\\U${hex(rune, 8)}`;
}

/** fmt's %#U: "U+0041 'A'", the character only when printable. */
export function describeRune(cp: number): string {
  const code = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  return isPrintRune(cp) ? `${code} '${String.fromCodePoint(cp)}'` : code;
}
