/**
 * A counting semaphore: at most `size` envelopes sent and not yet acknowledged to one peer.
 * Realtime transports need it because their channels collapse or abort under unbounded
 * pipelining (werift's SCTP, libp2p 3 streams with a 4 MiB read buffer: notes/feasibility-p2p.md).
 */
export class InflightWindow {
  private used = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly size: number) {}

  /** Resolves once a slot is free; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.used < this.size) {
      this.used += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiters.indexOf(grant);
        if (index !== -1) this.waiters.splice(index, 1);
        reject(signal?.reason);
      };
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.used += 1;
        resolve();
      };
      this.waiters.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    this.used -= 1;
    this.waiters.shift()?.();
  }
}
