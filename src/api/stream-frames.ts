// Docker's multiplexed stream (pkg/stdcopy): an 8-byte header [stream, 0, 0, 0, size u32 BE] before
// each payload; 1 = stdout, 2 = stderr. A container with a TTY streams raw bytes instead. Stream 3
// (system error) is never sent: docker-modem's demuxer cannot read it.
export type StreamId = 1 | 2;

export function frame(stream: StreamId, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** What to put on the wire for one write of the container's stream. */
export function encodeOutput(tty: boolean, stream: StreamId, payload: Buffer): Buffer {
  return tty ? payload : frame(stream, payload);
}
