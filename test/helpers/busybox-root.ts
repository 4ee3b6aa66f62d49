// A temporary root holding busybox:latest for the tests of one describe block, removed after it,
// and `ok`, which runs berth there and insists on exit 0.
import { before, after } from "node:test";
import assert from "node:assert/strict";
import { createTempRoot, type TempRoot } from "./temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "./busybox.js";

export interface BusyboxRoot {
  readonly t: TempRoot;
  ok(args: string[], input?: string): string;
}

/** Call inside describe(): registers the before and after hooks. */
export function useBusyboxRoot(): BusyboxRoot {
  let root: TempRoot | undefined;
  const handle: BusyboxRoot = {
    get t() {
      if (!root) throw new Error("useBusyboxRoot(): the root exists only while the tests run");
      return root;
    },
    ok(args, input) {
      const r = handle.t.berth(args, input === undefined ? {} : { input });
      assert.equal(r.code, 0, `berth ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    },
  };
  before(() => {
    root = createTempRoot();
    handle.ok(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
  });
  after(() => root?.cleanup());
  return handle;
}
