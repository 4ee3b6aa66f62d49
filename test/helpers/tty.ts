// Drives berth under a pseudo-terminal (util-linux script), typing keys with pauses between them.
import { spawnSync } from "node:child_process";
import { BERTH, type TempRoot } from "./temp-root.js";

export function withTty(t: TempRoot, args: string[], keys: { after: number; text: string }[]): { code: number; output: string } {
  // Each key string goes through printf as \xHH escapes: nothing in it is seen by a shell.
  const hex = (text: string) => [...Buffer.from(text)].map((b) => `\\x${b.toString(16).padStart(2, "0")}`).join("");
  const feed = keys.map((k) => `sleep ${k.after}; printf '${hex(k.text)}'`).join("; ");
  const command = `stty cols 100 rows 30; ${process.execPath} ${BERTH} --root ${t.root} --runroot ${t.runroot} ${args.map(quote).join(" ")}`;
  const r = spawnSync("bash", ["-c", `(${feed}) | script -eqfc ${quote(command)} /dev/null`], { encoding: "utf8", timeout: 30_000 });
  return { code: r.status ?? -1, output: r.stdout };
}

function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
