// A run followed to its end by the process that started it (`run` and `start -a` in the
// foreground) needs no second berth process at its exit: the follower records the exit, removes
// a --rm container and says so; conmon's exit command then ends without starting Node.
//
// The guarantee that an exit is recorded with no berth process around stays with conmon's exit
// command, which now goes through a few lines of shell first:
//   - the follower holds an flock(2) on a file of its own from before conmon starts until it is
//     done; the exit command waits for that lock, so it never races the follower's cleanup;
//   - the kernel drops the lock when the follower dies, however it dies (kill -9 included);
//   - the follower writes "settled" into the file, under the lock, only once the run needs nothing
//     more (exit recorded, --rm carried out, no restart pending). The exit command reads the file
//     once it has the lock: "settled" ends it; anything else (a killed or detached follower, a
//     restart to run) hands over to berth's cleanup as before.
// The file is removed by the exit command once read; the follower never removes it, so the exit
// command always finds the content the follower left.
import * as fs from "node:fs";
import { tryLockExclusive } from "../../sys/linux.js";
import { SystemError } from "../../errors.js";

const FLOCK = "/usr/bin/flock";
const SHELL = "/bin/sh";
const SETTLED = "settled";

/**
 * $0 is the follower's file, "$@" berth's cleanup. Only the gate removes the file, so a file
 * missing at the start means no follower. fd 9 is opened before the lock is asked for, and the
 * content is read through it.
 */
const GATE = `[ -e "$0" ] || exec "$@"; exec 9<"$0"; ${FLOCK} 9; read -r s <&9; rm -f "$0"; [ "$s" = ${SETTLED} ] && exit 0; exec "$@"`;

export interface ExitFollower {
  /** conmon's exit command: `cleanup` gated on this follower. */
  exitCommand(cleanup: readonly string[]): string[];
  /** The run needs nothing more: conmon's exit command may end without running the cleanup. */
  settled(): void;
  /** Lets the exit command go: it runs the cleanup unless settled() came first. Idempotent. */
  release(): void;
}

/** Whether this host has what the gate needs; without it, every exit runs berth's cleanup. */
export function canFollowExits(): boolean {
  return fs.existsSync(FLOCK) && fs.existsSync(SHELL);
}

/** The exit command that waits for the follower holding `path`, then runs `cleanup` unless the run is settled. */
export function gatedExitCommand(path: string, cleanup: readonly string[]): string[] {
  return [SHELL, "-c", GATE, path, ...cleanup];
}

/**
 * Takes the follower's lock of run `runId` (a file under the run dir `runroot`); call before conmon
 * starts, so that its exit command always finds the lock held.
 */
export function followExit(runroot: string, runId: string): ExitFollower {
  if (!/^[0-9a-f]+$/.test(runId)) throw new SystemError(`invalid run id ${JSON.stringify(runId)}`);
  const dir = `${runroot}/follow`;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = `${dir}/${runId}`;
  // The run ID is new: nobody else has this file. libuv opens with O_CLOEXEC, so conmon and runc never hold the lock.
  const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_TRUNC, 0o600);
  try {
    if (!tryLockExclusive(fd, path)) throw new SystemError(`${path} is locked by another process`);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  let held = true;
  return {
    exitCommand: (cleanup) => gatedExitCommand(path, cleanup),
    settled() {
      if (held) fs.writeSync(fd, `${SETTLED}\n`, 0);
    },
    release() {
      if (!held) return;
      held = false;
      fs.closeSync(fd); // the last descriptor: the lock goes with it
    },
  };
}
