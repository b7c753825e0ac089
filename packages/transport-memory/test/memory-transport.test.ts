import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode, TransportError, type InboundEnvelope } from '@skcomm/core';
import { memory, MemoryNetwork, MemoryTransportError } from '../src/index.js';
import { contextFor, FINGERPRINT_A, FINGERPRINT_B, labelOf, payload } from './support.js';

function pair(network = new MemoryNetwork()) {
  const a = memory({ network })(contextFor(FINGERPRINT_A));
  const b = memory({ network })(contextFor(FINGERPRINT_B));
  return { network, a, b };
}

async function rejection(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!TransportError.isTransportError(error)) throw new Error(`expected a TransportError, got ${String(error)}`);
  return error;
}

describe('MemoryTransport', () => {
  it('moves bytes to the endpoint of the target fingerprint, as a copy', async () => {
    const { a, b } = pair();
    await b.start();
    const bytes = payload('one');
    const result = await a.send(bytes, { fingerprint: FINGERPRINT_B });
    bytes[0] = 0;
    expect(result).toEqual({ transport: 'memory', detail: `memory:${FINGERPRINT_B}` });
    const [inbound] = await b.receive();
    expect(labelOf(inbound!.bytes)).toBe('one');
    expect(inbound!.source).toBe(`memory:${FINGERPRINT_A}`);
  });

  it('refuses, retryably, a send to a fingerprint nobody listens for', async () => {
    const { a, b } = pair();
    const error = await rejection(a.send(payload('x'), { fingerprint: FINGERPRINT_B }));
    expect(error).toBeInstanceOf(MemoryTransportError);
    expect(error.code).toBe(ErrorCode.TransportUnavailable);
    expect(error.retryable).toBe(true);
    await b.start();
    await b.stop();
    expect((await rejection(a.send(payload('x'), { fingerprint: FINGERPRINT_B }))).message).toMatch(/no endpoint is listening/);
  });

  it('refuses, not retryably, a malformed target fingerprint', async () => {
    const { a } = pair();
    for (const fingerprint of ['b2'.repeat(20), 'B2'.repeat(8), '../B2', '']) {
      expect((await rejection(a.send(payload('x'), { fingerprint }))).retryable).toBe(false);
    }
  });

  it('keeps uncommitted envelopes for the fingerprint across a crash (a new transport instance)', async () => {
    const network = new MemoryNetwork();
    const { a, b } = pair(network);
    await b.start();
    await a.send(payload('survivor'), { fingerprint: FINGERPRINT_B });
    await b.receive(); // read, never committed; then the process "dies"
    await b.stop();
    const reborn = memory({ network })(contextFor(FINGERPRINT_B));
    await reborn.start();
    const envelopes = await reborn.receive();
    expect(envelopes.map((envelope) => labelOf(envelope.bytes))).toEqual(['survivor']);
    await envelopes[0]!.commit();
    expect(network.pendingCount(FINGERPRINT_B)).toBe(0);
  });

  it('lets only one started endpoint receive for a fingerprint on a network', async () => {
    const network = new MemoryNetwork();
    const first = memory({ network })(contextFor(FINGERPRINT_B));
    const second = memory({ network })(contextFor(FINGERPRINT_B));
    await first.start();
    const error = await rejection(second.start());
    expect(error.code).toBe(ErrorCode.AlreadyExists);
    expect(error.retryable).toBe(false);
    await first.stop();
    await second.start();
  });

  it('pushes to subscribers what is pending and what arrives, and a failing subscriber leaves it pending', async () => {
    const { network, a, b } = pair();
    await b.start();
    await a.send(payload('before'), { fingerprint: FINGERPRINT_B });
    const seen: string[] = [];
    const unsubscribe = b.subscribe(async (envelope: InboundEnvelope) => {
      seen.push(labelOf(envelope.bytes));
      if (labelOf(envelope.bytes) === 'fails') throw new Error('subscriber broke');
      await envelope.commit();
    });
    await a.send(payload('after'), { fingerprint: FINGERPRINT_B });
    await a.send(payload('fails'), { fingerprint: FINGERPRINT_B });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen.sort()).toEqual(['after', 'before', 'fails']);
    expect((await b.receive()).map((envelope) => labelOf(envelope.bytes))).toEqual(['fails']);
    unsubscribe();
    await a.send(payload('unseen'), { fingerprint: FINGERPRINT_B });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toHaveLength(3);
    expect(network.pendingCount(FINGERPRINT_B)).toBe(2);
  });

  it('needs start() before receive()', async () => {
    const { b } = pair();
    const error = await rejection(b.receive());
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/not started/);
  });

  it('refuses an envelope over maxEnvelopeBytes with E_ENVELOPE_TOO_LARGE', async () => {
    const network = new MemoryNetwork();
    const a = memory({ network, maxEnvelopeBytes: 16 })(contextFor(FINGERPRINT_A));
    expect(a.traits.maxEnvelopeBytes).toBe(16);
    const error = await rejection(a.send(new Uint8Array(17), { fingerprint: FINGERPRINT_B }));
    expect(error.code).toBe(ErrorCode.EnvelopeTooLarge);
    expect(error.retryable).toBe(false);
  });

  it('refuses a context without a valid fingerprint', () => {
    expect(() => memory()(contextFor('not-a-fingerprint'))).toThrow(ConfigError);
  });

  it('declares honest traits', () => {
    const { a } = pair();
    expect(a.traits).toMatchObject({ delivery: 'realtime', stealth: 'high', hopAck: true, duplex: true, maxEnvelopeBytes: 1024 * 1024 });
  });
});
