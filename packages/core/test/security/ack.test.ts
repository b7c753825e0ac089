/**
 * Acks (DESIGN §3): bound to one envelope (id + sha256 of its signed document) and to both
 * fingerprints. A forged, misbound, moved or replayed ack never marks a message delivered.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { serializeEnvelope } from '../../src/envelope/parse.js';
import { ACK_CONTENT_TYPE, ACK_CONTEXT, buildAckBody, parseAckBody } from '../../src/crypto/index.js';
import { ErrorCode } from '../../src/index.js';
import { makeTestAgents } from '../../src/testing/index.js';
import { agentPair, type AgentPair } from '../helpers/agents.js';

let pair: AgentPair;
afterEach(async () => {
  await pair?.cleanup();
});

async function sentAndHandedOff() {
  pair = await agentPair({ retrySeconds: [3600] });
  const { envelopeId } = await pair.alice.send('bob', { body: 'ack me' });
  const entry = (await pair.alice.outbox()).get(envelopeId);
  if (entry === undefined) throw new Error('not in the outbox');
  return entry;
}

/** Bob seals an ack body of our choosing to Alice and drops it in her mailbox. */
async function injectAck(body: string, envelopeId?: string) {
  const { bob, alice } = pair.testAgents;
  const envelope = await bob.seal(alice, { type: 'ack', contentType: ACK_CONTENT_TYPE, body, ...(envelopeId ? { envelopeId } : {}) });
  pair.network.inject(alice.identity.fingerprint, serializeEnvelope(envelope));
  return envelope;
}

describe('ack documents', () => {
  test('parse strictly: exactly the six fields, the ack context, well-formed values', () => {
    const body = buildAckBody({
      envelope_id: '2f1d3c4b-5a69-4e7d-8c9b-0a1b2c3d4e5f',
      document_sha256: 'f'.repeat(64),
      sender_fingerprint: 'A'.repeat(40),
      recipient_fingerprint: 'B'.repeat(40),
    });
    expect(parseAckBody(body).ctx).toBe(ACK_CONTEXT);
    const document = JSON.parse(body) as Record<string, unknown>;
    for (const bad of [
      { ...document, ctx: 'skcomm/envelope/v1' },
      { ...document, extra: 1 },
      { ...document, document_sha256: 'F'.repeat(64) },
      { ...document, envelope_id: '../x' },
      [],
      'ack',
    ]) {
      expect(() => parseAckBody(JSON.stringify(bad))).toThrow(expect.objectContaining({ code: ErrorCode.HeaderMismatch }));
    }
  });
});

describe('acks through the agent', () => {
  test('a valid ack marks the message delivered; the same ack envelope replayed is dropped as a replay', async () => {
    const entry = await sentAndHandedOff();
    const { bob, alice } = pair.testAgents;
    const ack = await injectAck(
      buildAckBody({ envelope_id: entry.envelopeId, document_sha256: entry.documentSha256, sender_fingerprint: alice.identity.fingerprint, recipient_fingerprint: bob.identity.fingerprint }),
    );
    expect(await pair.alice.receive()).toMatchObject({ acks: 1, rejected: [] });
    expect((await pair.alice.outbox()).get(entry.envelopeId)?.state).toBe('delivered');
    pair.network.inject(alice.identity.fingerprint, serializeEnvelope(ack));
    expect(await pair.alice.receive()).toMatchObject({ acks: 0, duplicates: 1, messages: [] });
    expect(await pair.alice.unread()).toEqual([]);
  });

  test('an ack with the wrong document hash (misbound) is quarantined and changes nothing', async () => {
    const entry = await sentAndHandedOff();
    const { bob, alice } = pair.testAgents;
    await injectAck(
      buildAckBody({ envelope_id: entry.envelopeId, document_sha256: '0'.repeat(64), sender_fingerprint: alice.identity.fingerprint, recipient_fingerprint: bob.identity.fingerprint }),
    );
    const result = await pair.alice.receive();
    expect(result.rejected).toEqual([expect.objectContaining({ code: ErrorCode.HeaderMismatch, field: 'ack.document_sha256' })]);
    expect((await pair.alice.outbox()).get(entry.envelopeId)?.state).toBe('handed-off');
  });

  test('an ack naming another acker or another sender is rejected', async () => {
    const entry = await sentAndHandedOff();
    const { alice } = pair.testAgents;
    await injectAck(
      buildAckBody({ envelope_id: entry.envelopeId, document_sha256: entry.documentSha256, sender_fingerprint: alice.identity.fingerprint, recipient_fingerprint: 'C'.repeat(40) }),
    );
    await injectAck(
      buildAckBody({ envelope_id: entry.envelopeId, document_sha256: entry.documentSha256, sender_fingerprint: 'D'.repeat(40), recipient_fingerprint: pair.testAgents.bob.identity.fingerprint }),
    );
    const result = await pair.alice.receive();
    expect(result.rejected.map((rejection) => rejection.code).sort()).toEqual([ErrorCode.HeaderMismatch, ErrorCode.RecipientMismatch]);
    expect((await pair.alice.outbox()).get(entry.envelopeId)?.state).toBe('handed-off');
  });

  test('a forged ack (signed by a key not pinned for Bob) is rejected before it is read', async () => {
    const entry = await sentAndHandedOff();
    const others = await makeTestAgents(['mallory', 'alice'], { connect: false });
    try {
      const { alice } = pair.testAgents;
      const body = buildAckBody({
        envelope_id: entry.envelopeId,
        document_sha256: entry.documentSha256,
        sender_fingerprint: alice.identity.fingerprint,
        recipient_fingerprint: pair.testAgents.bob.identity.fingerprint,
      });
      const envelope = await others.mallory.seal(alice, { type: 'ack', contentType: ACK_CONTENT_TYPE, body });
      const claimed = { ...envelope, from: { name: 'bob', fingerprint: pair.testAgents.bob.identity.fingerprint } };
      pair.network.inject(alice.identity.fingerprint, serializeEnvelope(claimed));
      const result = await pair.alice.receive();
      expect(result.rejected).toEqual([expect.objectContaining({ code: ErrorCode.SignatureInvalid })]);
      expect((await pair.alice.outbox()).get(entry.envelopeId)?.state).toBe('handed-off');
    } finally {
      await others.cleanup();
    }
  });
});
