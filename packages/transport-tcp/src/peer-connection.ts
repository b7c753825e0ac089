/**
 * One outgoing connection to a peer's listener, reused by every send to that address.
 * Frames are pipelined; the listener acks them in order (`OK <n>`), so the n-th ack
 * settles the n-th send. A send resolves only on its ack: the frame is then in the
 * receiver's queue. Anything that breaks the connection fails every un-acked send with a
 * retryable error (the frame may or may not have arrived: the outbox resends and the
 * receiver deduplicates by envelope_id).
 */
import { connect, type Socket } from 'node:net';
import { ErrorCode, type Logger } from '@skcomm/core';
import { formatHostPort, type HostPort } from './address.js';
import { ConnectionLostError, errnoOf, fromSocketError, TcpTransportError } from './errors.js';
import { parseReply, ReplyLineReader, type Reply } from './reply.js';

export interface PeerConnectionOptions {
  transport: string;
  connectTimeoutMs: number;
  ackTimeoutMs: number;
  idleTimeoutMs: number;
  logger: Logger;
}

interface PendingFrame {
  sequence: number;
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Reasons the receiver gives that no retry can fix. */
const FINAL_REASONS: Record<string, ErrorCode> = {
  'frame-too-large': ErrorCode.EnvelopeTooLarge,
  'not-json-object': ErrorCode.EnvelopeInvalid,
  'empty-frame': ErrorCode.EnvelopeInvalid,
};

export class PeerConnection {
  readonly address: string;
  private readonly options: PeerConnectionOptions;
  private readonly socket: Socket;
  private readonly connected: Promise<void>;
  private readonly pending: PendingFrame[] = [];
  private readonly reader = new ReplyLineReader();
  private nextSequence = 1;
  private failure: TcpTransportError | undefined;
  private closedFlag = false;

  constructor(target: HostPort, options: PeerConnectionOptions, onClose: () => void) {
    this.address = formatHostPort(target);
    this.options = options;
    this.socket = connect({ host: target.host, port: target.port, noDelay: true });
    this.connected = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(new TcpTransportError(`no connection to ${this.address} within ${options.connectTimeoutMs} ms`, { transport: options.transport, retryable: true }, ErrorCode.TransportUnavailable)),
        options.connectTimeoutMs,
      );
      this.socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.once('close', () => {
        clearTimeout(timer);
        reject(this.closeError());
      });
    });
    // Nobody may be awaiting the connection when it fails; the sends see it.
    this.connected.catch(() => undefined);
    // Close before the listener's idle timeout would, so both ends rarely race on a closing socket.
    this.socket.setTimeout(Math.max(50, Math.floor(options.idleTimeoutMs / 2)));
    this.socket.on('timeout', () => {
      if (this.pending.length === 0) this.close();
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('end', () => this.close());
    this.socket.on('error', (error) => {
      const errno = errnoOf(error);
      this.failure ??=
        errno === 'ECONNRESET' || errno === 'EPIPE'
          ? new ConnectionLostError(`the connection to ${this.address} was reset (${errno})`, { transport: options.transport, retryable: true, cause: error })
          : fromSocketError(error, options.transport, this.address);
    });
    this.socket.on('close', () => {
      this.closedFlag = true;
      const error = this.closeError();
      for (const frame of this.pending.splice(0)) {
        clearTimeout(frame.timer);
        frame.reject(error);
      }
      onClose();
    });
  }

  /** False once the connection is closing: new sends need a new connection. */
  get usable(): boolean {
    return !this.closedFlag && this.failure === undefined && this.socket.writable;
  }

  /** Writes one frame and resolves on its hop ack. */
  async send(parts: readonly Uint8Array[], signal?: AbortSignal): Promise<void> {
    await this.connected;
    if (this.socket.writableNeedDrain) await this.drained();
    signal?.throwIfAborted();
    if (!this.usable) throw this.closeError();
    const acked = new Promise<void>((resolve, reject) => {
      const sequence = this.nextSequence++;
      const timer = setTimeout(
        () => this.fail(new TcpTransportError(`no hop ack from ${this.address} within ${this.options.ackTimeoutMs} ms`, { transport: this.options.transport, retryable: true })),
        this.options.ackTimeoutMs,
      );
      this.pending.push({ sequence, resolve, reject, timer });
    });
    this.socket.cork();
    for (const part of parts) this.socket.write(part);
    this.socket.uncork();
    if (signal === undefined) return acked;
    // An abort after the write cannot unsend the frame; it only stops the caller waiting.
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      acked.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Ends the connection gracefully (un-acked frames fail when it closes). */
  close(): void {
    this.closedFlag = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  destroy(): void {
    this.closedFlag = true;
    this.socket.destroy();
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  private onData(chunk: Buffer): void {
    let lines: string[];
    try {
      lines = this.reader.push(chunk);
    } catch (error) {
      return this.fail(this.protocolError(error instanceof Error ? error.message : String(error)));
    }
    for (const line of lines) {
      const reply = parseReply(line);
      if (reply === undefined) return this.fail(this.protocolError(`unreadable reply ${JSON.stringify(line.slice(0, 80))}`));
      this.onReply(reply);
    }
  }

  private onReply(reply: Reply): void {
    if (reply.ok) {
      const frame = this.pending[0];
      if (frame === undefined || frame.sequence !== reply.sequence) {
        return this.fail(this.protocolError(`ack OK ${reply.sequence} does not match frame ${frame?.sequence ?? '(none pending)'}`));
      }
      this.pending.shift();
      clearTimeout(frame.timer);
      frame.resolve();
      return;
    }
    // `ERR <reason> <n> <text>`: frame n is refused for that reason; the connection closes.
    const [sequenceText, ...rest] = reply.text.split(' ');
    const sequence = Number(sequenceText);
    const text = rest.join(' ');
    const code = FINAL_REASONS[reply.reason];
    const refused = this.pending.find((frame) => frame.sequence === sequence);
    if (refused !== undefined) {
      this.pending.splice(this.pending.indexOf(refused), 1);
      clearTimeout(refused.timer);
      refused.reject(
        new TcpTransportError(`${this.address} refused the envelope: ${reply.reason} (${text})`, { transport: this.options.transport, retryable: code === undefined }, code ?? ErrorCode.Transport),
      );
    }
    this.failure ??= new TcpTransportError(`${this.address} closed the connection: ${reply.reason} (${text})`, { transport: this.options.transport, retryable: true });
    this.close();
  }

  private protocolError(detail: string): TcpTransportError {
    return new TcpTransportError(`${this.address} does not speak the skcomm tcp protocol: ${detail}`, { transport: this.options.transport, retryable: true });
  }

  private fail(error: TcpTransportError): void {
    this.failure ??= error;
    this.destroy();
  }

  private closeError(): TcpTransportError {
    return (
      this.failure ??
      new ConnectionLostError(`the connection to ${this.address} closed before the hop ack`, { transport: this.options.transport, retryable: true }, ErrorCode.TransportUnavailable)
    );
  }
}
