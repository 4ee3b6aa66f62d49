// berth's version, in one place for the CLI's --version and the API's /version.
export const VERSION = "0.1.0";
/**
 * The Docker Engine version berth answers to (`/version`, `/info`'s ServerVersion, the Server
 * header): the release whose API and behaviour berth follows, marked as berth's.
 */
export const SERVER_VERSION = "20.10.24+berth";
