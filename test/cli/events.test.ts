// The event log's pure parts: Docker's filter rules, its JSON with an exact timeNano, and the CLI's line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { eventJson, matchesEvent } from "../../src/engine/events.js";
import { formatEvent } from "../../src/cli/commands/events-command.js";
import { toDockerEvent } from "../../src/engine/events.js";
import type { StoredEvent } from "../../src/store/event-log.js";

const die: StoredEvent = {
  seq: 7,
  timeNano: 1_795_000_000_123_456_789n,
  type: "container",
  action: "die",
  actorId: "a".repeat(64),
  attributes: { image: "busybox", name: "web", exitCode: "3", "com.example.team": "blue" },
};

test("event filters: values of a key are alternatives, keys must all match", () => {
  const f = (entries: [string, string[]][]) => matchesEvent(die, new Map(entries));
  assert.equal(f([]), true);
  assert.equal(f([["type", ["container"]]]), true);
  assert.equal(f([["type", ["image", "volume"]]]), false);
  assert.equal(f([["event", ["start", "die"]]]), true);
  assert.equal(f([["container", ["web"]]]), true, "by name");
  assert.equal(f([["container", ["aaaa"]]]), true, "by ID prefix");
  assert.equal(f([["image", ["busybox"]]]), true);
  assert.equal(f([["label", ["com.example.team=blue"]]]), true);
  assert.equal(f([["label", ["com.example.team=red"]]]), false);
  assert.equal(f([["label", ["com.example.team"]]]), true);
  assert.equal(
    f([
      ["type", ["container"]],
      ["event", ["start"]],
    ]),
    false,
  );
});

test("event JSON keeps timeNano exact and carries the legacy status/id/from", () => {
  const json = eventJson(die);
  assert.match(json, /"timeNano":1795000000123456789\}$/);
  const parsed = JSON.parse(json) as Record<string, unknown>;
  assert.equal(parsed.status, "die");
  assert.equal(parsed.from, "busybox");
  assert.equal(parsed.time, 1_795_000_000);
  assert.deepEqual(parsed.Actor, { ID: die.actorId, Attributes: die.attributes });
});

test("the CLI's line: RFC 3339 with nine digits, type, action, actor, sorted attributes", () => {
  assert.equal(
    formatEvent(toDockerEvent(die), die.timeNano),
    `2026-11-18T11:06:40.123456789Z container die ${die.actorId} (com.example.team=blue, exitCode=3, image=busybox, name=web)\n`,
  );
});
