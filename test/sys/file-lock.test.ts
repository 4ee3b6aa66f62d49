// tryLock(): shared holders coexist, an exclusive holder excludes everyone, and a release frees it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { tryLock } from "../../src/sys/file-lock.js";

describe("tryLock()", () => {
  it("shared locks coexist; an exclusive one waits for all of them, and excludes them in turn", () => {
    const dir = fs.mkdtempSync(`${os.tmpdir()}/berth-lock-`);
    try {
      const file = `${dir}/l`;
      const a = tryLock(file, { shared: true });
      const b = tryLock(file, { shared: true });
      assert.ok(a && b);
      assert.equal(tryLock(file, { shared: false }), undefined);
      a.release();
      assert.equal(tryLock(file, { shared: false }), undefined, "one shared holder is left");
      b.release();
      const x = tryLock(file, { shared: false });
      assert.ok(x);
      assert.equal(tryLock(file, { shared: true }), undefined);
      assert.equal(tryLock(file, { shared: false }), undefined);
      x.release();
      x.release(); // idempotent
      const y = tryLock(file, { shared: true });
      assert.ok(y);
      y.release();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
