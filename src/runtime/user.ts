// Resolves `docker run -u` against the image's own /etc/passwd and /etc/group, following runc's
// libcontainer/user.GetExecUser and moby's daemon/oci_linux.go getUser, with Docker's messages.
// The files are read through resolveInRoot, never through a symlink that leaves the rootfs.
import { InvalidArgumentError } from "../errors.js";
import { SymlinkLoopError, readFileInRoot } from "./resolve-in-root.js";

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** The primary gid first, then the user's supplementary groups (moby getUser, GHSA-rc4r-wh2q-q6c4). */
  additionalGids: number[];
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}
interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** runc's minID..maxID; larger ids overflow to root in some runtimes (CVE-2024-40635). */
const MAX_ID = 2 ** 31 - 1;
const RANGE_MESSAGE = `uids and gids must be in range 0-${MAX_ID}`;

/**
 * Resolves a `-u` spec: "", "name", "uid", "name:group", "uid:gid", "name:gid", "uid:group".
 * A numeric user is always a uid, even if a user is named like that (CVE-2016-3697); a numeric uid
 * or gid missing from the files is allowed. Only the implicit form ("name" or "uid" found in
 * passwd) picks up supplementary groups. Missing or looping files mean no entries.
 *
 *   resolveUser(rootfs, "")           // { uid: 0, gid: 0, additionalGids: [0, …root's groups] }
 *   resolveUser(rootfs, "1234")       // { uid: 1234, gid: 0, additionalGids: [0] } when not in passwd
 *   resolveUser(rootfs, "nobody:5")   // gid 5, no supplementary groups
 */
export function resolveUser(rootfs: string, spec: string): ResolvedUser {
  // runc's parseLine: "a:b:c" is user a, group b; further fields are ignored.
  const [userArg = "", groupArg = ""] = spec.split(":");
  const passwd = parsePasswd(readUserDatabase(rootfs, "/etc/passwd"));
  const user = findUser(passwd, userArg);

  let gid = user.gid;
  let supplementary: number[] = [];
  if (groupArg !== "" || user.matchedName !== "") {
    const groups = parseGroup(readUserDatabase(rootfs, "/etc/group"));
    if (groupArg !== "") gid = findGroup(groups, groupArg);
    else supplementary = groups.filter((g) => g.members.includes(user.matchedName)).map((g) => g.gid);
  }

  const additionalGids = [gid, ...supplementary];
  for (const id of [user.uid, ...additionalGids]) checkRange(id);
  return { uid: user.uid, gid, additionalGids };
}

/**
 * The file's text, or "" when it is missing or its path loops: runc's GetExecUserPath (and libc
 * inside the container) treat a file they cannot open as having no entries. An image whose /etc
 * is a symlink to "/etc" loops under chroot; Docker only gets past it because its init layer puts
 * a real /etc over the symlink.
 */
function readUserDatabase(rootfs: string, file: string): string {
  try {
    return readFileInRoot(rootfs, file) ?? "";
  } catch (err) {
    if (err instanceof SymlinkLoopError) return "";
    throw err;
  }
}

/** The passwd entry the user part names; an empty part means uid 0 (runc's default user). */
function findUser(passwd: PasswdEntry[], userArg: string): { uid: number; gid: number; matchedName: string } {
  const uidArg = parseGoInt(userArg);
  const entry = passwd.find((u) => {
    if (userArg === "") return u.uid === 0;
    if (uidArg !== undefined) return u.uid === uidArg;
    return u.name === userArg;
  });
  if (entry) return { uid: entry.uid, gid: entry.gid, matchedName: entry.name };
  if (userArg === "") return { uid: 0, gid: 0, matchedName: "" };
  if (uidArg === undefined) {
    throw new InvalidArgumentError(`unable to find user ${userArg}: no matching entries in passwd file`);
  }
  return { uid: checkRange(uidArg), gid: 0, matchedName: "" };
}

/** The gid an explicit group part names: numeric parts are gids, and may be absent from the file. */
function findGroup(groups: GroupEntry[], groupArg: string): number {
  const gidArg = parseGoInt(groupArg);
  const entry = groups.find((g) => (gidArg !== undefined ? g.gid === gidArg : g.name === groupArg));
  if (entry) return entry.gid;
  if (gidArg === undefined) {
    throw new InvalidArgumentError(`unable to find group ${groupArg}: no matching entries in group file`);
  }
  return checkRange(gidArg);
}

function checkRange(id: number): number {
  if (!(id >= 0 && id <= MAX_ID)) throw new InvalidArgumentError(RANGE_MESSAGE);
  return id;
}

/** name:password:uid:gid:gecos:home:shell. Unparsable numbers read as 0, as runc's parseLine does. */
function parsePasswd(text: string): PasswdEntry[] {
  return lines(text).map((fields) => ({
    name: fields[0] ?? "",
    uid: parseGoInt(fields[2] ?? "") ?? 0,
    gid: parseGoInt(fields[3] ?? "") ?? 0,
  }));
}

/** name:password:gid:member,member */
function parseGroup(text: string): GroupEntry[] {
  return lines(text).map((fields) => ({
    name: fields[0] ?? "",
    gid: parseGoInt(fields[2] ?? "") ?? 0,
    members: fields[3] ? fields[3].split(",") : [],
  }));
}

/** Non-blank lines, trimmed, split on ":" (runc skips only blank lines, not "#" comments). */
function lines(text: string): string[][] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => line.split(":"));
}

/**
 * Go's strconv.Atoi: optional sign, decimal digits, within int64. Out-of-int64 text is not a number
 * (so "-u 99999999999999999999" is looked up as a name, as in Docker); anything in int64 but beyond
 * 2^31-1 is caught later by checkRange.
 */
function parseGoInt(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = BigInt(text);
  if (value < -(2n ** 63n) || value > 2n ** 63n - 1n) return undefined;
  return Number(value);
}

/**
 * --group-add: each name is looked up in the container's /etc/group, and a number missing from it
 * is taken as a gid, as runc's GetAdditionalGroups does; the groups follow the user's own.
 */
export function withGroupAdd(rootfs: string, user: ResolvedUser, groupAdd: readonly string[]): ResolvedUser {
  if (groupAdd.length === 0) return user;
  const groups = parseGroup(readUserDatabase(rootfs, "/etc/group"));
  const added = groupAdd.map((name) => {
    const gidArg = parseGoInt(name);
    const entry = groups.find((g) => g.name === name || (gidArg !== undefined && g.gid === gidArg));
    if (entry) return entry.gid;
    if (gidArg === undefined) throw new InvalidArgumentError(`Unable to find group ${name}: no matching entries in group file`);
    return checkRange(gidArg);
  });
  return { ...user, additionalGids: [...new Set([...user.additionalGids, ...added])] };
}
