// Prints, as JSON, the built-in modules Node has loaded when an ES module entry starts: what every
// berth command has anyway (scripts/bundle.mjs defers the others). It writes with fs.writeSync
// because process.stdout would load the stream modules it asks about. (`node -e` is no probe: its
// evaluation loads node:crypto and node:stream.)
const { writeSync } = process.getBuiltinModule("node:fs");
const loaded = process.moduleLoadList.filter((entry) => entry.startsWith("NativeModule ")).map((entry) => `node:${entry.slice(13)}`);
writeSync(1, JSON.stringify(loaded));
