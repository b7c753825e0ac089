/**
 * One accepted connection: cuts its bytes into frames, hands each to the receive queue
 * and acks it (`OK <n>`), in order. Guards: a frame deadline (slowloris: once a frame has
 * begun, all of it must arrive in time), an idle timeout, the frame size limit, and TCP
 * backpressure (reading pauses while the queue is full). Any bad input ends this one
 * connection with `ERR <reason> <n> <text>`; it never throws out of here.
 */
import type { Socket } from 'node:net';
import type { Logger } from '@skcomm/core';
import { AutoDetectDecoder } from './framing/detect.js';
import { FrameError } from './framing/frame-error.js';
import { errorLine, okLine, type ReplyReason } from './reply.js';

export interface FrameSink {
  /** Queues the frame if there is room now; false when full. */
  tryAccept(bytes: Uint8Array, source: string): boolean;
  /** Calls back whenever room may have been freed, until unsubscribed. */
  onSpace(callback: () => void): () => void;
}

export interface InboundLimits {
  maxFrameBytes: number;
  idleTimeoutMs: number;
  frameTimeoutMs: number;
}

/** How long a refused peer gets to read the ERR line before the socket is destroyed. */
const CLOSE_GRACE_MS = 1000;

export class InboundConnection {
  readonly source: string;
  private readonly socket: Socket;
  private readonly sink: FrameSink;
  private readonly limits: InboundLimits;
  private readonly logger: Logger;
  private readonly decoder: AutoDetectDecoder;
  /** Frames decoded but not yet queued, because the queue was full. */
  private parked: Uint8Array[] = [];
  private acked = 0;
  private closing = false;
  private endAfterDrain = false;
  /** A bad frame was seen after good ones: refuse it once the good ones are acked. */
  private refusal: { reason: ReplyReason; text: string } | undefined;
  private frameTimer: NodeJS.Timeout | undefined;
  private unsubscribeSpace: (() => void) | undefined;

  constructor(socket: Socket, sink: FrameSink, limits: InboundLimits, logger: Logger) {
    this.socket = socket;
    this.sink = sink;
    this.limits = limits;
    this.logger = logger;
    this.source = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.decoder = new AutoDetectDecoder(limits.maxFrameBytes);
    socket.setTimeout(limits.idleTimeoutMs);
    socket.on('timeout', () => {
      // Paused by us for room in the queue: the peer is not idle, we are.
      if (this.parked.length === 0) this.refuse('idle-timeout', `no bytes for ${limits.idleTimeoutMs} ms`);
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', (error) => this.logger.debug('tcp transport: inbound connection error', { source: this.source, error: error.message }));
    socket.on('close', () => this.cleanUp());
  }

  /** Ends the connection at once (transport stopping). */
  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }

  /** Refuses the next frame and closes: `ERR <reason> <n> <text>`. */
  refuse(reason: ReplyReason, text: string): void {
    if (this.closing) return;
    this.closing = true;
    this.parked = [];
    this.clearFrameTimer();
    this.logger.debug('tcp transport: closing inbound connection', { source: this.source, reason, detail: text });
    this.socket.end(errorLine(reason, `${this.acked + 1} ${text}`));
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  /** A bug, not bad input: drop this connection (the sender retries) and keep the listener alive. */
  private abandon(error: unknown): void {
    this.logger.error('tcp transport: dropping an inbound connection after an internal error', { source: this.source, error: String(error) });
    this.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closing || this.refusal !== undefined) return;
    let frames: Uint8Array[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      if (!(error instanceof FrameError)) return this.abandon(error);
      this.clearFrameTimer();
      this.refusal = { reason: error.reason, text: error.message };
      this.parked.push(...error.completedFrames);
      return this.drainParked();
    }
    this.updateFrameDeadline(frames.length > 0);
    if (frames.length === 0) return;
    this.parked.push(...frames);
    this.drainParked();
  }

  private onEnd(): void {
    if (this.closing || this.refusal !== undefined) return;
    try {
      this.decoder.finish();
    } catch (error) {
      if (error instanceof FrameError) return this.refuse(error.reason, error.message);
      return this.abandon(error);
    }
    this.clearFrameTimer();
    if (this.parked.length === 0) this.finishWriting();
    else this.endAfterDrain = true;
  }

  private drainParked(): void {
    while (this.parked.length > 0 && !this.closing) {
      const frame = this.parked[0]!;
      if (!this.sink.tryAccept(frame, this.source)) {
        this.socket.pause();
        this.unsubscribeSpace ??= this.sink.onSpace(() => this.drainParked());
        return;
      }
      this.parked.shift();
      this.acked++;
      this.socket.write(okLine(this.acked));
    }
    if (this.unsubscribeSpace !== undefined) {
      this.unsubscribeSpace();
      this.unsubscribeSpace = undefined;
      this.socket.resume();
    }
    if (this.parked.length > 0) return;
    if (this.refusal !== undefined) this.refuse(this.refusal.reason, this.refusal.text);
    else if (this.endAfterDrain) this.finishWriting();
  }

  private finishWriting(): void {
    this.closing = true;
    this.socket.end();
  }

  private updateFrameDeadline(framesCompleted: boolean): void {
    if (!this.decoder.inFrame) return this.clearFrameTimer();
    if (this.frameTimer !== undefined && !framesCompleted) return;
    this.clearFrameTimer();
    this.frameTimer = setTimeout(
      () => this.refuse('frame-timeout', `a frame did not complete within ${this.limits.frameTimeoutMs} ms`),
      this.limits.frameTimeoutMs,
    );
  }

  private clearFrameTimer(): void {
    if (this.frameTimer !== undefined) clearTimeout(this.frameTimer);
    this.frameTimer = undefined;
  }

  private cleanUp(): void {
    this.closing = true;
    this.parked = [];
    this.clearFrameTimer();
    this.unsubscribeSpace?.();
    this.unsubscribeSpace = undefined;
  }
}
