// --cidfile: the docker CLI's, not the daemon's. The file is made before the container, so that a
// second run with the same path fails before it creates anything; the ID goes in once the
// container exists (64 hex digits, no newline), and the file goes again when create fails.
import * as fs from "node:fs";
import { ClientArgumentError } from "./errors.js";

/** A failure the docker CLI reports with exit 127, because its text holds "no such file or directory". */
export class CidFileError extends ClientArgumentError {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export interface CidFile {
  write(id: string): void;
  /** Create failed: the empty file goes. */
  discard(): void;
}

export function openCidFile(path: string | undefined): CidFile | undefined {
  if (!path) return undefined;
  if (fs.existsSync(path)) {
    throw new ClientArgumentError(`container ID file found, make sure the other container isn't running or delete ${path}`);
  }
  let fd: number;
  try {
    fd = fs.openSync(path, "wx", 0o666);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason = e.code === "ENOENT" ? "no such file or directory" : e.code === "EEXIST" ? "file exists" : e.message;
    throw new CidFileError(`failed to create the container ID file: open ${path}: ${reason}`, e.code === "ENOENT" ? 127 : 125);
  }
  let written = false;
  return {
    write(id) {
      try {
        fs.writeSync(fd, id);
        written = true;
      } finally {
        fs.closeSync(fd);
      }
    },
    discard() {
      if (written) return;
      fs.closeSync(fd);
      fs.rmSync(path, { force: true });
    },
  };
}
