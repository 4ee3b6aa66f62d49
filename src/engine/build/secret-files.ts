// Where a RUN's secrets live while it runs: files in a private tmpfs (memory only, mode 0700) in
// the step's work directory, each bind-mounted read-only into the container, gone when the
// tmpfs is unmounted. Where no tmpfs can be mounted, a 0700 directory whose files are
// overwritten with zeros before they are removed.
import * as fs from "node:fs";
import { mountAll, unmount } from "../../sys/mount.js";

/** BuildKit's limit on one secret (session/secrets/secretsprovider: MaxSecretSize). */
export const MAX_SECRET_BYTES = 500 * 1024;

export interface SecretFile {
  readonly content: Buffer;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

export class SecretDir {
  private count = 0;
  private wiped = false;

  private constructor(
    readonly path: string,
    private readonly inMemory: boolean,
  ) {}

  /** Makes `${workDir}/secrets`, a tmpfs when the kernel lets us. */
  static create(workDir: string): SecretDir {
    const dir = `${workDir}/secrets`;
    fs.mkdirSync(dir, { mode: 0o700 });
    let inMemory = true;
    try {
      mountAll([{ type: "tmpfs", source: "tmpfs", options: ["mode=0700", "nosuid", "nodev", "noexec", "size=64m"] }], dir);
    } catch {
      inMemory = false;
    }
    return new SecretDir(dir, inMemory);
  }

  /** Whether the secrets are in memory only (a tmpfs), or on the work directory's disk. */
  get memoryOnly(): boolean {
    return this.inMemory;
  }

  /** Writes one secret and returns its host path. */
  write(secret: SecretFile): string {
    const file = `${this.path}/${this.count++}`;
    const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
    try {
      fs.writeFileSync(fd, secret.content);
      fs.fchownSync(fd, secret.uid, secret.gid);
      fs.fchmodSync(fd, secret.mode);
    } finally {
      fs.closeSync(fd);
    }
    return file;
  }

  /** Removes every secret: the tmpfs goes, or each file is zeroed, synced and unlinked. Idempotent. */
  wipe(): void {
    if (this.wiped) return;
    this.wiped = true;
    if (this.inMemory) {
      unmount(this.path);
    } else {
      for (const name of fs.readdirSync(this.path)) {
        const file = `${this.path}/${name}`;
        const size = fs.lstatSync(file).size;
        const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW);
        try {
          fs.writeSync(fd, Buffer.alloc(size), 0, size, 0);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        fs.unlinkSync(file);
      }
    }
    fs.rmdirSync(this.path);
  }
}
