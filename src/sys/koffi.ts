// koffi, berth's FFI to libc, loaded the short way. The koffi package's own loader costs a command
// about 13 ms before any call: it copies every export of node:util (whose getters load more
// built-ins) and probes for musl and for bundled builds. Its native addon, which every function of
// the API is (the package re-exports them), loads in ~3.5 ms: berth loads it from where npm put it
// (@koromix/koffi-linux-<arch>, a dependency of koffi) when its version is koffi's, and otherwise
// lets the package find it.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

export type Koffi = typeof import("koffi");

const require = createRequire(import.meta.url);
let koffi: Koffi | undefined;

export function loadKoffi(): Koffi {
  koffi ??= nativeAddon() ?? (require("koffi") as Koffi);
  return koffi;
}

type Library = ReturnType<Koffi["load"]>;
let libc: Library | undefined;

/**
 * A module's table of libc functions, declared at its first use (commands that never make the
 * calls never load koffi), with `errno` read right after a call.
 */
export function libcFunctions<T extends object>(declare: (libc: Library) => T): () => T & { errno(): number } {
  let table: (T & { errno(): number }) | undefined;
  return () => {
    if (!table) {
      const ffi = loadKoffi();
      libc ??= ffi.load("libc.so.6");
      table = { ...declare(libc), errno: () => ffi.errno() };
    }
    return table;
  };
}

/**
 * The addon npm hoisted beside koffi, looked for the way Node looks for a package (node_modules in
 * each directory up from here) but without Node's resolver, whose first use costs ~6 ms.
 */
function nativeAddon(): Koffi | undefined {
  if (process.platform !== "linux") return undefined;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const modules = `${dir}/node_modules`;
    const addon = `${modules}/@koromix/koffi-linux-${process.arch}/linux_${process.arch}/koffi.node`;
    if (fs.existsSync(addon)) {
      try {
        const { version } = JSON.parse(fs.readFileSync(`${modules}/koffi/package.json`, "utf8")) as { version: string };
        const loaded = require(addon) as Koffi & { version?: string };
        return loaded.version === version ? loaded : undefined;
      } catch {
        return undefined; // a musl system's or a damaged install: the package knows where to look
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}
