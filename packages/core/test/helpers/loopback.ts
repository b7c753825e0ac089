/**
 * An in-process mailbox network for agent tests: `send` puts the bytes in the target
 * fingerprint's mailbox, `receive` returns what is waiting, `commit` removes it. Each
 * endpoint can be switched down (retryable failure) or made to drop what it sends.
 */
import { TransportError } from '../../src/errors.js';
import { type InboundEnvelope, TRANSPORT_SPECIFICATION_VERSION, type Transport, type TransportTraits } from '../../src/transport/contract.js';
import { defaultTraits } from '../router/test-transports.js';

export interface LoopbackEndpoint extends Transport {
  down: boolean;
  /** Silently lose the next sends for which this returns true. */
  drop: ((bytes: Uint8Array) => boolean) | undefined;
  sentCount: number;
}

export class LoopbackNetwork {
  private readonly mailboxes = new Map<string, Array<{ bytes: Uint8Array; id: number }>>();
  private nextId = 0;

  endpoint(name: string, selfFingerprint: string, init: { priority?: number; traits?: Partial<TransportTraits> } = {}): LoopbackEndpoint {
    const mailboxes = this.mailboxes;
    const endpoint: LoopbackEndpoint = {
      specificationVersion: TRANSPORT_SPECIFICATION_VERSION,
      name,
      priority: init.priority ?? 100,
      traits: { ...defaultTraits, ...init.traits },
      down: false,
      drop: undefined,
      sentCount: 0,
      async start() {},
      async stop() {},
      async isAvailable() {
        return !endpoint.down;
      },
      send: async (bytes, target) => {
        if (endpoint.down) throw new TransportError(`${name} is down`, { transport: name, retryable: true });
        endpoint.sentCount++;
        if (endpoint.drop?.(bytes)) return { transport: name };
        const box = mailboxes.get(target.fingerprint) ?? [];
        box.push({ bytes, id: this.nextId++ });
        mailboxes.set(target.fingerprint, box);
        return { transport: name, detail: `${name}:${target.fingerprint.slice(-8)}` };
      },
      async receive() {
        if (endpoint.down) throw new TransportError(`${name} is down`, { transport: name, retryable: true });
        const box = mailboxes.get(selfFingerprint) ?? [];
        return box.map(
          (item): InboundEnvelope => ({
            bytes: item.bytes,
            transport: name,
            receivedAt: new Date(),
            source: `${name}#${item.id}`,
            async commit() {
              const index = box.findIndex((candidate) => candidate.id === item.id);
              if (index !== -1) box.splice(index, 1);
            },
          }),
        );
      },
      async healthCheck() {
        return { status: endpoint.down ? 'down' : 'up', checkedAt: new Date() };
      },
    };
    return endpoint;
  }

  /** Bytes waiting for `fingerprint`. */
  waiting(fingerprint: string): Uint8Array[] {
    return (this.mailboxes.get(fingerprint) ?? []).map((item) => item.bytes);
  }

  /** Puts bytes in a mailbox directly: a replay or an attacker's injection. */
  inject(fingerprint: string, bytes: Uint8Array): void {
    const box = this.mailboxes.get(fingerprint) ?? [];
    box.push({ bytes, id: this.nextId++ });
    this.mailboxes.set(fingerprint, box);
  }
}
