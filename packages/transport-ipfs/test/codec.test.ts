import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAnnounce, decodeReply, encodeAnnounce, encodeReply, envelopeCid, MAX_FRAME_BYTES, REFUSALS, type RefusalReason } from '../src/index.js';
import { CID } from 'multiformats/cid';

const fingerprint = fc.stringMatching(/^[0-9A-F]{40}$/);
const reasons = Object.keys(REFUSALS) as RefusalReason[];

describe('announce frames', () => {
  it('round-trip any envelope CID, size and recipient', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.nat(), fingerprint, (bytes, size, to) => {
        const cid = envelopeCid(bytes);
        const decoded = decodeAnnounce(encodeAnnounce({ cid, size, to }));
        expect('announce' in decoded && decoded.announce.cid.equals(cid) && decoded.announce.size === size && decoded.announce.to === to).toBe(true);
      }),
    );
  });

  it('never throw on arbitrary bytes, and refuse what is not an announce', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (bytes) => {
        const decoded = decodeAnnounce(bytes);
        expect('problem' in decoded || 'announce' in decoded).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const decoded = decodeAnnounce(new TextEncoder().encode(JSON.stringify(value)));
        expect('problem' in decoded).toBe(true);
      }),
    );
  });

  it('refuse CIDs that do not name a raw sha2-256 block', () => {
    const raw = envelopeCid(new TextEncoder().encode('{}'));
    const v0 = CID.createV0(raw.multihash as Parameters<typeof CID.createV0>[0]);
    const DAG_PB = 0x70;
    const dag = CID.createV1(DAG_PB, raw.multihash);
    for (const cid of [v0, dag]) {
      const frame = new TextEncoder().encode(JSON.stringify({ v: 1, cid: cid.toString(), size: 2, to: 'A'.repeat(40) }));
      expect(decodeAnnounce(frame)).toMatchObject({ problem: expect.stringContaining('not an envelope block') });
    }
  });

  it('refuse oversized frames, unknown fields and lowercase fingerprints', () => {
    const cid = envelopeCid(new Uint8Array([1])).toString();
    expect(decodeAnnounce(new Uint8Array(MAX_FRAME_BYTES + 1))).toHaveProperty('problem');
    const frame = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    expect(decodeAnnounce(frame({ v: 1, cid, size: 1, to: 'A'.repeat(40), extra: true }))).toHaveProperty('problem');
    expect(decodeAnnounce(frame({ v: 1, cid, size: 1, to: 'a'.repeat(40) }))).toHaveProperty('problem');
    expect(decodeAnnounce(frame({ v: 2, cid, size: 1, to: 'A'.repeat(40) }))).toHaveProperty('problem');
    expect(decodeAnnounce(frame({ v: 1, cid, size: -1, to: 'A'.repeat(40) }))).toHaveProperty('problem');
  });
});

describe('reply frames', () => {
  it('round-trip ok and every refusal', () => {
    expect(decodeReply(encodeReply({ ok: true }))).toEqual({ reply: { ok: true } });
    fc.assert(
      fc.property(fc.constantFrom(...reasons), fc.string({ maxLength: 600 }), (reason, message) => {
        const decoded = decodeReply(encodeReply({ ok: false, reason, message }));
        expect(decoded).toEqual({ reply: { ok: false, reason, message: message.slice(0, 500) } });
      }),
    );
  });

  it('never throw on arbitrary bytes, and do not guess an unknown reason', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (bytes) => {
        const decoded = decodeReply(bytes);
        expect('problem' in decoded || 'reply' in decoded).toBe(true);
      }),
    );
    const unknown = new TextEncoder().encode(JSON.stringify({ v: 1, ok: false, reason: 'teapot', message: '' }));
    expect(decodeReply(unknown)).toMatchObject({ problem: expect.stringContaining('unknown reason') });
  });
});
