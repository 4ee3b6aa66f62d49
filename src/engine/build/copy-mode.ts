// COPY/ADD --chmod: octal ("755", "0644") as the Dockerfile reference documents it, and the
// symbolic form BuildKit also accepts (Dockerfile 1.14+, chmod(1) syntax: "u+x", "a=rX,o-w"),
// applied to each copied file and directory the way chmod(1) applies it, with no umask.
import { InvalidArgumentError } from "../../errors.js";

/** Turns an entry's own mode into the one the copy gives it. */
export type ModeChange = (mode: number, isDirectory: boolean) => number;

type Clause = { who: number; op: "+" | "-" | "="; perms: string };

const WHO_BITS: Record<string, number> = { u: 0o4700, g: 0o2070, o: 0o1007, a: 0o7777 };

/** Parses a --chmod value; "" gives undefined (modes are kept). */
export function parseChmod(spec: string): ModeChange | undefined {
  if (spec === "") return undefined;
  if (/^[0-7]+$/.test(spec)) {
    const mode = parseInt(spec, 8);
    if (mode > 0o7777) throw invalid(spec);
    return () => mode;
  }
  const clauses: Clause[] = [];
  for (const part of spec.split(",")) {
    const m = /^([ugoa]*)((?:[-+=][rwxXst]*|[-+=][ugo])+)$/.exec(part);
    if (!m) throw invalid(spec);
    let who = 0;
    for (const c of m[1]!) who |= WHO_BITS[c]!;
    for (const action of m[2]!.matchAll(/([-+=])([rwxXst]*|[ugo])/g))
      clauses.push({ who: who || WHO_BITS.a!, op: action[1] as Clause["op"], perms: action[2]! });
  }
  return (mode, isDirectory) => {
    let out = mode & 0o7777;
    for (const clause of clauses) {
      const bits = clause.who & permBits(clause.perms, out, isDirectory);
      if (clause.op === "+") out |= bits;
      else if (clause.op === "-") out &= ~bits;
      else out = (out & ~clause.who) | bits;
    }
    return out;
  };
}

/** The mode bits (for every class; the caller masks them by "who") that `perms` names. */
function permBits(perms: string, current: number, isDirectory: boolean): number {
  if (perms === "u" || perms === "g" || perms === "o") {
    const shift = perms === "u" ? 6 : perms === "g" ? 3 : 0;
    const rwx = (current >> shift) & 0o7;
    return (rwx << 6) | (rwx << 3) | rwx;
  }
  let bits = 0;
  for (const c of perms) {
    if (c === "r") bits |= 0o444;
    else if (c === "w") bits |= 0o222;
    else if (c === "x") bits |= 0o111;
    else if (c === "X") {
      if (isDirectory || (current & 0o111) !== 0) bits |= 0o111;
    } else if (c === "s") bits |= 0o6000;
    else if (c === "t") bits |= 0o1000;
  }
  return bits;
}

function invalid(spec: string): Error {
  return new InvalidArgumentError(`invalid chmod parameter: ${spec}`);
}
