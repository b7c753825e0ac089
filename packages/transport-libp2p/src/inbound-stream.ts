import type { Connection, Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { DEFAULT_MAX_ENVELOPE_BYTES, describeError, type Logger } from '@skcomm/core';
import { AckStatus, decodeFrame, encodeAckFrame, ENVELOPE_HEADER_BYTES, FrameError } from './frames.js';

/** Where inbound envelopes go: answers how the envelope was taken (Queued, Busy, ...). */
export type EnvelopeSink = (envelope: Uint8Array, source: string) => AckStatus;

/**
 * A frame larger than any envelope SKComm allows is a protocol violation: the stream is
 * reset before the frame is buffered. Envelopes over this node's own (smaller) limit are
 * read and refused with a TooLarge ack, so the sender gets a non-retryable answer.
 */
export const MAX_FRAME_BYTES = DEFAULT_MAX_ENVELOPE_BYTES + ENVELOPE_HEADER_BYTES;

/**
 * Serves one inbound `/skcomm/envelope/1.0.0` stream: reads envelope frames in order, hands
 * each to the sink, and acks it with the sink's answer. Bad input resets this stream only.
 */
export async function serveInboundStream(stream: Stream, connection: Connection, maxEnvelopeBytes: number, sink: EnvelopeSink, logger: Logger): Promise<void> {
  const framed = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES });
  const source = connection.remoteAddr.toString();
  try {
    for (;;) {
      const frame = decodeFrame((await framed.read()).subarray());
      if (frame.type !== 'envelope') throw new FrameError('the peer sent an ack frame on the envelope direction');
      // Copy: the frame's buffer may be shared with the stream's read buffer.
      const status = frame.envelope.length > maxEnvelopeBytes ? AckStatus.TooLarge : sink(frame.envelope.slice(), source);
      await framed.write(encodeAckFrame(frame.sequence, status));
    }
  } catch (error) {
    if (isProtocolViolation(error)) {
      logger.warn('libp2p transport: resetting an inbound stream that broke the protocol', { source, error: describeError(error) });
    } else {
      logger.debug('libp2p transport: inbound stream ended', { source, error: describeError(error) });
    }
    stream.abort(error instanceof Error ? error : new Error(String(error)));
  }
}

/** Oversize or malformed frames, as opposed to a peer closing or resetting its stream. */
function isProtocolViolation(error: unknown): boolean {
  return error instanceof FrameError || (error instanceof Error && (error.name === 'InvalidDataLengthError' || error.name === 'InvalidDataLengthLengthError'));
}
