import type { Libp2p, Stream } from '@libp2p/interface';
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils';
import { ErrorCode, describeError, InflightWindow, type Logger } from '@skcomm/core';
import { fromDialError, Libp2pTransportError, StreamLostError } from './errors.js';
import { AckStatus, decodeFrame, encodeEnvelopeFrame, FrameError, MAX_SEQUENCE, PROTOCOL } from './frames.js';
import type { PeerAddress } from './peer-address.js';

export interface PeerSenderOptions {
  transport: string;
  dialTimeoutMs: number;
  ackTimeoutMs: number;
  maxInFlight: number;
  logger: Logger;
}

interface PendingAck {
  resolve(): void;
  reject(error: Libp2pTransportError): void;
}

/** One open protocol stream to the peer, with the envelopes it still owes acks for. */
interface Channel {
  stream: Stream;
  framed: LengthPrefixedStream<Stream>;
  pending: Map<number, PendingAck>;
  open: boolean;
}

/** Acks are 6 bytes; anything much longer on the ack direction is a protocol violation. */
const MAX_ACK_FRAME_BYTES = 64;

/**
 * Sends envelopes to one peer over one reused `/skcomm/envelope/1.0.0` stream (libp2p
 * reuses the connection too). Each send() resolves on the peer's hop ack; at most
 * `maxInFlight` envelopes are unacked at once.
 */
export class PeerSender {
  private readonly node: Libp2p;
  private readonly peer: PeerAddress;
  private readonly options: PeerSenderOptions;
  private readonly window: InflightWindow;
  private channel: Channel | undefined;
  private opening: Promise<Channel> | undefined;
  private nextSequence = 0;

  constructor(node: Libp2p, peer: PeerAddress, options: PeerSenderOptions) {
    this.node = node;
    this.peer = peer;
    this.address = peer.address.toString();
    this.options = options;
    this.window = new InflightWindow(options.maxInFlight);
  }

  /** The peer's address, for reports. */
  readonly address: string;

  /** Whether a stream is open now (a send on it that fails with StreamLostError may be retried once). */
  get hasOpenStream(): boolean {
    return this.channel?.open === true;
  }

  async send(envelope: Uint8Array, signal?: AbortSignal): Promise<void> {
    await this.window.acquire(signal);
    try {
      const channel = await this.openChannel(signal);
      const sequence = this.nextSequence;
      this.nextSequence = sequence === MAX_SEQUENCE ? 0 : sequence + 1;
      const acked = this.awaitAck(channel, sequence, signal);
      try {
        await channel.framed.write(encodeEnvelopeFrame(sequence, envelope), { signal });
      } catch (error) {
        acked.catch(() => undefined);
        if (signal?.aborted === true) {
          channel.pending.get(sequence)?.reject(this.lost('aborted', error));
          throw error;
        }
        const lost = this.lost(`the stream broke while sending: ${describeError(error)}`, error);
        this.close(channel, lost);
        throw lost;
      }
      await acked;
    } finally {
      this.window.release();
    }
  }

  /** Resets the stream; pending sends fail with a retryable error. */
  destroy(): void {
    if (this.channel !== undefined) this.close(this.channel, this.lost('the transport stopped', undefined));
  }

  /** The open stream, or the one being dialled: concurrent senders share one dial, each bounded by its own signal. */
  private openChannel(signal?: AbortSignal): Promise<Channel> {
    if (this.channel?.open === true) return Promise.resolve(this.channel);
    if (this.opening === undefined) {
      this.opening = this.dial().finally(() => {
        this.opening = undefined;
      });
      // Every caller may have given up (aborted) before the dial ends: its failure is theirs to see, not unhandled.
      this.opening.catch(() => undefined);
    }
    return signal === undefined ? this.opening : raceAbort(this.opening, signal);
  }

  private async dial(): Promise<Channel> {
    const timeout = AbortSignal.timeout(this.options.dialTimeoutMs);
    let stream: Stream;
    try {
      stream = await this.node.dialProtocol(this.peer.address, PROTOCOL, { signal: timeout });
    } catch (error) {
      if (timeout.aborted) {
        throw new Libp2pTransportError(
          `cannot reach ${this.address} within ${this.options.dialTimeoutMs} ms`,
          { transport: this.options.transport, retryable: true, cause: error },
          ErrorCode.TransportUnavailable,
        );
      }
      throw fromDialError(error, this.options.transport, this.address);
    }
    const channel: Channel = { stream, framed: lpStream(stream, { maxDataLength: MAX_ACK_FRAME_BYTES }), pending: new Map(), open: true };
    this.channel = channel;
    void this.readAcks(channel);
    return channel;
  }

  private awaitAck(channel: Channel, sequence: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        channel.pending.delete(sequence);
      };
      const onAbort = () => {
        settle();
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        settle();
        // A stream that owes an ack this long is stuck: start over on a fresh one.
        const error = this.lost(`no hop ack within ${this.options.ackTimeoutMs} ms`, undefined);
        this.close(channel, error);
        reject(error);
      }, this.options.ackTimeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      channel.pending.set(sequence, {
        resolve: () => {
          settle();
          resolve();
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
    });
  }

  private async readAcks(channel: Channel): Promise<void> {
    try {
      for (;;) {
        const frame = decodeFrame((await channel.framed.read()).subarray());
        if (frame.type !== 'ack') throw new FrameError('the peer sent an envelope frame on the ack direction');
        const pending = channel.pending.get(frame.sequence);
        if (frame.status === AckStatus.Queued) pending?.resolve();
        else pending?.reject(this.refusal(frame.status));
      }
    } catch (error) {
      if (channel.open) this.options.logger.debug('libp2p transport: envelope stream ended', { peer: this.peer.peerId.toString(), error: describeError(error) });
      this.close(channel, this.lost(`the stream ended before the hop ack: ${describeError(error)}`, error));
    }
  }

  private refusal(status: AckStatus): Libp2pTransportError {
    const transport = this.options.transport;
    switch (status) {
      case AckStatus.TooLarge:
        return new Libp2pTransportError('the peer refused the envelope as too large', { transport, retryable: false }, ErrorCode.EnvelopeTooLarge);
      case AckStatus.Busy:
        return new Libp2pTransportError("the peer's receive queue is full; try again later", { transport, retryable: true });
      default:
        return new Libp2pTransportError('the peer is stopping', { transport, retryable: true }, ErrorCode.TransportUnavailable);
    }
  }

  private lost(message: string, cause: unknown): StreamLostError {
    return new StreamLostError(`${this.address}: ${message}`, { transport: this.options.transport, retryable: true, cause });
  }

  private close(channel: Channel, error: Libp2pTransportError): void {
    if (this.channel === channel) this.channel = undefined;
    if (!channel.open) return;
    channel.open = false;
    channel.stream.abort(error);
    for (const pending of [...channel.pending.values()]) pending.reject(error);
    channel.pending.clear();
  }
}

/** `promise`, or a rejection with the signal's reason if it aborts first. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
