// Image references, parsed and normalised exactly as Docker does: a port of
// github.com/distribution/reference (regexp.go, reference.go, normalize.go, helpers.go) together
// with the digest validation it delegates to github.com/opencontainers/go-digest. Error messages
// are Docker's, word for word, because users and scripts match on them.
//
//   reference        := name [ ":" tag ] [ "@" digest ]
//   name             := [domain '/'] remote-name
//   domain           := host [':' port-number]
//   host             := domain-name | IPv4address | \[ IPv6address \]
//   domain-name      := domain-component ['.' domain-component]*
//   domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
//   path-component   := alpha-numeric [separator alpha-numeric]*
//   remote-name      := path-component ['/' path-component]*
//   alpha-numeric    := /[a-z0-9]+/
//   separator        := /[_.]|__|[-]+/
//   tag              := /[\w][\w.-]{0,127}/
//   digest           := /[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}/

import { InvalidArgumentError } from "../errors.js";

export interface Reference {
  readonly domain: string;
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

const DEFAULT_DOMAIN = "docker.io";
// Still accepted on input (Docker Hub's v1 "index" host) but always rewritten to DEFAULT_DOMAIN.
const LEGACY_DEFAULT_DOMAIN = "index.docker.io";
const OFFICIAL_REPO_PREFIX = "library/";
const DEFAULT_TAG = "latest";
const LOCALHOST = "localhost";
const REPOSITORY_NAME_TOTAL_LENGTH_MAX = 255;

const ERR_REFERENCE_INVALID_FORMAT = "invalid reference format";
const ERR_NAME_CONTAINS_UPPERCASE = "repository name must be lowercase";
const ERR_NAME_TOO_LONG = `repository name must not be more than ${REPOSITORY_NAME_TOTAL_LENGTH_MAX} characters`;
const ERR_DIGEST_INVALID_FORMAT = "invalid checksum digest format";
const ERR_DIGEST_INVALID_LENGTH = "invalid checksum digest length";
const ERR_DIGEST_UNSUPPORTED = "unsupported digest algorithm";

// The patterns are assembled from the same pieces, in the same order, as regexp.go so that the two
// can be compared line by line. JavaScript's backtracking engine prefers alternatives in the same
// order as Go's leftmost-first submatching, so capture groups split input identically.
const optional = (...res: string[]): string => `(?:${res.join("")})?`;
const anyTimes = (...res: string[]): string => `(?:${res.join("")})*`;
const capture = (...res: string[]): string => `(${res.join("")})`;
const anchored = (...res: string[]): string => `^${res.join("")}$`;

const alphanumeric = "[a-z0-9]+";
const separator = "(?:[._]|__|[-]+)";
const domainNameComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const optionalPort = "(?::[0-9]+)?";
const tagPat = "[\\w][\\w.-]{0,127}";
const digestPat = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}";
const identifier = "([a-f0-9]{64})";
// Zone identifiers and IPv4-mapped forms are deliberately excluded, as upstream does.
const ipv6address = "\\[(?:[a-fA-F0-9:]+)\\]";
const domainName = domainNameComponent + anyTimes("\\.", domainNameComponent);
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = host + optionalPort;
const pathComponent = alphanumeric + anyTimes(separator, alphanumeric);
const remoteName = pathComponent + anyTimes("/", pathComponent);
const namePat = optional(domainAndPort, "/") + remoteName;

const REFERENCE_RE = new RegExp(anchored(capture(namePat), optional(":", capture(tagPat)), optional("@", capture(digestPat))));
const ANCHORED_NAME_RE = new RegExp(anchored(optional(capture(domainAndPort), "/"), capture(remoteName)));
const ANCHORED_IDENTIFIER_RE = new RegExp(anchored(identifier));

/** A well-formed digest as the reference grammar accepts it (`algorithm:hex`, 32+ hex digits); whether the algorithm is supported is checked separately. */
export const ANCHORED_DIGEST = new RegExp(anchored(digestPat));

// go-digest's own, stricter, shape check; it only decides between "unsupported" and "invalid format".
const GO_DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

// go-digest supports whichever hashes are linked into the binary; dockerd links sha256, sha384 and
// sha512 (the latter two through crypto/tls), so all three are accepted. Values: hex length.
const SUPPORTED_DIGEST_HEX_LENGTH: ReadonlyMap<string, number> = new Map([
  ["sha256", 64],
  ["sha384", 96],
  ["sha512", 128],
]);

/** Parses what a user typed, normalising like docker (ParseNormalizedNamed). Throws InvalidArgumentError with docker's messages. */
export function parseReference(text: string): Reference {
  return parseNormalized(text, CLI_RULES);
}

/**
 * Parses a name as the daemon does before it stores or fetches anything (tag, commit, import, load,
 * pull, push). dockerd 20.10 vendors the older distribution/reference: its splitDockerDomain takes
 * a first component for a registry only when it holds "." or ":" or is "localhost" (the newer rule
 * that an uppercase first component must be a host, which docker CLI 28 follows, is unknown to
 * it), and its lowercase error does not name the repository. So "Foo/bar" passes the CLI's check,
 * becomes docker.io/Foo/bar in the daemon, and is refused there.
 */
export function parseDaemonReference(text: string): Reference {
  return parseNormalized(text, DAEMON_RULES);
}

interface Rules {
  /** An uppercase first component names a registry (distribution/reference v0.6). */
  readonly uppercaseHost: boolean;
  /** The lowercase error names the repository (v0.5 on), or is the older bare sentence. */
  readonly nameInMessage: boolean;
}
const CLI_RULES: Rules = { uppercaseHost: true, nameInMessage: true };
const DAEMON_RULES: Rules = { uppercaseHost: false, nameInMessage: false };

function parseNormalized(text: string, rules: Rules): Reference {
  if (ANCHORED_IDENTIFIER_RE.test(text)) {
    throw new InvalidArgumentError(`invalid repository name (${text}), cannot specify 64-byte hexadecimal strings`);
  }
  const { domain, remainder } = splitDockerDomain(text, rules);
  // Upstream takes everything before the first ':' as the name, so for "name@sha256:…" the
  // algorithm is included in the check (and in the message).
  const tagSep = remainder.indexOf(":");
  const remote = tagSep === -1 ? remainder : remainder.slice(0, tagSep);
  if (remote.toLowerCase() !== remote) {
    const named = rules.nameInMessage ? ` (${remote})` : "";
    throw new InvalidArgumentError(`${ERR_REFERENCE_INVALID_FORMAT}: repository name${named} must be lowercase`);
  }
  return parse(`${domain}/${remainder}`);
}

/** Adds :latest when there is neither tag nor digest (TagNameOnly). */
export function withDefaultTag(ref: Reference): Reference {
  if (ref.tag !== undefined || ref.digest !== undefined) return ref;
  return { domain: ref.domain, path: ref.path, tag: DEFAULT_TAG };
}

/** The full form, e.g. docker.io/library/busybox:latest. */
export function formatReference(ref: Reference): string {
  return withSuffixes(repositoryName(ref), ref);
}

/** The name as docker prints it: busybox, user/x, localhost:5000/a/b (no tag or digest). */
export function familiarName(ref: Reference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repositoryName(ref);
  // Only a single component under library/ is shortened: "library/a/b" stays as it is, because
  // "a/b" would then read back as docker.io/a/b.
  if (ref.path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const rest = ref.path.slice(OFFICIAL_REPO_PREFIX.length);
    if (!rest.includes("/")) return rest;
  }
  return ref.path;
}

/** The reference as docker prints it: busybox:latest, busybox@sha256:… */
export function familiarString(ref: Reference): string {
  return withSuffixes(familiarName(ref), ref);
}

/** domain/path, or just path in the rare case the grammar found no domain. */
export function repositoryName(ref: Reference): string {
  return ref.domain === "" ? ref.path : `${ref.domain}/${ref.path}`;
}

/** A complete image ID: 64 lowercase hex digits, with or without the "sha256:" prefix. */
export function isFullImageId(s: string): boolean {
  return /^(?:sha256:)?[a-f0-9]{64}$/.test(s);
}

/** Could be an image ID or a truncated one (as `docker images` shows), with or without "sha256:". */
export function isIdPrefix(s: string): boolean {
  return /^(?:sha256:)?[a-f0-9]{1,64}$/.test(s);
}

function withSuffixes(name: string, ref: Reference): string {
  const tag = ref.tag === undefined ? "" : `:${ref.tag}`;
  const digest = ref.digest === undefined ? "" : `@${ref.digest}`;
  return name + tag + digest;
}

// normalize.go splitDockerDomain: decides whether the first component names a registry. The input
// is not validated yet; parse() does that on the recombined string.
function splitDockerDomain(name: string, rules: Rules): { domain: string; remainder: string } {
  const slash = name.indexOf("/");
  if (slash === -1) {
    // A single component can never be a registry, so "localhost:5000" is the image "localhost"
    // with tag "5000" rather than a host and port.
    return { domain: DEFAULT_DOMAIN, remainder: OFFICIAL_REPO_PREFIX + name };
  }
  const first = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  let domain: string;
  let remainder: string;
  if (first === LOCALHOST) {
    [domain, remainder] = [first, rest];
  } else if (first === LEGACY_DEFAULT_DOMAIN) {
    [domain, remainder] = [DEFAULT_DOMAIN, rest];
  } else if (first.includes(".") || first.includes(":")) {
    [domain, remainder] = [first, rest];
  } else if (rules.uppercaseHost && first.toLowerCase() !== first) {
    // Repository paths cannot contain uppercase, so an uppercase first component can only be a host.
    [domain, remainder] = [first, rest];
  } else {
    [domain, remainder] = [DEFAULT_DOMAIN, name];
  }
  if (domain === DEFAULT_DOMAIN && !remainder.includes("/")) {
    remainder = OFFICIAL_REPO_PREFIX + remainder;
  }
  return { domain, remainder };
}

// reference.go Parse, on an already normalised string. The domain is taken from the grammar rather
// than from splitDockerDomain, so a "domain" the grammar rejects (e.g. "a_b.c/x") ends up in the path.
function parse(s: string): Reference {
  const m = REFERENCE_RE.exec(s);
  if (m === null) {
    const lower = s.toLowerCase();
    if (lower !== s && REFERENCE_RE.test(lower)) throw new InvalidArgumentError(ERR_NAME_CONTAINS_UPPERCASE);
    throw new InvalidArgumentError(ERR_REFERENCE_INVALID_FORMAT);
  }
  const [, name = "", tag, digest] = m;
  const nm = ANCHORED_NAME_RE.exec(name);
  const domain = nm?.[1] ?? "";
  const path = nm?.[2] ?? name;
  if (path.length > REPOSITORY_NAME_TOTAL_LENGTH_MAX) throw new InvalidArgumentError(ERR_NAME_TOO_LONG);
  if (digest !== undefined) validateDigest(digest);
  return {
    domain,
    path,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

// go-digest Digest.Validate, reached only once the reference grammar has accepted the digest.
function validateDigest(digest: string): void {
  const colon = digest.indexOf(":");
  const algorithm = digest.slice(0, colon);
  const encoded = digest.slice(colon + 1);
  const hexLength = SUPPORTED_DIGEST_HEX_LENGTH.get(algorithm);
  if (hexLength === undefined) {
    throw new InvalidArgumentError(GO_DIGEST_RE.test(digest) ? ERR_DIGEST_UNSUPPORTED : ERR_DIGEST_INVALID_FORMAT);
  }
  if (encoded.length !== hexLength) throw new InvalidArgumentError(ERR_DIGEST_INVALID_LENGTH);
  // The grammar allows uppercase hex; go-digest does not.
  if (!/^[a-f0-9]+$/.test(encoded)) throw new InvalidArgumentError(ERR_DIGEST_INVALID_FORMAT);
}
