import { describe, expect, it } from 'vitest';
import type { InboundEnvelope, Logger } from '../../src/transport/contract.js';
import { Subscribers } from '../../src/transport/subscribers.js';

function recordingLogger(): Logger & { warnings: Array<{ message: string; fields?: Record<string, unknown> }> } {
  const warnings: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  return { warnings, debug() {}, info() {}, error() {}, warn: (message, fields) => void warnings.push({ message, ...(fields ? { fields } : {}) }) };
}

const envelope: InboundEnvelope = { bytes: new Uint8Array([1]), transport: 'tcp-a', receivedAt: new Date(), commit: async () => {} };
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Subscribers', () => {
  it('hands each envelope to every subscriber until it unsubscribes', async () => {
    const subscribers = new Subscribers('tcp transport', 'tcp-a', recordingLogger());
    const seen: string[] = [];
    const unsubscribeA = subscribers.add(() => void seen.push('a'));
    subscribers.add(() => void seen.push('b'));
    subscribers.deliver(envelope);
    await settle();
    unsubscribeA();
    expect(subscribers.size).toBe(1);
    subscribers.deliver(envelope);
    await settle();
    expect(seen).toEqual(['a', 'b', 'b']);
  });

  it('logs a failing subscriber (thrown or rejected) and still serves the others', async () => {
    const logger = recordingLogger();
    const subscribers = new Subscribers('tcp transport', 'tcp-a', logger);
    let served = 0;
    subscribers.add(() => {
      throw new Error('boom');
    });
    subscribers.add(async () => Promise.reject(new Error('later boom')));
    subscribers.add(() => void served++);
    subscribers.deliver(envelope);
    await settle();
    expect(served).toBe(1);
    expect(logger.warnings).toHaveLength(2);
    expect(logger.warnings[0]?.message).toBe('tcp transport: subscriber failed; the envelope stays queued');
    expect(logger.warnings[0]?.fields?.transport).toBe('tcp-a');
  });
});
