// readQueuedPackets(): what is left on a SOCK_SEQPACKET socket, and whether the peer's end was
// reached; above all after a peer closed with our packets unread (ECONNRESET, then its data).
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { connectSeqpacket, readQueuedPackets } from "../../src/sys/seqpacket.js";
import { listenSeqpacket, type SeqpacketListener, type SeqpacketPeer } from "../helpers/seqpacket-peer.js";

describe("readQueuedPackets()", () => {
  let dir: string;
  let listener: SeqpacketListener;
  let fd: number;
  let peer: SeqpacketPeer;

  beforeEach(() => {
    dir = fs.mkdtempSync(`${os.tmpdir()}/berth-seqpacket-`);
    listener = listenSeqpacket(`${dir}/s`);
    fd = connectSeqpacket(`${dir}/s`);
    peer = listener.accept();
  });
  afterEach(() => {
    fs.closeSync(fd);
    listener.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a live peer: the queued packets, one by one, and not the end", () => {
    peer.send(Buffer.from("a"));
    peer.send(Buffer.from("bc"));
    const { packets, atEnd } = readQueuedPackets(fd, 1024);
    assert.deepEqual(packets.map(String), ["a", "bc"]);
    assert.equal(atEnd, false);
    peer.close();
  });

  it("a peer that closed: its packets, then the end", () => {
    peer.send(Buffer.from("last"));
    peer.close();
    assert.deepEqual(readQueuedPackets(fd, 1024), { packets: [Buffer.from("last")], atEnd: true });
  });

  it("a peer that closed with our packet unread: ECONNRESET is passed, its packets and the end follow", () => {
    fs.writeSync(fd, Buffer.from("unread"));
    peer.send(Buffer.from("last"));
    peer.close();
    assert.deepEqual(readQueuedPackets(fd, 1024), { packets: [Buffer.from("last")], atEnd: true });
  });

  it("connectSeqpacket() names the failure", () => {
    assert.throws(() => connectSeqpacket(`${dir}/nothing`), /connect .*nothing: ENOENT/);
    assert.throws(() => connectSeqpacket(`${dir}/${"x".repeat(110)}`), /ENAMETOOLONG/);
  });
});
