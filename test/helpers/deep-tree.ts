// Directory chains deeper than PATH_MAX, made without chdir: chunks short enough to name by
// absolute path, each renamed into the bottom of the next (a rename moves a whole subtree).
import * as fs from "node:fs";
import { posix } from "node:path";

const CHUNK = 1000;

/** Makes `parent/d/d/…/d`, `depth` directories deep, with a file `bottom` in the deepest one. */
export function makeDeepTree(parent: string, depth: number): void {
  let carried: string | undefined;
  let left = depth;
  for (let k = 0; left > 0; k++) {
    const n = Math.min(CHUNK, left);
    const holder = `${parent}/.deep-${k}`;
    const deepest = holder + "/d".repeat(n);
    fs.mkdirSync(deepest, { recursive: true });
    if (carried) {
      fs.renameSync(carried, `${deepest}/d`);
      fs.rmdirSync(posix.dirname(carried));
    } else {
      fs.writeFileSync(`${deepest}/bottom`, "the end\n");
    }
    carried = `${holder}/d`;
    left -= n;
  }
  if (!carried) return;
  fs.renameSync(carried, `${parent}/d`);
  fs.rmdirSync(posix.dirname(carried));
}

/**
 * A hostile layer: directory entries "d", "d/d", … `depth` deep (issue 9 item 1), each name in a
 * PAX header. Written here byte by byte (POSIX.1-2001 ustar + pax) because tar-stream's packer
 * takes minutes for thousands of long names; berth's own writer is the code under test.
 */
export function deepTar(depth: number): Buffer {
  const blocks: Buffer[] = [];
  let name = "d";
  for (let i = 0; i < depth; i++, name += "/d") {
    const record = paxRecord("path", `${name}/`);
    blocks.push(ustarHeader("PaxHeader", record.length, "x"), padded(record));
    blocks.push(ustarHeader("d/", 0, "5"));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + String(Buffer.byteLength(body)).length;
  while (String(length).length + Buffer.byteLength(body) !== length) length++;
  return Buffer.from(`${length}${body}`);
}

function ustarHeader(name: string, size: number, type: string): Buffer {
  const h = Buffer.alloc(512);
  const put = (text: string, at: number) => h.write(text, at, "latin1");
  const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, "0") + "\0";
  put(name, 0);
  put(octal(0o755, 8), 100);
  put(octal(0, 8), 108);
  put(octal(0, 8), 116);
  put(octal(size, 12), 124);
  put(octal(1_700_000_000, 12), 136);
  put("        ", 148);
  put(type, 156);
  put("ustar\0", 257);
  put("00", 263);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return h;
}

function padded(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}
