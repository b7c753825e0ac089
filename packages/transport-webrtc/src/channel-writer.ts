/**
 * Flow control for one data channel. werift's SCTP collapses (60-300 msg/s instead of
 * ~9k) when more than 64 KiB are outstanding (notes/feasibility-p2p.md §2), so data
 * frames wait while `bufferedAmount` is at the cap and go out as `bufferedAmountLow`
 * fires. Control frames (ACK, PING, PONG, BYE) are tiny and skip the line, so a busy
 * sender never starves its own acks.
 */
import type { RTCDataChannel } from 'werift';

/** Re-checks bufferedAmount while frames wait, in case a bufferedAmountLow event is missed. */
const RECHECK_MS = 25;

export class ChannelWriter {
  private readonly waiting: Buffer[] = [];
  private readonly drainWaiters: Array<() => void> = [];
  private recheck: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly channel: RTCDataChannel,
    private readonly maxBufferedBytes: number,
  ) {
    channel.bufferedAmountLowThreshold = Math.floor(maxBufferedBytes / 2);
    channel.bufferedAmountLow.subscribe(() => this.flush());
  }

  /** Queues data frames; they go out in order as the channel drains. */
  write(frames: readonly Buffer[]): void {
    if (this.closed) return;
    this.waiting.push(...frames);
    this.flush();
  }

  /**
   * Resolves once every queued data frame has been handed to the channel (or the writer
   * closed): a file lane writes one chunk, waits, then the next, so at most one chunk
   * plus the bufferedAmount cap sits in memory per lane.
   */
  whenDrained(): Promise<void> {
    if (this.closed || this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  writeControl(frame: Buffer): void {
    if (this.closed || this.channel.readyState !== 'open') return;
    this.channel.send(frame);
  }

  close(): void {
    this.closed = true;
    this.waiting.length = 0;
    clearTimeout(this.recheck);
    this.wakeDrainWaiters();
  }

  private flush(): void {
    clearTimeout(this.recheck);
    this.recheck = undefined;
    if (this.closed || this.channel.readyState !== 'open') return;
    while (this.waiting.length > 0 && this.channel.bufferedAmount < this.maxBufferedBytes) {
      this.channel.send(this.waiting.shift()!);
    }
    if (this.waiting.length > 0) this.recheck = setTimeout(() => this.flush(), RECHECK_MS);
    else this.wakeDrainWaiters();
  }

  private wakeDrainWaiters(): void {
    for (const wake of this.drainWaiters.splice(0)) wake();
  }
}
