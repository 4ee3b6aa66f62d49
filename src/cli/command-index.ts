// Which module defines the commands a command line's first word can name. Loading every command
// module (and what each imports: the Dockerfile parser, the network flag parsers, ...) cost each
// command milliseconds it never used; a command line loads only the modules its first word needs.
// Help and unknown words load them all. test/cli/command-index.test.ts checks that every word a
// module's commands answer to is listed here, and no other.
import type { CommandSpec } from "./command-spec.js";

export interface CommandModule {
  /** The first words of the module's command paths and aliases. */
  words: readonly string[];
  load(): Promise<readonly CommandSpec[]>;
}

/** In the order the commands appear in help. */
export const COMMAND_MODULES: readonly CommandModule[] = [
  {
    words: ["image", "import", "images", "tag", "rmi", "history", "inspect", "save", "load"],
    load: async () => (await import("./commands/image-commands.js")).imageCommands,
  },
  {
    // prettier-ignore
    words: ["container", "run", "create", "start", "stop", "restart", "kill", "rm", "ps", "logs", "wait", "attach", "exec",
      "rename", "pause", "unpause", "top", "port"],
    load: async () => (await import("./commands/container-commands.js")).containerCommands,
  },
  { words: ["container", "update"], load: async () => [(await import("./commands/update-command.js")).updateCommand] },
  {
    words: ["container", "diff", "commit", "export", "cp", "image"],
    load: async () => (await import("./commands/filesystem-commands.js")).filesystemCommands,
  },
  {
    words: ["image", "pull", "push", "login", "logout"],
    load: async () => (await import("./commands/registry-commands.js")).registryCommands,
  },
  { words: ["system", "info", "version"], load: async () => (await import("./commands/system-commands.js")).systemCommands },
  { words: ["volume"], load: async () => (await import("./commands/volume-commands.js")).volumeCommands },
  { words: ["network"], load: async () => (await import("./commands/network-commands.js")).networkCommands },
  { words: ["serve", "system"], load: async () => [(await import("./commands/serve-command.js")).serveCommand] },
  { words: ["ui"], load: async () => [(await import("./commands/ui-command.js")).uiCommand] },
  { words: ["container", "stats"], load: async () => [(await import("./commands/stats-command.js")).statsCommand] },
  { words: ["system", "events"], load: async () => [(await import("./commands/events-command.js")).eventsCommand] },
  {
    words: ["image", "build", "builder", "buildx"],
    load: async () => [(await import("./commands/build-command.js")).buildCommand],
  },
  { words: ["builder"], load: async () => (await import("./commands/builder-commands.js")).builderCommands },
];

/** The commands a command line whose first word is `word` may run: all of them for none, help or an unknown word. */
export async function commandsFor(word: string | undefined): Promise<readonly CommandSpec[]> {
  const named = COMMAND_MODULES.filter((m) => word !== undefined && word !== "help" && m.words.includes(word));
  const modules = named.length ? named : COMMAND_MODULES;
  return (await Promise.all(modules.map((m) => m.load()))).flat();
}
