/** Inbound envelopes for tests, as a transport would hand them to the pipeline. */
import { serializeEnvelope } from '../envelope/parse.js';
import type { Envelope } from '../envelope/schema.js';
import type { InboundEnvelope } from '../transport/contract.js';

export interface TestInboundEnvelope extends InboundEnvelope {
  /** How many times commit() was called. */
  readonly commits: number;
}

export interface InboundOptions {
  transport?: string;
  receivedAt?: Date;
  source?: string;
}

export function inboundEnvelope(input: Envelope | Uint8Array | string, options: InboundOptions = {}): TestInboundEnvelope {
  const bytes =
    typeof input === 'string' ? new TextEncoder().encode(input) : input instanceof Uint8Array ? input : serializeEnvelope(input);
  let commits = 0;
  return {
    bytes,
    transport: options.transport ?? 'memory',
    receivedAt: options.receivedAt ?? new Date(),
    ...(options.source === undefined ? {} : { source: options.source }),
    get commits() {
      return commits;
    },
    async commit() {
      commits++;
    },
  };
}
