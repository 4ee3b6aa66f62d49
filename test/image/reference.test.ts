// The tables below are ported from github.com/distribution/reference (normalize_test.go and
// reference_test.go). Upstream cases written against the un-normalised Parse are run through
// parseReference here, so their expectations are the normalised ones ParseNormalizedNamed gives.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError } from "../../src/errors.js";
import {
  ANCHORED_DIGEST,
  familiarName,
  familiarString,
  formatReference,
  isFullImageId,
  isIdPrefix,
  parseDaemonReference,
  parseReference,
  repositoryName,
  withDefaultTag,
  type Reference,
} from "../../src/image/reference.js";

const INVALID_FORMAT = "invalid reference format";
const TOO_LONG = "repository name must not be more than 255 characters";
const uppercase = (remote: string): string => `invalid reference format: repository name (${remote}) must be lowercase`;
const hexName = (s: string): string => `invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`;

const FFFF64 = "f".repeat(64);
const HEX64 = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a";

function assertRejects(input: string, message?: string): void {
  assert.throws(
    () => parseReference(input),
    (err: unknown) => {
      assert.ok(err instanceof InvalidArgumentError, `expected InvalidArgumentError for ${JSON.stringify(input)}, got ${String(err)}`);
      if (message !== undefined) assert.equal(err.message, message, `message for ${JSON.stringify(input)}`);
      return true;
    },
  );
}

describe("parseReference: TestValidateReferenceName", () => {
  const valid = [
    "docker/docker",
    "library/debian",
    "debian",
    "localhost/library/debian",
    "localhost/debian",
    "LOCALDOMAIN/library/debian",
    "LOCALDOMAIN/debian",
    "docker.io/docker/docker",
    "docker.io/library/debian",
    "docker.io/debian",
    "index.docker.io/docker/docker",
    "index.docker.io/library/debian",
    "index.docker.io/debian",
    "127.0.0.1:5000/docker/docker",
    "127.0.0.1:5000/library/debian",
    "127.0.0.1:5000/debian",
    "192.168.0.1",
    "192.168.0.1:80",
    "192.168.0.1:8/debian",
    "192.168.0.2:25000/debian",
    "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
    "[fc00::1]:5000/docker",
    "[fc00::1]:5000/docker/docker",
    "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
    // A domain removes the ambiguity between an identifier and a repository name.
    `docker.io/${HEX64}`,
    "Docker/docker",
    "DOCKER/docker",
  ];
  for (const name of valid) {
    it(`accepts ${name}`, () => {
      assert.doesNotThrow(() => parseReference(name));
    });
  }

  const invalid: ReadonlyArray<readonly [string, string]> = [
    ["https://github.com/docker/docker", INVALID_FORMAT],
    ["docker/Docker", uppercase("docker/Docker")],
    ["-docker", INVALID_FORMAT],
    ["-docker/docker", INVALID_FORMAT],
    ["-docker.io/docker/docker", INVALID_FORMAT],
    ["docker///docker", INVALID_FORMAT],
    ["docker.io/docker/Docker", uppercase("docker/Docker")],
    ["docker.io/docker///docker", INVALID_FORMAT],
    ["[fc00::1]", INVALID_FORMAT],
    ["[fc00::1]:5000", INVALID_FORMAT],
    ["fc00::1:5000/debian", INVALID_FORMAT],
    ["[fe80::1%eth0]:5000/debian", INVALID_FORMAT],
    ["[2001:db8:3:4::192.0.2.33]:5000/debian", INVALID_FORMAT],
    [HEX64, hexName(HEX64)],
  ];
  for (const [name, message] of invalid) {
    it(`rejects ${name}`, () => assertRejects(name, message));
  }
});

describe("parseReference: TestValidateRemoteName", () => {
  const valid = [
    "docker/docker",
    // 64 characters are fine as long as they are not all hexadecimal.
    "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
    "docker-rules/docker",
    "docker---rules/docker",
    "doc/docker",
    "d/docker",
    "jess/t",
    "dock__er/docker",
  ];
  for (const name of valid) {
    it(`accepts ${name}`, () => {
      assert.doesNotThrow(() => parseReference(name));
    });
  }

  const longNamespace =
    "this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_".repeat(3) +
    "this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255/docker";
  const invalid: ReadonlyArray<readonly [string, string]> = [
    ["docker/Docker", uppercase("docker/Docker")],
    ["docker///docker", INVALID_FORMAT],
    [HEX64, hexName(HEX64)],
    ["-docker/docker", INVALID_FORMAT],
    ["docker-/docker", INVALID_FORMAT],
    ["-docker-/docker", INVALID_FORMAT],
    ["____/____", INVALID_FORMAT],
    ["_docker/_docker", INVALID_FORMAT],
    ["dock..er/docker", INVALID_FORMAT],
    ["dock_.er/docker", INVALID_FORMAT],
    ["dock-.er/docker", INVALID_FORMAT],
    ["docker/", INVALID_FORMAT],
    [longNamespace, TOO_LONG],
  ];
  for (const [name, message] of invalid) {
    it(`rejects ${name.length > 60 ? `${name.slice(0, 60)}…` : name}`, () => assertRejects(name, message));
  }
});

describe("parseReference: TestParseRepositoryInfo", () => {
  const cases: ReadonlyArray<{ remote: string; familiar: string; full: string; ambiguous?: string; domain: string }> = [
    { remote: "fooo", familiar: "localhost/fooo", full: "localhost/fooo", ambiguous: "localhost/fooo", domain: "localhost" },
    {
      remote: "fooo/bar",
      familiar: "localhost/fooo/bar",
      full: "localhost/fooo/bar",
      ambiguous: "localhost/fooo/bar",
      domain: "localhost",
    },
    { remote: "fooo", familiar: "LOCALDOMAIN/fooo", full: "LOCALDOMAIN/fooo", ambiguous: "LOCALDOMAIN/fooo", domain: "LOCALDOMAIN" },
    {
      remote: "fooo/bar",
      familiar: "LOCALDOMAIN/fooo/bar",
      full: "LOCALDOMAIN/fooo/bar",
      ambiguous: "LOCALDOMAIN/fooo/bar",
      domain: "LOCALDOMAIN",
    },
    { remote: "fooo/bar", familiar: "fooo/bar", full: "docker.io/fooo/bar", ambiguous: "index.docker.io/fooo/bar", domain: "docker.io" },
    { remote: "library/ubuntu", familiar: "ubuntu", full: "docker.io/library/ubuntu", ambiguous: "library/ubuntu", domain: "docker.io" },
    { remote: "nonlibrary/ubuntu", familiar: "nonlibrary/ubuntu", full: "docker.io/nonlibrary/ubuntu", domain: "docker.io" },
    { remote: "other/library", familiar: "other/library", full: "docker.io/other/library", domain: "docker.io" },
    {
      remote: "private/moonbase",
      familiar: "127.0.0.1:8000/private/moonbase",
      full: "127.0.0.1:8000/private/moonbase",
      domain: "127.0.0.1:8000",
    },
    { remote: "privatebase", familiar: "127.0.0.1:8000/privatebase", full: "127.0.0.1:8000/privatebase", domain: "127.0.0.1:8000" },
    { remote: "private/moonbase", familiar: "example.com/private/moonbase", full: "example.com/private/moonbase", domain: "example.com" },
    { remote: "privatebase", familiar: "example.com/privatebase", full: "example.com/privatebase", domain: "example.com" },
    {
      remote: "private/moonbase",
      familiar: "example.com:8000/private/moonbase",
      full: "example.com:8000/private/moonbase",
      domain: "example.com:8000",
    },
    {
      remote: "privatebasee",
      familiar: "example.com:8000/privatebasee",
      full: "example.com:8000/privatebasee",
      domain: "example.com:8000",
    },
    {
      remote: "library/ubuntu-12.04-base",
      familiar: "ubuntu-12.04-base",
      full: "docker.io/library/ubuntu-12.04-base",
      ambiguous: "index.docker.io/library/ubuntu-12.04-base",
      domain: "docker.io",
    },
    { remote: "library/foo", familiar: "foo", full: "docker.io/library/foo", ambiguous: "docker.io/foo", domain: "docker.io" },
    { remote: "library/foo/bar", familiar: "library/foo/bar", full: "docker.io/library/foo/bar", domain: "docker.io" },
    { remote: "store/foo/bar", familiar: "store/foo/bar", full: "docker.io/store/foo/bar", domain: "docker.io" },
    { remote: "bar", familiar: "Foo/bar", full: "Foo/bar", domain: "Foo" },
    { remote: "bar", familiar: "FOO/bar", full: "FOO/bar", domain: "FOO" },
  ];
  for (const tc of cases) {
    const inputs = [tc.familiar, tc.full, ...(tc.ambiguous === undefined ? [] : [tc.ambiguous])];
    for (const input of inputs) {
      it(`${input} → ${tc.full}`, () => {
        const ref = parseReference(input);
        assert.equal(familiarName(ref), tc.familiar);
        assert.equal(formatReference(ref), tc.full);
        assert.equal(repositoryName(ref), tc.full);
        assert.equal(ref.domain, tc.domain);
        assert.equal(ref.path, tc.remote);
        assert.equal(ref.tag, undefined);
        assert.equal(ref.digest, undefined);
      });
    }
  }
});

describe("parseReference: TestParseReferenceWithTagAndDigest", () => {
  it("keeps both tag and digest", () => {
    const short = "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa";
    const ref = parseReference(short);
    assert.equal(formatReference(ref), `docker.io/library/${short}`);
    assert.equal(ref.tag, "latest");
    assert.equal(ref.digest, "sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa");
    assert.equal(familiarString(ref), short);
  });
});

describe("parseReference: TestInvalidReferenceComponents", () => {
  it("rejects -foo", () => assertRejects("-foo", INVALID_FORMAT));
});

describe("parseReference: TestParseAnyReference (name cases) and identifiers", () => {
  const dgst = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";
  const cases: ReadonlyArray<readonly [string, string]> = [
    ["redis", "docker.io/library/redis"],
    ["redis:latest", "docker.io/library/redis:latest"],
    ["docker.io/library/redis:latest", "docker.io/library/redis:latest"],
    [`redis@${dgst}`, `docker.io/library/redis@${dgst}`],
    [`docker.io/library/redis@${dgst}`, `docker.io/library/redis@${dgst}`],
    ["dmcgowan/myapp", "docker.io/dmcgowan/myapp"],
    ["dmcgowan/myapp:latest", "docker.io/dmcgowan/myapp:latest"],
    ["docker.io/mcgowan/myapp:latest", "docker.io/mcgowan/myapp:latest"],
    [`dmcgowan/myapp@${dgst}`, `docker.io/dmcgowan/myapp@${dgst}`],
    [`docker.io/dmcgowan/myapp@${dgst}`, `docker.io/dmcgowan/myapp@${dgst}`],
    // One hex digit short of an identifier, so it is a name.
    [
      "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9",
      "docker.io/library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9",
    ],
    ["dbcc1", "docker.io/library/dbcc1"],
  ];
  for (const [input, full] of cases) {
    it(`${input} → ${full}`, () => {
      assert.equal(formatReference(parseReference(input)), full);
    });
  }

  // ParseAnyReference turns these two into digest references; berth's callers check for IDs first.
  const bareHex = dgst.slice("sha256:".length);
  it("leaves a bare 64-hex identifier to the caller", () => {
    assertRejects(bareHex, hexName(bareHex));
    assert.equal(isFullImageId(bareHex), true);
  });
  it("recognises a sha256: identifier, which would otherwise parse as name sha256 with a tag", () => {
    assert.equal(isFullImageId(dgst), true);
    assert.equal(formatReference(parseReference(dgst)), `docker.io/library/${dgst}`);
  });
});

describe("parseReference: TestNormalizedSplitHostname", () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ["test.com/foo", "test.com", "foo"],
    ["test_com/foo", "docker.io", "test_com/foo"],
    ["docker/migrator", "docker.io", "docker/migrator"],
    ["test.com:8080/foo", "test.com:8080", "foo"],
    ["test-com:8080/foo", "test-com:8080", "foo"],
    ["foo", "docker.io", "library/foo"],
    ["xn--n3h.com/foo", "xn--n3h.com", "foo"],
    ["xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo"],
    ["docker.io/foo", "docker.io", "library/foo"],
    ["docker.io/library/foo", "docker.io", "library/foo"],
    ["docker.io/library/foo/bar", "docker.io", "library/foo/bar"],
  ];
  for (const [input, domain, path] of cases) {
    it(`${input} → ${domain} + ${path}`, () => {
      const ref = parseReference(input);
      assert.equal(ref.domain, domain);
      assert.equal(ref.path, path);
    });
  }
});

describe("withDefaultTag: TestParseDockerRef", () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ["busybox", "docker.io/library/busybox:latest"],
    ["busybox:latest", "docker.io/library/busybox:latest"],
    [
      "busybox@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582",
      "docker.io/library/busybox@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582",
    ],
    ["library/busybox", "docker.io/library/busybox:latest"],
    ["docker.io/busybox", "docker.io/library/busybox:latest"],
    ["docker.io/library/busybox", "docker.io/library/busybox:latest"],
    ["docker.io/busybox:latest", "docker.io/library/busybox:latest"],
    ["library/busybox:latest", "docker.io/library/busybox:latest"],
    ["docker.io/library/busybox:latest", "docker.io/library/busybox:latest"],
    ["gcr.io/library/busybox", "gcr.io/library/busybox:latest"],
    // Unlike ParseDockerRef, TagNameOnly keeps the tag next to a digest.
    [
      "gcr.io/library/busybox:latest@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582",
      "gcr.io/library/busybox:latest@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582",
    ],
  ];
  for (const [input, expected] of cases) {
    it(`${input} → ${expected}`, () => {
      const output = formatReference(withDefaultTag(parseReference(input)));
      assert.equal(output, expected);
      assert.equal(formatReference(parseReference(output)), output);
    });
  }

  it("returns a reference that already has a tag or digest unchanged", () => {
    const ref = parseReference("busybox:1");
    assert.equal(withDefaultTag(ref), ref);
  });
});

type Expect = { domain: string; path: string; tag?: string; digest?: string } | { error: string };

describe("parseReference: TestReferenceParse, normalised", () => {
  const sha = `sha256:${FFFF64}`;
  const cases: ReadonlyArray<readonly [string, Expect]> = [
    ["test_com", { domain: "docker.io", path: "library/test_com" }],
    // Without a '/', "host:port" is a name and a tag.
    ["test.com:tag", { domain: "docker.io", path: "library/test.com", tag: "tag" }],
    ["test.com:5000", { domain: "docker.io", path: "library/test.com", tag: "5000" }],
    ["test.com/repo:tag", { domain: "test.com", path: "repo", tag: "tag" }],
    ["test:5000/repo", { domain: "test:5000", path: "repo" }],
    ["test:5000/repo:tag", { domain: "test:5000", path: "repo", tag: "tag" }],
    [`test:5000/repo@${sha}`, { domain: "test:5000", path: "repo", digest: sha }],
    [`test:5000/repo:tag@${sha}`, { domain: "test:5000", path: "repo", tag: "tag", digest: sha }],
    // Upstream's ErrNameEmpty is unreachable once a domain has been prepended.
    ["", { error: INVALID_FORMAT }],
    [":justtag", { error: INVALID_FORMAT }],
    [`@${sha}`, { error: INVALID_FORMAT }],
    [`repo@sha256:${"f".repeat(34)}`, { error: "invalid checksum digest length" }],
    [`validname@invaliddigest:${FFFF64}`, { error: "unsupported digest algorithm" }],
    // Upstream's test binary does not link sha512 and expects "unsupported"; dockerd links it.
    [`validname@sha512:${"f".repeat(128)}`, { domain: "docker.io", path: "library/validname", digest: `sha512:${"f".repeat(128)}` }],
    [`validname@sha384:${"f".repeat(96)}`, { domain: "docker.io", path: "library/validname", digest: `sha384:${"f".repeat(96)}` }],
    [`validname@sha512:${FFFF64}`, { error: "invalid checksum digest length" }],
    [`validname@sha256:${"F".repeat(64)}`, { error: "invalid checksum digest format" }],
    [`validname:tag@SHA256:${FFFF64}`, { error: "invalid checksum digest format" }],
    ["Uppercase:tag", { error: uppercase("library/Uppercase") }],
    // Upstream's FIXME: an uppercase first component is taken for a domain, so this passes.
    ["Uppercase/lowercase:tag", { domain: "Uppercase", path: "lowercase", tag: "tag" }],
    ["test:5000/Uppercase/lowercase:tag", { error: uppercase("Uppercase/lowercase") }],
    ["lowercase:Uppercase", { domain: "docker.io", path: "library/lowercase", tag: "Uppercase" }],
    [`domain/${"a".repeat(256)}:tag`, { error: TOO_LONG }],
    [`${"a/".repeat(127)}a:tag-puts-this-over-max`, { domain: "docker.io", path: `${"a/".repeat(127)}a`, tag: "tag-puts-this-over-max" }],
    ["aa/asdf$$^/aa", { error: INVALID_FORMAT }],
    ["sub-dom1.foo.com/bar/baz/quux", { domain: "sub-dom1.foo.com", path: "bar/baz/quux" }],
    ["sub-dom1.foo.com/bar/baz/quux:some-long-tag", { domain: "sub-dom1.foo.com", path: "bar/baz/quux", tag: "some-long-tag" }],
    ["b.gcr.io/test.example.com/my-app:test.example.com", { domain: "b.gcr.io", path: "test.example.com/my-app", tag: "test.example.com" }],
    ["xn--n3h.com/myimage:xn--n3h.com", { domain: "xn--n3h.com", path: "myimage", tag: "xn--n3h.com" }],
    [`xn--7o8h.com/myimage:xn--7o8h.com@${sha}`, { domain: "xn--7o8h.com", path: "myimage", tag: "xn--7o8h.com", digest: sha }],
    ["foo_bar.com:8080", { domain: "docker.io", path: "library/foo_bar.com", tag: "8080" }],
    ["foo/foo_bar.com:8080", { domain: "docker.io", path: "foo/foo_bar.com", tag: "8080" }],
    ["192.168.1.1", { domain: "docker.io", path: "library/192.168.1.1" }],
    ["192.168.1.1:tag", { domain: "docker.io", path: "library/192.168.1.1", tag: "tag" }],
    ["192.168.1.1:5000", { domain: "docker.io", path: "library/192.168.1.1", tag: "5000" }],
    ["192.168.1.1/repo", { domain: "192.168.1.1", path: "repo" }],
    ["192.168.1.1:5000/repo", { domain: "192.168.1.1:5000", path: "repo" }],
    ["192.168.1.1:5000/repo:5050", { domain: "192.168.1.1:5000", path: "repo", tag: "5050" }],
    ["[2001:db8::1]", { error: INVALID_FORMAT }],
    ["[2001:db8::1]:5000", { error: INVALID_FORMAT }],
    ["[2001:db8::1]:tag", { error: INVALID_FORMAT }],
    ["[2001:db8::1]/repo", { domain: "[2001:db8::1]", path: "repo" }],
    ["[2001:db8:1:2:3:4:5:6]/repo:tag", { domain: "[2001:db8:1:2:3:4:5:6]", path: "repo", tag: "tag" }],
    ["[2001:db8::1]:5000/repo", { domain: "[2001:db8::1]:5000", path: "repo" }],
    ["[2001:db8::1]:5000/repo:tag", { domain: "[2001:db8::1]:5000", path: "repo", tag: "tag" }],
    [`[2001:db8::1]:5000/repo@${sha}`, { domain: "[2001:db8::1]:5000", path: "repo", digest: sha }],
    [`[2001:db8::1]:5000/repo:tag@${sha}`, { domain: "[2001:db8::1]:5000", path: "repo", tag: "tag", digest: sha }],
    ["[2001:db8::]:5000/repo", { domain: "[2001:db8::]:5000", path: "repo" }],
    ["[::1]:5000/repo", { domain: "[::1]:5000", path: "repo" }],
    ["[fe80::1%eth0]:5000/repo", { error: INVALID_FORMAT }],
    ["[fe80::1%@invalidzone]:5000/repo", { error: INVALID_FORMAT }],
    [`example.com/${"a".repeat(255)}:tag`, { domain: "example.com", path: "a".repeat(255), tag: "tag" }],
    // The domain is re-derived from the grammar, which rejects '_' in hosts: the whole is a path.
    ["test_com.x/foo", { domain: "", path: "test_com.x/foo" }],
    // Everything before the first ':' is checked for case, digest algorithm included.
    [`busybox@SHA256:${FFFF64}`, { error: uppercase("library/busybox@SHA256") }],
    [`busybox:${"t".repeat(128)}`, { domain: "docker.io", path: "library/busybox", tag: "t".repeat(128) }],
    [`busybox:${"t".repeat(129)}`, { error: INVALID_FORMAT }],
    ["busybox:-tag", { error: INVALID_FORMAT }],
    ["busybox:_tag", { domain: "docker.io", path: "library/busybox", tag: "_tag" }],
  ];
  for (const [input, expect] of cases) {
    const label = input.length > 70 ? `${input.slice(0, 70)}…` : input || '""';
    it(label, () => {
      if ("error" in expect) {
        assertRejects(input, expect.error);
        return;
      }
      const ref = parseReference(input);
      const want: Reference = {
        domain: expect.domain,
        path: expect.path,
        ...(expect.tag === undefined ? {} : { tag: expect.tag }),
        ...(expect.digest === undefined ? {} : { digest: expect.digest }),
      };
      assert.deepEqual({ ...ref }, want);
    });
  }
});

describe("formatting", () => {
  const dgst = `sha256:${FFFF64}`;
  const cases: ReadonlyArray<readonly [string, string, string, string]> = [
    // input, formatReference, familiarName, familiarString
    ["busybox", "docker.io/library/busybox", "busybox", "busybox"],
    ["busybox:latest", "docker.io/library/busybox:latest", "busybox", "busybox:latest"],
    [`busybox@${dgst}`, `docker.io/library/busybox@${dgst}`, "busybox", `busybox@${dgst}`],
    [`busybox:1.36@${dgst}`, `docker.io/library/busybox:1.36@${dgst}`, "busybox", `busybox:1.36@${dgst}`],
    ["user/x:v1", "docker.io/user/x:v1", "user/x", "user/x:v1"],
    ["index.docker.io/user/x", "docker.io/user/x", "user/x", "user/x"],
    ["localhost:5000/a/b:t", "localhost:5000/a/b:t", "localhost:5000/a/b", "localhost:5000/a/b:t"],
    ["docker.io/library/a/b", "docker.io/library/a/b", "library/a/b", "library/a/b"],
  ];
  for (const [input, full, name, str] of cases) {
    it(input, () => {
      const ref = parseReference(input);
      assert.equal(formatReference(ref), full);
      assert.equal(familiarName(ref), name);
      assert.equal(familiarString(ref), str);
    });
  }

  it("adds :latest to a bare name", () => {
    assert.equal(familiarString(withDefaultTag(parseReference("busybox"))), "busybox:latest");
  });
});

describe("identifiers", () => {
  it("isFullImageId", () => {
    assert.equal(isFullImageId(FFFF64), true);
    assert.equal(isFullImageId(`sha256:${FFFF64}`), true);
    assert.equal(isFullImageId(FFFF64.slice(1)), false);
    assert.equal(isFullImageId(`${FFFF64}0`), false);
    assert.equal(isFullImageId("F".repeat(64)), false);
    assert.equal(isFullImageId(`sha512:${FFFF64}`), false);
    assert.equal(isFullImageId(""), false);
  });

  it("isIdPrefix", () => {
    assert.equal(isIdPrefix("a"), true);
    assert.equal(isIdPrefix("0123456789ab"), true);
    assert.equal(isIdPrefix(FFFF64), true);
    assert.equal(isIdPrefix("sha256:0123"), true);
    assert.equal(isIdPrefix(""), false);
    assert.equal(isIdPrefix("sha256:"), false);
    assert.equal(isIdPrefix("busybox"), false);
    assert.equal(isIdPrefix("ABC"), false);
    assert.equal(isIdPrefix(`${FFFF64}0`), false);
  });

  it("ANCHORED_DIGEST follows the reference grammar", () => {
    assert.equal(ANCHORED_DIGEST.test(`sha256:${FFFF64}`), true);
    assert.equal(ANCHORED_DIGEST.test(`sha256+b64:${"0".repeat(32)}`), true);
    assert.equal(ANCHORED_DIGEST.test(`sha256:${"0".repeat(31)}`), false);
    assert.equal(ANCHORED_DIGEST.test(FFFF64), false);
    assert.equal(ANCHORED_DIGEST.test(`x sha256:${FFFF64}`), false);
  });
});

describe("robustness", () => {
  it("rejects long pathological input quickly", () => {
    const inputs = ["a".repeat(50_000) + "!", "a-".repeat(25_000) + "!", "a.".repeat(25_000) + "/!", `a/${"b_".repeat(25_000)}:`];
    const start = performance.now();
    for (const input of inputs) assertRejects(input);
    assert.ok(performance.now() - start < 2000, "parsing took too long");
  });
});

// Measured with docker CLI 28.2.2 against dockerd 20.10.24: `docker tag bb Foo/bar` passes the
// CLI (Foo reads as a registry host) and the daemon answers "Error response from daemon: invalid
// reference format: repository name must be lowercase"; `docker tag bb foo/Bar` stops in the CLI
// with the name in parentheses. POST /images/bb/tag?repo=foo/Bar answers the bare sentence.
describe("parseDaemonReference: dockerd 20.10's older normalisation", () => {
  const DAEMON_UPPERCASE = "invalid reference format: repository name must be lowercase";
  for (const input of ["Foo/bar", "Foo/bar:v1", "LOCALDOMAIN/debian", "foo/Bar", "Busybox", "library/Busybox", "localhost:5000/Foo"]) {
    it(`refuses ${input} with the daemon's bare sentence`, () => {
      assert.throws(
        () => parseDaemonReference(input),
        (err: unknown) => err instanceof InvalidArgumentError && err.message === DAEMON_UPPERCASE,
      );
    });
  }
  it("accepts what names a registry by '.', ':' or localhost, in any case", () => {
    assert.equal(formatReference(parseDaemonReference("FOO.io/bar")), "FOO.io/bar");
    assert.equal(formatReference(parseDaemonReference("Foo:5000/bar")), "Foo:5000/bar");
    assert.equal(formatReference(parseDaemonReference("localhost/debian")), "localhost/debian");
    assert.equal(formatReference(parseDaemonReference("busybox")), "docker.io/library/busybox");
  });
  it("keeps the CLI's rule apart: Foo/bar is the registry Foo there", () => {
    assert.equal(parseReference("Foo/bar").domain, "Foo");
  });
});
