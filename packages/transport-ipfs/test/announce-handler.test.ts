/**
 * The recipient's checks, driven directly. Over a real network bitswap already drops a
 * block that does not hash to its CID (see transport.test.ts), so the transport's own
 * check is reached only through a fetch that returns other bytes: simulated here.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '@skcomm/core';
import type { CID } from 'multiformats/cid';
import { answerAnnounce, type AnnounceRecipient } from '../src/announce-handler.js';
import { encodeAnnounce, envelopeCid } from '../src/index.js';
import { envelopeBytes, FINGERPRINT_B } from './support.js';

function recipient(fetched: Uint8Array | Error, overrides: Partial<AnnounceRecipient> = {}) {
  const accepted: string[] = [];
  const discarded: string[] = [];
  const subject: AnnounceRecipient = {
    selfFingerprint: FINGERPRINT_B,
    maxEnvelopeBytes: 10_000,
    fetchTimeoutMs: 100,
    logger: silentLogger,
    isAccepting: () => true,
    isQueued: () => false,
    hasRoomFor: () => true,
    fetch: async () => {
      if (fetched instanceof Error) throw fetched;
      return fetched;
    },
    accept: async (cid: CID) => void accepted.push(cid.toString()),
    discard: async (cid: CID) => void discarded.push(cid.toString()),
    ...overrides,
  };
  return { subject, accepted, discarded };
}

describe('answerAnnounce', () => {
  const bytes = envelopeBytes('handler');
  const cid = envelopeCid(bytes);
  const frame = encodeAnnounce({ cid, size: bytes.length, to: FINGERPRINT_B });

  it('queues bytes that hash to the announced CID', async () => {
    const { subject, accepted } = recipient(bytes);
    expect(await answerAnnounce(subject, frame, 'test')).toEqual({ ok: true });
    expect(accepted).toEqual([cid.toString()]);
  });

  it('refuses and discards bytes that do not, or that differ in length from the announce', async () => {
    const forged = recipient(envelopeBytes('forged!'));
    expect(await answerAnnounce(forged.subject, frame, 'test')).toMatchObject({ ok: false, reason: 'cid-mismatch' });
    expect(forged.accepted).toEqual([]);
    expect(forged.discarded).toEqual([cid.toString()]);
    const lying = recipient(bytes);
    const wrongSize = encodeAnnounce({ cid, size: bytes.length + 1, to: FINGERPRINT_B });
    expect(await answerAnnounce(lying.subject, wrongSize, 'test')).toMatchObject({ ok: false, reason: 'cid-mismatch' });
  });

  it('answers busy, stopping, duplicate and fetch failures without queueing', async () => {
    expect(await answerAnnounce(recipient(bytes, { hasRoomFor: () => false }).subject, frame, 'test')).toMatchObject({ reason: 'busy' });
    expect(await answerAnnounce(recipient(bytes, { isAccepting: () => false }).subject, frame, 'test')).toMatchObject({ reason: 'stopping' });
    const duplicate = recipient(bytes, { isQueued: () => true });
    expect(await answerAnnounce(duplicate.subject, frame, 'test')).toEqual({ ok: true });
    expect(duplicate.accepted).toEqual([]);
    expect(await answerAnnounce(recipient(new Error('timed out')).subject, frame, 'test')).toMatchObject({ reason: 'not-found' });
  });
});
