// The CLI's view of berth's version (src/version.ts holds it for the CLI and the API alike).
export { VERSION } from "../version.js";
