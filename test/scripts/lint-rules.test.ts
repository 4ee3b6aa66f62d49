// The project's ESLint configuration really flags the bugs it is there for: run on a small
// project of its own, each mistake is reported by its rule, and the corrected code is not.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { ESLint } from "eslint";
import { REPO } from "../helpers/temp-root.js";

const TSCONFIG = {
  compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, lib: ["ES2023"], types: [] },
  include: ["*.ts"],
};

const SOURCES: Record<string, string> = {
  "floating.ts": `export async function save(): Promise<void> {}
export function caller(): void {
  save();
}
`,
  "misused.ts": `export function listen(on: (handler: () => void) => void): void {
  on(async () => {});
}
`,
  "thenable.ts": `export async function twice(n: number): Promise<number> {
  const m = await n;
  return m * 2;
}
`,
  "cycle-a.ts": `import { b } from "./cycle-b.js";
export const a = (): number => b() + 1;
`,
  "cycle-b.ts": `import { a } from "./cycle-a.js";
export const b = (): number => (Math.random() > 2 ? a() : 0);
`,
  "fine.ts": `export async function save(): Promise<void> {}
export async function caller(): Promise<void> {
  await save();
  save().catch(() => undefined);
}
`,
};

function project(): string {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/berth-lint-`);
  fs.writeFileSync(`${dir}/tsconfig.json`, JSON.stringify(TSCONFIG));
  for (const [name, text] of Object.entries(SOURCES)) fs.writeFileSync(`${dir}/${name}`, text);
  return dir;
}

test("lint: the configuration reports floating and misused promises, awaited non-promises and import cycles", async () => {
  const dir = project();
  try {
    const eslint = new ESLint({ cwd: dir, overrideConfigFile: `${REPO}/eslint.config.js` });
    const results = await eslint.lintFiles(Object.keys(SOURCES).map((name) => `${dir}/${name}`));
    const found = results
      .flatMap((r) => r.messages.map((m) => `${r.filePath.slice(dir.length + 1)}:${m.line} ${m.ruleId ?? m.message}`))
      .sort();
    assert.deepEqual(found, [
      "cycle-a.ts:1 import-x/no-cycle",
      "cycle-b.ts:1 import-x/no-cycle",
      "floating.ts:3 @typescript-eslint/no-floating-promises",
      "misused.ts:2 @typescript-eslint/no-misused-promises",
      "thenable.ts:2 @typescript-eslint/await-thenable",
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
