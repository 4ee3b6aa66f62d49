// The WWW-Authenticate header of RFC 7235 as registries send it:
//   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:x:pull"
//   Basic realm="Registry Realm"
// Several challenges may share one header, separated by commas like the parameters themselves.

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;

export function parseWwwAuthenticate(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let pos = 0;
  const skipSpace = () => {
    while (pos < header.length && (header[pos] === " " || header[pos] === "\t" || header[pos] === ",")) pos++;
  };
  const token = (): string | undefined => {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(header);
    if (!m) return undefined;
    pos = TOKEN.lastIndex;
    return m[0];
  };
  const quoted = (): string => {
    let out = "";
    pos++; // opening quote
    while (pos < header.length && header[pos] !== '"') {
      if (header[pos] === "\\" && pos + 1 < header.length) pos++;
      out += header[pos++];
    }
    pos++; // closing quote
    return out;
  };
  for (;;) {
    skipSpace();
    const scheme = token();
    if (!scheme) break;
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    for (;;) {
      while (header[pos] === " " || header[pos] === "\t") pos++;
      const save = pos;
      const name = token();
      while (header[pos] === " ") pos++;
      if (!name || header[pos] !== "=") {
        pos = save; // the next challenge's scheme, or the end
        break;
      }
      pos++;
      while (header[pos] === " ") pos++;
      challenge.params[name.toLowerCase()] = header[pos] === '"' ? quoted() : (token() ?? "");
      while (header[pos] === " ") pos++;
      if (header[pos] === ",") {
        pos++;
        continue;
      }
      break;
    }
  }
  return challenges;
}
