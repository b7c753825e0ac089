/**
 * Push for a pull transport: while started and subscribed, calls `fetch()` every
 * `intervalMs` and hands each envelope to every subscriber. An envelope a subscriber is
 * still handling is not pushed again meanwhile; one never committed is pushed again on
 * a later round.
 */
import { describeError, type InboundEnvelope, type Logger } from '@skcomm/core';

type Subscriber = (envelope: InboundEnvelope) => void | Promise<void>;

export interface PollerSettings {
  intervalMs: number;
  fetch: () => Promise<InboundEnvelope[]>;
  transport: string;
  logger: Logger;
}

export class Poller {
  private readonly subscribers = new Set<Subscriber>();
  /** Sources being handled by subscribers right now. */
  private readonly pushing = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private polling = false;

  constructor(private readonly settings: PollerSettings) {}

  start(): void {
    this.running = true;
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    this.schedule(0);
    return () => {
      this.subscribers.delete(subscriber);
    };
  }

  private schedule(delayMs: number): void {
    if (!this.running || this.subscribers.size === 0 || this.polling) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), delayMs);
  }

  private async poll(): Promise<void> {
    this.timer = undefined;
    // Unsubscribed or stopped since this round was scheduled: nobody to push to.
    if (!this.running || this.subscribers.size === 0) return;
    this.polling = true;
    try {
      const envelopes = await this.settings.fetch();
      for (const envelope of envelopes) {
        const key = envelope.source ?? '';
        if (this.running && !this.pushing.has(key)) this.push(key, envelope);
      }
    } catch (error) {
      this.settings.logger.debug('ssh transport: poll failed; will look again', { transport: this.settings.transport, error: describeError(error) });
    } finally {
      this.polling = false;
      this.schedule(this.settings.intervalMs);
    }
  }

  private push(key: string, envelope: InboundEnvelope): void {
    this.pushing.add(key);
    const deliveries = [...this.subscribers].map((subscriber) => Promise.resolve().then(() => subscriber(envelope)));
    void Promise.allSettled(deliveries).then((results) => {
      this.pushing.delete(key);
      for (const result of results) {
        if (result.status === 'rejected') {
          this.settings.logger.warn('ssh transport: subscriber failed; the file stays in the pull folder', {
            transport: this.settings.transport,
            source: key,
            error: describeError(result.reason),
          });
        }
      }
    });
  }
}
