// A build context for a test: a new directory under `parent` holding these files (paths may name
// subdirectories, which are made).
import * as fs from "node:fs";

export function writeContext(parent: string, files: Record<string, string>): string {
  const dir = fs.mkdtempSync(`${parent}/ctx-`);
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(`${dir}/${name}`.replace(/\/[^/]*$/, ""), { recursive: true });
    fs.writeFileSync(`${dir}/${name}`, content);
  }
  return dir;
}
