// The prompt before a prune or a forced removal, as docker's: one line read from stdin, y or yes.
import type { Readable } from "node:stream";
import type { CliContext } from "./context.js";

export async function confirm(ctx: CliContext, warning: string): Promise<boolean> {
  ctx.out(`${warning}\nAre you sure you want to continue? [y/N] `);
  const answer = await readLine(process.stdin);
  return /^y(es)?$/i.test(answer.trim());
}

export async function readLine(stream: Readable): Promise<string> {
  let text = "";
  for await (const chunk of stream) {
    text += String(chunk);
    if (text.includes("\n")) break;
  }
  return text.split("\n")[0] ?? "";
}
