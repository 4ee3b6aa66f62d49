// Terminal size changes, and log reopening, go to conmon through fifos in the bundle dir (conmon
// 2.1.6 src/ctrl.c, set up for every container, with a terminal or not):
// - `ctl`: lines "<type> <height> <width>\n"; type 1 = resize (config.h WIN_RESIZE_EVENT),
//   type 2 = reopen the log file (REOPEN_LOGS_EVENT; the sizes are read and ignored). conmon forwards a resize to…
// - `winsz`: lines "<height> <width>\n", which it applies with TIOCSWINSZ once it holds the pty.
// Writing `ctl` is podman's way (AttachResize); `winsz` works too. conmon keeps both fifos open for
// reading, so a non-blocking open for writing succeeds while conmon lives and fails (ENXIO) after.
// conmon processes only the first line of each read, so each message is its own open + write.
import { open } from "node:fs/promises";
import { basename } from "node:path";
import * as fs from "node:fs";
import { InvalidArgumentError, NotFoundError, SystemError } from "../errors.js";

/** A terminal a client keeps as big as its own: a task's or an exec's. */
export interface TerminalControl {
  resize(size: { rows: number; cols: number }): Promise<void>;
}

/** The terminal behind a conmon control fifo. */
export function terminalAt(ctlOrWinszPath: string): TerminalControl {
  return { resize: (size) => resize(ctlOrWinszPath, size.rows, size.cols) };
}

export async function resize(ctlOrWinszPath: string, rows: number, cols: number): Promise<void> {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0 || rows > 0xffff || cols > 0xffff) {
    throw new InvalidArgumentError(`invalid terminal size ${rows}x${cols}`);
  }
  const line = basename(ctlOrWinszPath) === "winsz" ? `${rows} ${cols}\n` : `1 ${rows} ${cols}\n`;
  await writeControl(ctlOrWinszPath, line, "resize");
}

/**
 * Has conmon reopen the container's log: it opens `<log>.tmp` and renames it over the log path
 * (ctr_logging.c reopen_k8s_file), so what it writes next goes to a fresh file at the path.
 */
export async function reopenLog(ctlPath: string): Promise<void> {
  await writeControl(ctlPath, "2 0 0\n", "reopen log");
}

async function writeControl(ctlOrWinszPath: string, line: string, what: string): Promise<void> {
  let handle;
  try {
    handle = await open(ctlOrWinszPath, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENXIO") {
      throw new NotFoundError(`no conmon is listening on ${ctlOrWinszPath}`, { cause: err });
    }
    throw new SystemError(`${what}: ${(err as Error).message}`, { cause: err });
  }
  try {
    await handle.write(line);
  } finally {
    await handle.close();
  }
}
