// Encodes tar headers as Go's archive/tar writes them for Docker layers: USTAR when the fields
// fit, with a PAX record ahead of the entry for long names, large numbers and xattrs, so that
// binary xattr values (security.capability) survive byte for byte. tar-reader.ts reads them back.
import type { TarEntryHeader, TarEntryType } from "./tar-reader.js";

export type TarType = "file" | "hardlink" | "symlink" | "char" | "block" | "directory" | "fifo";

export interface TarHeader {
  name: string;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number; // seconds since the epoch
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Values are raw bytes: file capabilities are binary. */
  xattrs?: ReadonlyMap<string, Buffer>;
}

const TYPE_FLAGS: Record<TarType, string> = {
  file: "0",
  hardlink: "1",
  symlink: "2",
  char: "3",
  block: "4",
  directory: "5",
  fifo: "6",
};

export const BLOCK = 512;
export const END_OF_ARCHIVE = Buffer.alloc(BLOCK * 2);

export function paddingFor(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? EMPTY : Buffer.alloc(BLOCK - rest);
}
const EMPTY = Buffer.alloc(0);

/** The header block(s) for one entry: an optional PAX header entry, then the USTAR block. */
export function encodeHeader(h: TarHeader): Buffer {
  const pax: [string, Buffer][] = [];
  const name = Buffer.from(h.name, "utf8");
  const link = Buffer.from(h.linkname ?? "", "utf8");
  if (name.length > 100 || !isAscii(name)) pax.push(["path", name]);
  if (link.length > 100 || !isAscii(link)) pax.push(["linkpath", link]);
  if (h.size > 0o77777777777) pax.push(["size", Buffer.from(String(h.size))]);
  if (h.uid > 0o7777777) pax.push(["uid", Buffer.from(String(h.uid))]);
  if (h.gid > 0o7777777) pax.push(["gid", Buffer.from(String(h.gid))]);
  for (const [key, value] of h.xattrs ?? []) pax.push([`SCHILY.xattr.${key}`, value]);

  const block = Buffer.alloc(BLOCK);
  name.copy(block, 0, 0, Math.min(100, name.length));
  writeOctal(block, 100, 8, h.mode & 0o7777);
  writeOctal(block, 108, 8, Math.min(h.uid, 0o7777777));
  writeOctal(block, 116, 8, Math.min(h.gid, 0o7777777));
  writeOctal(block, 124, 12, Math.min(h.size, 0o77777777777));
  writeOctal(block, 136, 12, Math.max(0, Math.floor(h.mtime)));
  block.write(TYPE_FLAGS[h.type], 156, "latin1");
  link.copy(block, 157, 0, Math.min(100, link.length));
  block.write("ustar\u000000", 257, "latin1");
  if (h.type === "char" || h.type === "block") {
    writeOctal(block, 329, 8, h.devmajor ?? 0);
    writeOctal(block, 337, 8, h.devminor ?? 0);
  }
  writeChecksum(block);
  if (pax.length === 0) return block;

  const records = Buffer.concat(pax.map(([k, v]) => paxRecord(k, v)));
  const paxHeader = encodeHeader({
    name: paxName(h.name),
    type: "file",
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: records.length,
    mtime: h.mtime,
  });
  paxHeader.write("x", 156, "latin1");
  writeChecksum(paxHeader);
  return Buffer.concat([paxHeader, records, paddingFor(records.length), block]);
}

const READ_TYPES: Record<TarType, TarEntryType> = {
  file: "file",
  hardlink: "link",
  symlink: "symlink",
  char: "character-device",
  block: "block-device",
  directory: "directory",
  fifo: "fifo",
};

/** The header as a reader (tar-reader.ts) parses encodeHeader's bytes back. */
export function readBack(h: TarHeader): TarEntryHeader {
  const device = h.type === "char" || h.type === "block";
  return {
    name: h.name,
    type: READ_TYPES[h.type],
    ...(h.linkname ? { linkname: h.linkname } : {}),
    mode: h.mode & 0o7777,
    uid: h.uid,
    gid: h.gid,
    size: h.size,
    mtime: new Date(Math.max(0, Math.floor(h.mtime)) * 1000),
    devmajor: device ? (h.devmajor ?? 0) : 0,
    devminor: device ? (h.devminor ?? 0) : 0,
    pax: {},
    xattrs: new Map(h.xattrs ?? []),
  };
}

function isAscii(buf: Buffer): boolean {
  for (const b of buf) if (b >= 0x80 || b === 0) return false;
  return true;
}

/** Go names the PAX entry dir/PaxHeaders.0/base; tools ignore it, but it keeps listings familiar. */
function paxName(name: string): string {
  const trimmed = name.replace(/\/+$/, "");
  const slash = trimmed.lastIndexOf("/");
  const joined = slash < 0 ? `PaxHeaders.0/${trimmed}` : `${trimmed.slice(0, slash)}/PaxHeaders.0/${trimmed.slice(slash + 1)}`;
  return Buffer.from(joined)
    .subarray(0, 99)
    .toString("latin1")
    .replace(/[^\x20-\x7e]/g, "_");
}

/** "%d key=value\n" where the length counts its own digits. */
function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from("\n")]);
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length = String(length).length + body.length;
  return Buffer.concat([Buffer.from(String(length)), body]);
}

function writeOctal(block: Buffer, offset: number, width: number, value: number): void {
  block.write(value.toString(8).padStart(width - 1, "0") + "\0", offset, width, "latin1");
}

function writeChecksum(block: Buffer): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i]!;
  block.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "latin1");
}
