// berth's version, in one place for the CLI's --version and the API's /version.
export const VERSION = "0.1.0";
