// --label-file: read by the docker CLI with its env-file reader (opts/file.go parseKeyValueFile),
// so the same rules and words hold: leading blanks and a final \r go, trailing blanks and quotes
// stay, "#" lines and lines without "=" are dropped, a name with blanks is an error.
import * as fs from "node:fs";
import { ClientArgumentError } from "./errors.js";

const BLANKS = /[ \t]/;

/** The file's "key=value" lines, in order (a later one wins when they become a map). */
export function readLabelFile(path: string): string[] {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ClientArgumentError(`open ${path}: ${e.code === "ENOENT" ? "no such file or directory" : e.message}`);
  }
  return parseLabelFile(bytes, path);
}

export function parseLabelFile(bytes: Buffer, path: string): string[] {
  const out: string[] = [];
  const raw = splitLines(bytes);
  raw.forEach((lineBytes, index) => {
    const text = utf8(lineBytes);
    if (text === undefined) {
      throw new ClientArgumentError(`invalid env file (${path}): invalid utf8 bytes at line ${index + 1}: [${[...lineBytes].join(" ")}]`);
    }
    const line = text.replace(/^\s+/, "");
    if (line === "" || line.startsWith("#")) return;
    const eq = line.indexOf("=");
    const name = (eq < 0 ? line : line.slice(0, eq)).replace(/^[ \t]+/, "");
    if (BLANKS.test(name)) throw new ClientArgumentError(`invalid env file (${path}): variable '${name}' contains whitespaces`);
    if (name === "") throw new ClientArgumentError(`invalid env file (${path}): no variable name on line '${line}'`);
    if (eq >= 0) out.push(`${name}=${line.slice(eq + 1)}`);
  });
  return out;
}

/** bufio.ScanLines: split at \n, drop one \r before it, no empty last line. */
function splitLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    let line = bytes.subarray(start, end);
    if (line.length && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    lines.push(line);
    start = end + 1;
  }
  return lines;
}

function utf8(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
