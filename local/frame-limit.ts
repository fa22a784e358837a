/**
 * API Gateway closes a WebSocket whose single frame is over 32 KB (code 1009), even when the whole message is
 * within the 128 KB message limit. `ws`'s `maxPayload` only sees messages, so this watches the raw byte stream
 * and reads each frame header (RFC 6455 §5.2) as it arrives, before `ws` has assembled the message.
 *
 * Attach it with `socket.prependListener('data', …)` right after the upgrade, so it sees every chunk before
 * `ws` does; it keeps only a few header bytes and a count of payload bytes to skip.
 */
const MAX_HEADER = 14; // 2 + 8 (extended length) + 4 (mask)

function headerLength(buf: Buffer): number | undefined {
  if (buf.length < 2) return undefined;
  const len7 = buf[1] & 0x7f;
  const ext = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
  return 2 + ext + (buf[1] & 0x80 ? 4 : 0);
}

function payloadLength(buf: Buffer): number {
  const len7 = buf[1] & 0x7f;
  if (len7 === 126) return buf.readUInt16BE(2);
  if (len7 === 127) return Number(buf.readBigUInt64BE(2));
  return len7;
}

/** Returns the `data` listener; it calls `onTooBig` once, for the first data frame over `maxFrameBytes`. */
export function frameSizeWatcher(maxFrameBytes: number, onTooBig: (frameBytes: number) => void): (chunk: Buffer) => void {
  let partial = Buffer.alloc(0);
  let skip = 0;
  let tripped = false;
  return (chunk: Buffer) => {
    let off = 0;
    while (!tripped && off < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - off);
        skip -= n;
        off += n;
        continue;
      }
      const take = Math.min(MAX_HEADER - partial.length, chunk.length - off);
      const candidate = partial.length ? Buffer.concat([partial, chunk.subarray(off, off + take)]) : chunk.subarray(off, off + take);
      const need = headerLength(candidate);
      if (need === undefined || candidate.length < need) {
        partial = Buffer.from(candidate);
        off += take;
        continue;
      }
      off += need - partial.length;
      partial = Buffer.alloc(0);
      const opcode = candidate[0] & 0x0f;
      const size = payloadLength(candidate);
      if (opcode < 0x08 && size > maxFrameBytes) {
        tripped = true;
        onTooBig(size);
        return;
      }
      skip = size;
    }
  };
}
