/** A minimal listener set: a throwing listener is logged and never breaks routing. */
import { describeError } from '../errors.js';
import type { Logger } from '../transport/contract.js';
import type { RouterEvent, RouterEventListener } from './types.js';

export class RouterEvents {
  private readonly listeners = new Set<RouterEventListener>();

  constructor(private readonly logger: Logger) {}

  subscribe(listener: RouterEventListener): () => void {
    // Wrapped, so subscribing the same function twice gives two independent subscriptions.
    const entry: RouterEventListener = (event) => listener(event);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  emit(event: RouterEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.warn('router event listener threw', { event: event.type, error: describeError(error) });
      }
    }
  }
}
