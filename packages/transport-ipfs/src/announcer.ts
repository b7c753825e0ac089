/**
 * The sender's side of `/skcomm/ipfs-announce/1.0.0`: open a stream to the recipient
 * (reusing the connection when there is one), write the announce, read the reply.
 */
import { lpStream } from '@libp2p/utils';
import type { Libp2p } from '@libp2p/interface';
import { ANNOUNCE_PROTOCOL, decodeReply, encodeAnnounce, MAX_FRAME_BYTES, type Announce, type Reply } from './announce-codec.js';
import type { PeerAddress } from './peer-address.js';

/** Why an announce got no usable reply: the connection failed, or the reply was gibberish. */
export class AnnounceFailure extends Error {
  constructor(
    message: string,
    readonly stage: 'dial' | 'exchange' | 'reply',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AnnounceFailure';
  }
}

export async function announce(libp2p: Libp2p, peer: PeerAddress, message: Announce, signal: AbortSignal): Promise<Reply> {
  let stream;
  try {
    stream = await libp2p.dialProtocol(peer.address, ANNOUNCE_PROTOCOL, { signal });
  } catch (cause) {
    throw new AnnounceFailure(`cannot open an announce stream to ${peer.address.toString()}: ${causeText(cause)}`, 'dial', { cause });
  }
  let frame: Uint8Array;
  try {
    const framed = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES });
    await framed.write(encodeAnnounce(message), { signal });
    frame = (await framed.read({ signal })).subarray();
  } catch (cause) {
    stream.abort(cause instanceof Error ? cause : new Error(String(cause)));
    throw new AnnounceFailure(`the announce exchange with ${peer.peerId.toString()} failed: ${causeText(cause)}`, 'exchange', { cause });
  }
  // The reply is in: closing our side needs no wait (the recipient closes its side after replying).
  stream.close().catch((error: unknown) => stream.abort(error instanceof Error ? error : new Error(String(error))));
  const decoded = decodeReply(frame);
  if ('problem' in decoded) throw new AnnounceFailure(`${peer.peerId.toString()} replied with something else: ${decoded.problem}`, 'reply');
  return decoded.reply;
}

/** libp2p rejects some failures with an Event (a closed stream's 'close'), not an Error. */
function causeText(cause: unknown): string {
  if (cause instanceof Error) return cause.message.split('\n')[0] ?? cause.name;
  if (typeof Event !== 'undefined' && cause instanceof Event) return `the connection ended (${cause.type} event)`;
  return String(cause);
}
