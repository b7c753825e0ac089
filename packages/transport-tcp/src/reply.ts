/**
 * The hop ack: for every frame it accepted into its receive queue, the listener writes
 * one ASCII line back on the same connection, in order: `OK <n>` (n = the frame's number
 * on this connection, from 1). A frame it refuses gets `ERR <reason> <text>`, and the
 * connection is closed. A plain `nc` sender simply prints these lines.
 */
export type ReplyReason =
  | 'frame-too-large'
  | 'not-json-object'
  | 'empty-frame'
  | 'truncated'
  | 'frame-timeout'
  | 'idle-timeout'
  | 'too-many-connections'
  | 'shutting-down';

export type Reply = { ok: true; sequence: number } | { ok: false; reason: string; text: string };

/** Longest reply line a sender reads; anything longer is a protocol violation. */
export const MAX_REPLY_LINE = 512;

export function okLine(sequence: number): string {
  return `OK ${sequence}\n`;
}

export function errorLine(reason: ReplyReason, text: string): string {
  return `ERR ${reason} ${text.replace(/[\r\n]+/g, ' ').slice(0, 300)}\n`;
}

export function parseReply(line: string): Reply | undefined {
  const ok = /^OK (\d{1,15})$/.exec(line);
  if (ok) return { ok: true, sequence: Number(ok[1]) };
  const error = /^ERR ([a-z-]{1,40})(?: (.*))?$/.exec(line);
  if (error) return { ok: false, reason: error[1]!, text: error[2] ?? '' };
  return undefined;
}

/** Splits a byte stream into reply lines (`\n`-terminated, `\r` tolerated). */
export class ReplyLineReader {
  private pending = '';

  /** Lines completed by this chunk; throws when a line grows past MAX_REPLY_LINE. */
  push(chunk: Uint8Array): string[] {
    this.pending += Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    if (this.pending.length > MAX_REPLY_LINE) throw new Error(`a reply line longer than ${MAX_REPLY_LINE} bytes`);
    return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  }
}
