// Advisory locks between berth processes, on flock(2): the kernel drops a lock when its holder
// dies, so a `kill -9` never leaves one behind. Waiting polls, so that a server's event loop keeps
// running while one request waits for another's lock.
import * as fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { tryLockExclusive, tryLockShared } from "./linux.js";

export interface FileLock {
  release(): void;
}

export async function lockExclusive(path: string, pollMs = 10): Promise<FileLock> {
  const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600); // libuv opens with O_CLOEXEC: conmon and runc never inherit the lock
  try {
    while (!tryLockExclusive(fd, path)) await sleep(pollMs);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      fs.closeSync(fd); // closing the last descriptor drops the lock
    },
  };
}

/**
 * A lock taken only if it is free now: undefined when another holder has it (for a shared lock,
 * an exclusive holder). Shared holders coexist; an exclusive one excludes all.
 */
export function tryLock(path: string, opts: { shared: boolean }): FileLock | undefined {
  const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  let got: boolean;
  try {
    got = opts.shared ? tryLockShared(fd, path) : tryLockExclusive(fd, path);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  if (!got) {
    fs.closeSync(fd);
    return undefined;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      fs.closeSync(fd);
    },
  };
}
