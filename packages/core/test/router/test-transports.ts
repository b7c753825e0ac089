/**
 * Small real Transport implementations for router tests. transport-memory cannot be
 * used here: it depends on @skcomm/core, so core depending on it would be a cycle.
 */
import { TransportError } from '../../src/errors.js';
import {
  type SendOptions,
  type SendResult,
  type SendTarget,
  TRANSPORT_SPECIFICATION_VERSION,
  type Transport,
  type TransportTraits,
} from '../../src/transport/contract.js';

export interface SentEnvelope {
  bytes: Uint8Array;
  target: SendTarget;
}

export interface TestTransport extends Transport {
  readonly sent: SentEnvelope[];
  availabilityChecks: number;
}

export interface TestTransportInit {
  priority?: number;
  traits?: Partial<TransportTraits>;
  /** false, or a function that decides per call (may throw). Default: available. */
  available?: boolean | (() => Promise<boolean>);
  /** Replaces the default send, which records the envelope and hands it off. */
  send?: (bytes: Uint8Array, target: SendTarget, options: SendOptions) => Promise<SendResult>;
}

export const defaultTraits: TransportTraits = {
  delivery: 'store-and-forward',
  expectedLatencyMs: 10,
  maxEnvelopeBytes: 1024 * 1024,
  stealth: 'medium',
  metadataExposure: 'test transport: nothing leaves the process',
  duplex: true,
  hopAck: true,
};

/** Records every send and hands it off, unless `init` says otherwise. */
export function countingTransport(name: string, init: TestTransportInit = {}): TestTransport {
  const sent: SentEnvelope[] = [];
  const transport: TestTransport = {
    specificationVersion: TRANSPORT_SPECIFICATION_VERSION,
    name,
    priority: init.priority ?? 100,
    traits: { ...defaultTraits, ...init.traits },
    sent,
    availabilityChecks: 0,
    async start() {},
    async stop() {},
    async isAvailable() {
      transport.availabilityChecks++;
      if (typeof init.available === 'function') return init.available();
      return init.available ?? true;
    },
    async send(bytes, target, options = {}) {
      sent.push({ bytes, target });
      if (init.send) return init.send(bytes, target, options);
      return { transport: name, detail: `${name}:${target.address ?? 'no-address'}` };
    },
    async receive() {
      return [];
    },
    async healthCheck() {
      return { status: 'up', checkedAt: new Date() };
    },
  };
  return transport;
}

/** Every send throws `error` (default: a retryable TransportError). */
export function failingTransport(name: string, init: TestTransportInit & { error?: unknown } = {}): TestTransport {
  const error = init.error ?? new TransportError(`${name} is down`, { transport: name, retryable: true });
  return countingTransport(name, {
    ...init,
    send: async () => {
      throw error;
    },
  });
}

export function unavailableTransport(name: string, init: TestTransportInit = {}): TestTransport {
  return countingTransport(name, { ...init, available: false });
}

/**
 * Sends wait for `release()` (or the abort signal). `started` resolves when the first
 * send begins, so a test can act while a send is in flight.
 */
export function slowTransport(name: string, init: TestTransportInit = {}) {
  const started = deferred();
  const gate = deferred();
  const transport = countingTransport(name, {
    ...init,
    send: async (_bytes, _target, options) => {
      started.resolve();
      await new Promise<void>((resolve, reject) => {
        gate.promise.then(resolve, reject);
        options.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true });
      });
      return { transport: name };
    },
  });
  return { transport, started: started.promise, release: () => gate.resolve() };
}

/** A valid request for the tests' envelope. */
export const ENVELOPE_ID = '2f1d3c4b-5a69-4e7d-8c9b-0a1b2c3d4e5f';
export const RECIPIENT = 'A'.repeat(40);
export const ENVELOPE_BYTES = new TextEncoder().encode('{"test":"envelope bytes, opaque to the router"}');

/** Promise.withResolvers, which Node 20 lacks. */
export function deferred(): { promise: Promise<void>; resolve: () => void; reject: (reason: unknown) => void } {
  let resolve!: () => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<void>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
}
