// COPY/ADD --chown: "user[:group]" resolved against the destination image's own /etc/passwd and
// /etc/group (BuildKit's rule, BUILD-API §9): numbers are taken as they are; a user name without
// a group takes the user's primary group, a uid without a gid takes the uid as gid. The files are
// read inside the rootfs (readFileInRoot), and no message names a host path (dockerd leaks its
// overlay path here; berth does not).
import { InvalidArgumentError } from "../../errors.js";
import { SymlinkLoopError, readFileInRoot } from "../../runtime/resolve-in-root.js";

export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

export const ROOT_OWNER: Owner = { uid: 0, gid: 0 };

/** The largest id a chown accepts: 2^32-1 is (uid_t)-1, "leave unchanged", to the kernel. */
const MAX_ID = 2 ** 32 - 2;

/** The owner a --chown value names in `rootfs`; root when the flag was not given. */
export function resolveChown(rootfs: string, spec: string): Owner {
  if (spec === "") return ROOT_OWNER;
  const parts = spec.split(":");
  if (parts.length > 2 || parts[0] === "" || parts[1] === "") throw new InvalidArgumentError(`invalid chown string format: ${spec}`);
  const [userPart, groupPart] = parts as [string, string | undefined];
  const fail = (what: string, why: string) =>
    new InvalidArgumentError(`unable to convert uid/gid chown string to host mapping: ${what}: ${why}`);

  let uid: number;
  let primaryGid: number | undefined;
  const numericUser = numericId(userPart);
  if (numericUser !== undefined) uid = numericUser;
  else {
    const passwd = readDatabase(rootfs, "/etc/passwd");
    if (passwd === undefined) throw fail(`can't find uid for user ${userPart}`, "the image has no /etc/passwd");
    const entry = passwd.find((fields) => fields[0] === userPart);
    if (!entry) throw fail(`can't find uid for user ${userPart}`, "no such user in the image's /etc/passwd");
    uid = idField(entry[2], `user ${userPart}`);
    primaryGid = idField(entry[3], `user ${userPart}`);
  }

  let gid: number;
  if (groupPart === undefined) gid = primaryGid ?? uid;
  else {
    const numericGroup = numericId(groupPart);
    if (numericGroup !== undefined) gid = numericGroup;
    else {
      const groups = readDatabase(rootfs, "/etc/group");
      if (groups === undefined) throw fail(`can't find gid for group ${groupPart}`, "the image has no /etc/group");
      const entry = groups.find((fields) => fields[0] === groupPart);
      if (!entry) throw fail(`can't find gid for group ${groupPart}`, "no such group in the image's /etc/group");
      gid = idField(entry[2], `group ${groupPart}`);
    }
  }
  return { uid, gid };
}

function numericId(text: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id > MAX_ID) throw new InvalidArgumentError(`invalid chown id ${text}: out of range 0-${MAX_ID}`);
  return id;
}

function idField(text: string | undefined, owner: string): number {
  const id = numericId(text ?? "");
  if (id === undefined)
    throw new InvalidArgumentError(`unable to convert uid/gid chown string to host mapping: ${owner} has an invalid id`);
  return id;
}

/** The file's lines split on ":", or undefined when the image has no such file (or its path loops). */
function readDatabase(rootfs: string, file: string): string[][] | undefined {
  let text: string | undefined;
  try {
    text = readFileInRoot(rootfs, file);
  } catch (err) {
    if (err instanceof SymlinkLoopError) return undefined;
    throw err;
  }
  if (text === undefined) return undefined;
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => line.split(":"));
}
