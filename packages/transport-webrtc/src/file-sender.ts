/**
 * The sending side of the file protocol: one attachment over one link.
 *
 *   FILE_OFFER -> FILE_NEED (the chunks the receiver lacks, its lanes and window)
 *   -> the needed chunks as FILE_DATA over the lanes, read ahead a few at a time, never
 *      more than the window past what the receiver confirmed durable (FILE_HAVE)
 *   -> all durable -> FILE_ENVELOPE -> FILE_DONE (the receiver queued it: the hop ack).
 *
 * Memory is bounded whatever the file size: READ_AHEAD_CHUNKS chunks read and not yet
 * written, one chunk queued per lane, the bufferedAmount cap per lane. The attachment is
 * read only where the receiver lacks it, so a second call after a failure resumes; a need
 * with no range (the receiver holds it all, or committed it before) reads no chunk.
 */
import { ErrorCode, type OutgoingAttachment } from '@skcomm/core';
import { FileLayout } from './chunk-set.js';
import type { ChannelWriter } from './channel-writer.js';
import { LinkClosedError, unavailable, WebrtcTransportError } from './errors.js';
import { FrameError } from './frame-error.js';
import { type ChunkRange, encodeFileCancel, encodeFileData, encodeFileEnvelope, encodeFileOffer, type FileFrame, RejectReason } from './file-frames.js';

/** Chunks read ahead of the lanes (each at most a few MiB; 64 KiB by default). */
const READ_AHEAD_CHUNKS = 8;

export type SenderFrame = Extract<FileFrame, { type: 'file-need' | 'file-have' | 'file-done' | 'file-reject' }>;

export interface FileSenderLink {
  peer: string;
  transportName: string;
  control: ChannelWriter;
  lanes: readonly ChannelWriter[];
  pieceBytes: number;
  envelopePieceBytes: number;
  windowBytes: number;
  /** Longest wait for an answer to the offer and for the final hop ack. */
  answerTimeoutMs: number;
  /** Longest time without progress (FILE_HAVE) while chunks are outstanding. */
  stallTimeoutMs: number;
  /** Routes this id's FILE_NEED/HAVE/DONE/REJECT here; returns the unregister function. */
  register(id: string, onFrame: (frame: SenderFrame) => void): () => void;
  /** Calls back once when the link closes; returns the unsubscribe function. */
  onClose(listener: (reason: Error) => void): () => void;
}

interface Need {
  token: number;
  confirmedBytes: number;
  lanes: number;
  windowBytes: number;
  ranges: ChunkRange[];
}

export async function sendAttachment(link: FileSenderLink, envelope: Uint8Array, attachment: OutgoingAttachment, signal: AbortSignal | undefined): Promise<void> {
  const layout = new FileLayout(attachment.size, attachment.chunkBytes);
  const transfer = new Transfer(link, attachment, layout, signal);
  try {
    await transfer.run(envelope);
  } catch (error) {
    transfer.cancel();
    throw error;
  } finally {
    transfer.dispose();
  }
}

class Transfer {
  private need: Need | undefined;
  private needRanges: ChunkRange[] = [];
  private confirmed = -1;
  /** Every chunk is durable at the receiver (its need was empty, or a FILE_HAVE of the whole size came). */
  private allDurable = false;
  private done = false;
  private rejected: RejectReason | undefined;
  private started = false;
  private lastProgress = -1;
  private failure: Error | undefined;
  /** Woken on every frame or failure: conditions to re-check. */
  private readonly waiters = new Set<() => void>();
  /** Woken only when the transfer fails. */
  private readonly stopListeners = new Set<() => void>();
  private readonly unregister: () => void;
  private readonly unsubscribeClose: () => void;
  private readonly onAbort: () => void;

  constructor(
    private readonly link: FileSenderLink,
    private readonly attachment: OutgoingAttachment,
    private readonly layout: FileLayout,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.unregister = link.register(attachment.id, (frame) => this.onFrame(frame));
    this.unsubscribeClose = link.onClose((reason) => this.stop(this.started ? this.linkLost(reason) : reason instanceof LinkClosedError ? reason : new LinkClosedError(reason.message)));
    this.onAbort = () => this.stop(signal!.reason instanceof Error ? signal!.reason : new Error(String(signal!.reason)));
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  async run(envelope: Uint8Array): Promise<void> {
    this.signal?.throwIfAborted();
    this.link.control.writeControl(encodeFileOffer(this.attachment.id, this.layout.size, this.layout.chunkBytes, envelope.length));
    await this.until(() => this.need !== undefined || this.done || this.rejected !== undefined, this.link.answerTimeoutMs, 'answer the offer');
    this.throwIfRejected();
    if (this.done) {
      this.progress(this.layout.size);
      return;
    }
    const need = this.need!;
    this.started = true;
    this.progress(need.confirmedBytes);
    await this.sendChunks(need);
    await this.until(() => this.allDurable || this.rejected !== undefined, this.link.stallTimeoutMs, 'confirm the last chunks', true);
    this.throwIfRejected();
    this.link.control.write(encodeFileEnvelope(this.attachment.id, envelope, this.link.envelopePieceBytes));
    await this.until(() => this.done || this.rejected !== undefined, this.link.answerTimeoutMs, 'acknowledge the envelope');
    this.throwIfRejected();
  }

  /** The transfer failed or was aborted after the offer: the receiver drops it and keeps the partial. */
  cancel(): void {
    this.link.control.writeControl(encodeFileCancel(this.attachment.id));
  }

  dispose(): void {
    this.unregister();
    this.unsubscribeClose();
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  private async sendChunks(need: Need): Promise<void> {
    const lanes = this.link.lanes.slice(0, Math.min(this.link.lanes.length, need.lanes));
    const window = Math.max(this.layout.chunkBytes, Math.min(this.link.windowBytes, need.windowBytes));
    const feeder = new ChunkFeeder(this.attachment, need.ranges);
    let sent = 0;
    const pump = async (lane: ChannelWriter): Promise<void> => {
      for (let next = feeder.take(); next !== undefined; next = feeder.take()) {
        const chunk = await this.race(next.bytes.catch((error: unknown) => this.readFailure(next.index, error)));
        const expected = this.layout.chunkLength(next.index);
        if (chunk.length !== expected) {
          throw new WebrtcTransportError(`attachment chunk ${next.index} is ${chunk.length} bytes, expected ${expected}`, { transport: this.link.transportName, retryable: false });
        }
        await this.until(() => sent + chunk.length - (this.confirmed - need.confirmedBytes) <= window || this.rejected !== undefined, this.link.stallTimeoutMs, 'make room in the window', true);
        this.throwIfRejected();
        sent += chunk.length;
        lane.write(encodeFileData(need.token, next.index, chunk, this.link.pieceBytes));
        await this.race(lane.whenDrained());
      }
    };
    try {
      await Promise.all(lanes.map(pump));
    } catch (error) {
      // One lane failed: the others stop at their next wait.
      this.stop(error instanceof Error ? error : new Error(String(error)));
      throw this.failure ?? error;
    } finally {
      feeder.discard();
    }
  }

  private onFrame(frame: SenderFrame): void {
    switch (frame.type) {
      case 'file-need':
        if (this.need !== undefined) return; // a need is answered once per offer
        if (this.needRanges.length > 0 && frame.ranges.length > 0 && frame.ranges[0]!.start <= this.needRanges.at(-1)!.end) {
          this.stop(new FrameError('FILE_NEED ranges overlap across frames'));
          return;
        }
        this.needRanges.push(...frame.ranges);
        if (!frame.final) return;
        if ((this.needRanges.at(-1)?.end ?? 0) > this.layout.count || frame.confirmedBytes > this.layout.size) {
          this.stop(new FrameError('FILE_NEED names chunks the attachment does not have'));
          return;
        }
        this.need = { token: frame.token, confirmedBytes: frame.confirmedBytes, lanes: frame.lanes, windowBytes: frame.windowBytes, ranges: this.needRanges };
        this.confirmed = Math.max(this.confirmed, frame.confirmedBytes);
        if (this.needRanges.length === 0) this.allDurable = true;
        break;
      case 'file-have':
        if (frame.confirmedBytes > this.layout.size) {
          this.stop(new FrameError('FILE_HAVE confirms more than the attachment holds'));
          return;
        }
        if (frame.confirmedBytes === this.layout.size) this.allDurable = true;
        if (frame.confirmedBytes <= this.confirmed) {
          this.wake();
          return;
        }
        this.confirmed = frame.confirmedBytes;
        if (this.started) this.progress(frame.confirmedBytes);
        break;
      case 'file-done':
        this.done = true;
        break;
      case 'file-reject':
        this.rejected = frame.reason;
        break;
    }
    this.wake();
  }

  private progress(confirmedBytes: number): void {
    if (confirmedBytes <= this.lastProgress) return;
    this.lastProgress = confirmedBytes;
    try {
      this.attachment.onProgress?.(confirmedBytes, this.layout.size);
    } catch {
      // A failing progress callback is the caller's problem, never the transfer's.
    }
  }

  /**
   * Waits until `ready()` holds, the transfer stops, or `timeoutMs` pass (without progress,
   * when `resetOnProgress`: each FILE_HAVE restarts the clock).
   */
  private async until(ready: () => boolean, timeoutMs: number, what: string, resetOnProgress = false): Promise<void> {
    let deadline = Date.now() + timeoutMs;
    let seen = this.confirmed;
    while (!ready()) {
      if (this.failure) throw this.failure;
      if (resetOnProgress && this.confirmed > seen) {
        seen = this.confirmed;
        deadline = Date.now() + timeoutMs;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw unavailable(this.link.transportName, `${this.link.peer} did not ${what} within ${timeoutMs} ms (at ${Math.max(0, this.confirmed)} of ${this.layout.size} bytes); send again to resume`);
      }
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.waiters.add(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
    if (this.failure) throw this.failure;
  }

  private async race<T>(promise: Promise<T>): Promise<T> {
    if (this.failure) throw this.failure;
    let wake: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      wake = () => reject(this.failure);
      this.stopListeners.add(wake);
    });
    stopped.catch(() => undefined);
    try {
      const value = await Promise.race([promise, stopped]);
      if (this.failure) throw this.failure;
      return value;
    } finally {
      this.stopListeners.delete(wake!);
    }
  }

  private stop(error: Error): void {
    this.failure ??= error;
    for (const listener of [...this.stopListeners]) listener();
    this.wake();
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  private throwIfRejected(): void {
    if (this.rejected === undefined) return;
    const { transportName, peer } = this.link;
    const retryable = this.rejected === RejectReason.Busy || this.rejected === RejectReason.NoSpace || this.rejected === RejectReason.Unavailable;
    const code = this.rejected === RejectReason.Unavailable ? ErrorCode.TransportUnavailable : retryable ? ErrorCode.TransportLoad : ErrorCode.Transport;
    throw new WebrtcTransportError(`${peer} refused the attachment: ${REJECT_WORDS[this.rejected]}`, { transport: transportName, retryable }, code);
  }

  private readFailure(index: number, error: unknown): never {
    if (error instanceof WebrtcTransportError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new WebrtcTransportError(`reading attachment chunk ${index} failed: ${message}`, { transport: this.link.transportName, retryable: false, cause: error });
  }

  private linkLost(reason: Error): Error {
    return unavailable(
      this.link.transportName,
      `the link to ${this.link.peer} closed at ${Math.max(0, this.confirmed)} of ${this.layout.size} attachment bytes (${reason.message}); send again with the same attachment to resume`,
      reason,
    );
  }
}

const REJECT_WORDS: Record<RejectReason, string> = {
  [RejectReason.TooLarge]: 'it is larger than the receiver takes',
  [RejectReason.Busy]: 'the receiver has too many transfers at once',
  [RejectReason.NoSpace]: 'the receiver has no room for it (spool quota or disk)',
  [RejectReason.Mismatch]: 'the receiver holds a partial copy of this attachment id with another size or chunking',
  [RejectReason.Unsupported]: 'the receiver does not take this chunking',
  [RejectReason.Unavailable]: 'the receiver is stopping or could not store it',
};

/** Reads the needed chunks in order, at most READ_AHEAD_CHUNKS ahead of the lanes. */
class ChunkFeeder {
  private readonly ahead: Array<{ index: number; bytes: Promise<Uint8Array> }> = [];
  private range = 0;
  private nextIndex: number;

  constructor(
    private readonly attachment: OutgoingAttachment,
    private readonly ranges: readonly ChunkRange[],
  ) {
    this.nextIndex = ranges[0]?.start ?? 0;
    this.fill();
  }

  take(): { index: number; bytes: Promise<Uint8Array> } | undefined {
    const next = this.ahead.shift();
    this.fill();
    return next;
  }

  /** Stops reading; reads already started are left to settle unobserved. */
  discard(): void {
    this.ahead.length = 0;
    this.range = this.ranges.length;
  }

  private fill(): void {
    while (this.ahead.length < READ_AHEAD_CHUNKS && this.range < this.ranges.length) {
      const index = this.nextIndex;
      const bytes = Promise.resolve().then(() => this.attachment.readChunk(index));
      bytes.catch(() => undefined); // observed when taken; a discarded one must not be "unhandled"
      this.ahead.push({ index, bytes });
      this.nextIndex++;
      if (this.nextIndex >= this.ranges[this.range]!.end) {
        this.range++;
        this.nextIndex = this.ranges[this.range]?.start ?? 0;
      }
    }
  }
}
