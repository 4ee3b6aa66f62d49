// Lint rules that catch real bugs tsc lets through, chiefly promises nobody waits for or whose
// rejection nobody hears. Style is not linted here; tsc's noUnused* options already cover unused names.
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";

export default defineConfig(
  { ignores: ["dist/", "node_modules/"] },
  {
    files: ["**/*.ts", "**/*.mjs", "**/*.js"],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        // Type-aware rules need the program: tsconfig.json covers the TypeScript, and the few plain
        // JavaScript files outside it (bin/berth.js, scripts, and benches written as .mjs) get a default project of their own.
        projectService: { allowDefaultProject: ["bin/*.js", "scripts/*.mjs", "bench/*.mjs", "eslint.config.js"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { "@typescript-eslint": tseslint.plugin, "import-x": importX },
    // Imports name the compiled .js; the cycle rule must find the .ts source they come from.
    settings: {
      "import-x/resolver-next": [importX.createNodeResolver({ extensionAlias: { ".js": [".ts", ".js"] } })],
      "import-x/extensions": [".ts", ".js", ".mjs"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
    },
    rules: {
      // node:test's test() and describe() return promises the runner itself tracks.
      "@typescript-eslint/no-floating-promises": [
        "error",
        { allowForKnownSafeCalls: [{ from: "package", package: "node:test", name: ["test", "it", "describe", "suite"] }] },
      ],
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/return-await": ["error", "in-try-catch"],
      "@typescript-eslint/only-throw-error": "error",
      // Passing on what a catch caught is not inventing a non-Error reason.
      "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingUnknown: true }],
      "no-async-promise-executor": "error",
      "no-self-compare": "error",
      "no-unsafe-finally": "error",
      "no-fallthrough": "error",
      "no-dupe-keys": "error",
      "no-duplicate-case": "error",
      "no-unreachable": "error",
      "no-cond-assign": "error",
      "use-isnan": "error",
      // Static value imports only, as in test/architecture.test.ts: `await import()` is how a module
      // loads a peer lazily, and type imports run nothing.
      "import-x/no-cycle": ["error", { allowUnsafeDynamicCyclicDependency: true, ignoreExternal: true }],
    },
  },
);
