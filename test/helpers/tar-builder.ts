// Tars built in code for tests, through tar-stream's packer: an implementation independent of
// berth's own tar writer, so a test of the extractor does not lean on the code it checks.
import tarStream from "tar-stream";
import { gzipSync } from "node:zlib";

export type TarSpec =
  | {
      type: "file";
      name: string;
      body?: string | Buffer;
      mode?: number;
      uid?: number;
      gid?: number;
      mtime?: Date;
      pax?: Record<string, string>;
    }
  | { type: "directory"; name: string; mode?: number; uid?: number; gid?: number; mtime?: Date }
  | { type: "symlink"; name: string; linkname: string }
  | { type: "link"; name: string; linkname: string }
  | { type: "character-device"; name: string; devmajor: number; devminor: number };

export async function buildTar(entries: readonly TarSpec[], opts: { gzip?: boolean } = {}): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on("data", (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on("end", resolve);
    pack.on("error", reject);
  });
  for (const e of entries) {
    const mtime = ("mtime" in e && e.mtime) || new Date(1_700_000_000_000);
    if (e.type === "file") {
      const body = typeof e.body === "string" ? Buffer.from(e.body) : (e.body ?? Buffer.alloc(0));
      await new Promise<void>((resolve, reject) =>
        pack.entry(
          {
            name: e.name,
            type: "file",
            mode: e.mode ?? 0o644,
            uid: e.uid ?? 0,
            gid: e.gid ?? 0,
            mtime,
            size: body.length,
            ...(e.pax ? { pax: e.pax } : {}),
          },
          body,
          (err) => (err ? reject(err) : resolve()),
        ),
      );
    } else if (e.type === "directory") {
      pack.entry({ name: e.name, type: "directory", mode: e.mode ?? 0o755, uid: e.uid ?? 0, gid: e.gid ?? 0, mtime });
    } else if (e.type === "character-device") {
      pack.entry({ name: e.name, type: "character-device", devmajor: e.devmajor, devminor: e.devminor, mode: 0o600, mtime });
    } else {
      pack.entry({ name: e.name, type: e.type, linkname: e.linkname, mtime });
    }
  }
  pack.finalize();
  await done;
  const tar = Buffer.concat(chunks);
  return opts.gzip ? gzipSync(tar) : tar;
}
