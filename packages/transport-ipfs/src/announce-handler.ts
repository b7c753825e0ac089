/**
 * The recipient's side of `/skcomm/ipfs-announce/1.0.0`: read one announce, check it,
 * fetch the block by CID with bitswap, verify it hashes to that CID, queue it, reply.
 * Every failure becomes a refusal sent back (or a reset stream); nothing here throws
 * into libp2p, so a hostile peer cannot break the receive loop.
 */
import { lpStream } from '@libp2p/utils';
import { describeError, type Logger } from '@skcomm/core';
import type { Connection, Stream } from '@libp2p/interface';
import type { CID } from 'multiformats/cid';
import { decodeAnnounce, encodeReply, MAX_FRAME_BYTES, type Reply } from './announce-codec.js';
import { blockMatches } from './block.js';

/** A peer gets this long to send its announce frame after opening the stream. */
const ANNOUNCE_READ_TIMEOUT_MS = 10_000;

export interface AnnounceRecipient {
  readonly selfFingerprint: string;
  readonly maxEnvelopeBytes: number;
  readonly fetchTimeoutMs: number;
  readonly logger: Logger;
  /** False once stopping: announcements are then refused as `stopping`. */
  isAccepting(): boolean;
  isQueued(cid: CID): boolean;
  hasRoomFor(length: number): boolean;
  /** Fetches the block (bitswap), however it gets it; rejects on timeout. */
  fetch(cid: CID, signal: AbortSignal): Promise<Uint8Array>;
  /** Queues verified bytes; resolves once they are held (pinned) until commit(). */
  accept(cid: CID, bytes: Uint8Array, source: string): Promise<void>;
  /** Drops a fetched block that was refused. */
  discard(cid: CID): Promise<void>;
}

export async function handleAnnounce(recipient: AnnounceRecipient, stream: Stream, connection: Connection): Promise<void> {
  const source = `${connection.remoteAddr.toString()}`;
  const framed = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES });
  try {
    const frame = await framed.read({ signal: AbortSignal.timeout(ANNOUNCE_READ_TIMEOUT_MS) });
    const reply = await answerAnnounce(recipient, frame.subarray(), source);
    if (!reply.ok) recipient.logger.debug('ipfs transport: announcement refused', { source, reason: reply.reason, message: reply.message });
    await framed.write(encodeReply(reply));
    await stream.close();
  } catch (error) {
    recipient.logger.debug('ipfs transport: announce stream failed', { source, error: describeError(error) });
    stream.abort(error instanceof Error ? error : new Error(describeError(error)));
  }
}

/** The reply to one announce frame; exported for tests of the checks without a network. */
export async function answerAnnounce(recipient: AnnounceRecipient, frame: Uint8Array, source: string): Promise<Reply> {
  if (!recipient.isAccepting()) return { ok: false, reason: 'stopping', message: 'the recipient is stopping' };
  const decoded = decodeAnnounce(frame);
  if ('problem' in decoded) return { ok: false, reason: 'bad-announce', message: decoded.problem };
  const { cid, size, to } = decoded.announce;
  if (to !== recipient.selfFingerprint) return { ok: false, reason: 'wrong-recipient', message: 'this node does not receive for that fingerprint' };
  if (size > recipient.maxEnvelopeBytes) {
    return { ok: false, reason: 'too-large', message: `${size} bytes announced; this node accepts at most ${recipient.maxEnvelopeBytes}` };
  }
  // Announced again while still queued (the sender retried after a lost reply): already held.
  if (recipient.isQueued(cid)) return { ok: true };
  if (!recipient.hasRoomFor(size)) return { ok: false, reason: 'busy', message: 'the queue of uncommitted envelopes is full' };
  let bytes: Uint8Array;
  try {
    bytes = await recipient.fetch(cid, AbortSignal.timeout(recipient.fetchTimeoutMs));
  } catch (error) {
    return { ok: false, reason: 'not-found', message: `block not fetched within ${recipient.fetchTimeoutMs} ms: ${describeError(error)}` };
  }
  if (!blockMatches(cid, bytes) || bytes.length !== size) {
    await recipient.discard(cid);
    return { ok: false, reason: 'cid-mismatch', message: `the ${bytes.length} bytes fetched do not hash to ${cid.toString()}` };
  }
  await recipient.accept(cid, bytes, source);
  return { ok: true };
}
