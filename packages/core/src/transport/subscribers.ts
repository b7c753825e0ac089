import type { InboundEnvelope, Logger } from './contract.js';
import { describeError } from '../errors.js';

export type EnvelopeSubscriber = (envelope: InboundEnvelope) => void | Promise<void>;

/**
 * The push side of a transport's subscribe(): every arriving envelope goes to each
 * subscriber without waiting for it. A subscriber that fails is logged; the envelope stays
 * with the transport until committed, so receive() still returns it.
 */
export class Subscribers {
  private readonly subscribers = new Set<EnvelopeSubscriber>();

  /** `label` starts the warning, e.g. "tcp transport"; `transport` is the configured name. */
  constructor(
    private readonly label: string,
    private readonly transport: string,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.subscribers.size;
  }

  /** The transport's subscribe(): returns the unsubscribe function. */
  add(onEnvelope: EnvelopeSubscriber): () => void {
    this.subscribers.add(onEnvelope);
    return () => this.subscribers.delete(onEnvelope);
  }

  deliver(envelope: InboundEnvelope): void {
    for (const subscriber of [...this.subscribers]) {
      void Promise.resolve()
        .then(() => subscriber(envelope))
        .catch((error: unknown) => {
          this.logger.warn(`${this.label}: subscriber failed; the envelope stays queued`, { transport: this.transport, error: describeError(error) });
        });
    }
  }
}
