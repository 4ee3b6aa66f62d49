// attach() against a stand-in for conmon's attach socket (helpers/seqpacket-peer.ts), with the
// orderings of a container's exit forced: they raced in CI ("uv callback of handle_io failed with
// error: EBADF", one run in four of the seed's `run -it`).
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { PassThrough } from "node:stream";
import { attach, connectAttach, type AttachConnection } from "../../src/runtime/attach.js";
import { listenSeqpacket, type SeqpacketListener, type SeqpacketPeer } from "../helpers/seqpacket-peer.js";

const STDOUT = 2;
const STDERR = 3;

function packet(pipe: number, text: string): Buffer {
  return Buffer.concat([Buffer.from([pipe]), Buffer.from(text)]);
}

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString() };
}

function write(conn: AttachConnection, data: string): Promise<void> {
  return new Promise((resolve) => conn.write(Buffer.from(data), resolve));
}

describe("attach() at the container's exit", () => {
  let dir: string;
  let listener: SeqpacketListener;
  let conn: AttachConnection;
  let conmon: SeqpacketPeer;

  beforeEach(async () => {
    dir = fs.mkdtempSync(`${os.tmpdir()}/berth-attach-`);
    listener = listenSeqpacket(`${dir}/attach`);
    conn = await connectAttach(`${dir}/attach`);
    conmon = listener.accept();
  });
  afterEach(() => {
    listener.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("conmon exiting with our last keys unread: the output is whole and the result is 'exited'", async () => {
    // `run -it`: the shell exits on "exit\r"; script(1) then types the terminal's EOF, ^D, which
    // conmon no longer reads. It sends the shell's last output and exits.
    await write(conn, "\x04");
    conn.closeStdin();
    conmon.send(packet(STDOUT, "exit\r\n"));
    conmon.send(packet(STDERR, "bye"));
    conmon.close();
    const out = collect();
    const err = collect();
    assert.equal(await attach(conn, { stdout: out.stream, stderr: err.stream }), "exited");
    assert.equal(out.text(), "exit\r\n");
    assert.equal(err.text(), "bye");
  });

  it("conmon exiting with our keys unread while stdin is still open", async () => {
    await write(conn, "typed late");
    conmon.send(packet(STDOUT, "last"));
    conmon.close();
    const out = collect();
    const stdin = new PassThrough(); // never ends: the user is still there
    assert.equal(await attach(conn, { stdin, stdout: out.stream, stderr: collect().stream }), "exited");
    assert.equal(out.text(), "last");
  });

  it("stdin's end reaches conmon as a half-close, and output after it still arrives", async () => {
    const out = collect();
    const stdin = new PassThrough();
    const result = attach(conn, { stdin, stdout: out.stream, stderr: collect().stream });
    stdin.end("x\n");
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(conmon.readQueued().map(String), ["x\n"]);
    conmon.send(packet(STDOUT, "late\n"));
    conmon.close();
    assert.equal(await result, "exited");
    assert.equal(out.text(), "late\n");
  });
});
