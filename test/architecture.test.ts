// The import rules of docs/architecture.md, read from the source: lower folders never import
// higher ones, so the CLI (and later the API) sit on the engine and never the other way round.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { posix } from "node:path";
import { REPO } from "./helpers/temp-root.js";

/** Each folder, and the folders it may import from (besides itself, node: builtins and packages). */
const ALLOWED: Record<string, readonly string[]> = {
  "": [],
  image: [""],
  sys: [""],
  archive: ["", "image", "sys"],
  store: ["", "image", "archive", "sys"],
  runtime: ["", "image", "sys"],
  registry: ["", "image"],
  network: ["", "image", "sys"],
  // Dockerfile parsing and the build context: pure or file-level, beneath the engine that runs builds.
  build: ["", "image", "archive", "sys"],
  engine: ["", "image", "archive", "sys", "store", "runtime", "registry", "network", "build"],
  // The CLI and the API parse and format; every behaviour is the engine's, so they cannot disagree.
  api: ["", "image", "engine"],
  // The web view: its listener and access checks; its page talks to the API's own handler.
  ui: ["", "image", "engine", "api"],
  cli: ["", "image", "engine", "api", "ui"],
};

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

function folderOf(file: string): string {
  const rel = posix.relative(`${REPO}/src`, file);
  return rel.includes("/") ? rel.split("/")[0]! : "";
}

test("architecture: imports point down only (docs/architecture.md)", () => {
  const violations: string[] = [];
  for (const file of sources(`${REPO}/src`)) {
    const from = folderOf(file);
    const allowed = ALLOWED[from];
    assert.ok(allowed, `src/${from} is not in the architecture table`);
    const text = fs.readFileSync(file, "utf8");
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
      const target = folderOf(posix.resolve(posix.dirname(file), match[1]!));
      if (target !== from && !allowed.includes(target))
        violations.push(`${posix.relative(REPO, file)} imports ${match[1]} (${from || "src"} → ${target || "src"})`);
    }
  }
  assert.deepEqual(violations, []);
});

test("architecture: nothing below the CLI reads a variable of process.env (configuration comes in through the engine)", () => {
  // Handing the whole environment to a child (conmon) is not reading it; process.env.X is.
  const readers = sources(`${REPO}/src`)
    .filter((f) => ["image", "sys", "archive", "store", "runtime", "registry", "network", "engine"].includes(folderOf(f)))
    .filter((f) => /(?<![.\w])process\.env(\.|\[)/.test(fs.readFileSync(f, "utf8")));
  assert.deepEqual(
    readers.map((f) => posix.relative(REPO, f)),
    [],
  );
});

/**
 * Cycles that predate this check, each the sorted files of one strongly connected component; none
 * is left, and a new one must not come.
 */
const KNOWN_CYCLES: readonly (readonly string[])[] = [];

/**
 * The relative files a source file imports: statements (type-only ones included: they tie modules
 * as much) and `await import("…")`, the way to load lazily, which must not hide a cycle either.
 */
function moduleImports(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  const statements = text.matchAll(/^(?:import|export)\s+(?:type\s+)?(?:[\w\s{},*$]*?from\s*)?"(\.{1,2}\/[^"]+)"/gm);
  const lazy = text.matchAll(/\bimport\(\s*"(\.{1,2}\/[^"]+)"\s*\)/g);
  return [...statements, ...lazy].map((m) => posix.resolve(posix.dirname(file), m[1]!).replace(/\.js$/, ".ts"));
}

/** Tarjan's strongly connected components of more than one file (or a file importing itself). */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    order.set(file, order.size);
    low.set(file, order.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const dep of graph.get(file) ?? []) {
      if (!order.has(dep)) {
        visit(dep);
        low.set(file, Math.min(low.get(file)!, low.get(dep)!));
      } else if (onStack.has(dep)) {
        low.set(file, Math.min(low.get(file)!, order.get(dep)!));
      }
    }
    if (low.get(file) !== order.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || graph.get(file)?.includes(file)) cycles.push(component.map((f) => posix.relative(REPO, f)).sort());
  };
  for (const file of graph.keys()) if (!order.has(file)) visit(file);
  return cycles;
}

test("architecture: no import cycles within src beyond the known ones", () => {
  // Keys resolved like the imports are (REPO ends in a slash), so the two match.
  const graph = new Map(sources(`${REPO}/src`).map((file) => [posix.resolve(file), moduleImports(file)]));
  assert.ok(
    [...graph.values()].flat().every((dep) => graph.has(dep)),
    "every relative import names a source file",
  );
  const known = new Set(KNOWN_CYCLES.map((cycle) => cycle.join(" ↔ ")));
  const cycles = importCycles(graph).map((cycle) => cycle.join(" ↔ "));
  assert.deepEqual(
    cycles.filter((cycle) => !known.has(cycle)),
    [],
  );
});
