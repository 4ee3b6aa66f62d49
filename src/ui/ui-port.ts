// The web view's default port, apart from its server so that a command's --help names it without loading the server.
export const DEFAULT_UI_PORT = 7331;
