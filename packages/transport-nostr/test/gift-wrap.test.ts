/**
 * The gift-wrap layer on its own: round trips, and every NIP-17/NIP-59 rule on the way
 * in (threat model A6 and (d) item 10), each rejected with a typed error.
 */
import fc from 'fast-check';
import { wrapEvent as nip17Wrap } from 'nostr-tools/nip17';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GIFT_WRAP_KIND,
  MAX_CARRIED_ENVELOPE_BYTES,
  NostrEventRejectedError,
  SKCOMM_TAG,
  unwrapEnvelope,
  wrapEnvelope,
  type NostrRejectionReason,
} from '../src/index.js';
import { useSignatureBackend } from '../src/signatures.js';
import { handWrap as craft, nowSeconds as now, party, type HandWrapOptions } from './crafted-events.js';

const alice = party();
const bob = party();
const mallory = party();
const bobContext = { ...bob, maxEnvelopeBytes: MAX_CARRIED_ENVELOPE_BYTES };

function expectRejected(input: unknown, reason: NostrRejectionReason, context = bobContext): void {
  try {
    unwrapEnvelope(input, context);
  } catch (error) {
    expect(error).toBeInstanceOf(NostrEventRejectedError);
    expect((error as NostrEventRejectedError).reason).toBe(reason);
    return;
  }
  expect.unreachable(`accepted an event that should be rejected as ${reason}`);
}

const handWrap = (options: Omit<HandWrapOptions, 'sender' | 'recipient'>) => craft({ sender: alice, recipient: bob.publicKey, ...options });

describe.each(['pure', 'wasm'] as const)('with %s signatures', (backend) => {
  beforeAll(() => useSignatureBackend(backend));
  afterAll(() => useSignatureBackend('pure'));

  describe('gift wrap round trip', () => {
    it('carries any bytes byte-exact, and names the sealing key as the sender', () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 1, maxLength: 2048 }), (bytes) => {
          const opened = unwrapEnvelope(wrapEnvelope(bytes, alice, bob.publicKey), bobContext);
          expect(Buffer.from(opened.bytes).equals(Buffer.from(bytes))).toBe(true);
          expect(opened.senderPublicKey).toBe(alice.publicKey);
        }),
        { numRuns: 50 },
      );
    });

    it('hides the sender and the time: a one-time key signs the wrap, and created_at lies up to two days back', () => {
      const before = now();
      const wraps = Array.from({ length: 20 }, () => wrapEnvelope(new Uint8Array([1]), alice, bob.publicKey));
      expect(new Set(wraps.map((wrap) => wrap.pubkey)).size).toBe(20);
      expect(wraps.map((wrap) => wrap.pubkey)).not.toContain(alice.publicKey);
      for (const wrap of wraps) {
        expect(wrap.kind).toBe(GIFT_WRAP_KIND);
        expect(wrap.tags).toEqual([['p', bob.publicKey]]);
        expect(wrap.created_at).toBeLessThanOrEqual(now());
        expect(wrap.created_at).toBeGreaterThanOrEqual(before - 2 * 24 * 3600);
      }
    });

    it('fits the largest envelope it advertises, with every byte value', () => {
      const bytes = new Uint8Array(MAX_CARRIED_ENVELOPE_BYTES).map((_, index) => index % 256);
      const opened = unwrapEnvelope(wrapEnvelope(bytes, alice, bob.publicKey), bobContext);
      expect(opened.bytes.length).toBe(MAX_CARRIED_ENVELOPE_BYTES);
    });

    it('refuses an envelope larger than the receiver accepts', () => {
      expectRejected(wrapEnvelope(new Uint8Array(200), alice, bob.publicKey), 'too-large', { ...bobContext, maxEnvelopeBytes: 199 });
    });
  });

  describe('unwrapping rejects, with a typed reason', () => {
    it('a seal signed by one key holding a rumor that names another author (NIP-17 impersonation)', () => {
      expectRejected(handWrap({ sealSigner: mallory, rumor: { pubkey: alice.publicKey } }), 'pubkey-mismatch');
    });

    it('a validly signed event of the wrong kind at each layer', () => {
      expectRejected(handWrap({ wrapKind: 1 }), 'wrong-kind');
      expectRejected(handWrap({ sealKind: 1 }), 'wrong-kind');
      expectRejected(handWrap({ rumor: { kind: 1 } }), 'wrong-kind');
    });

    it('a gift wrap for someone else, or encrypted to someone else', () => {
      expectRejected(handWrap({ wrapRecipientTag: mallory.publicKey }), 'not-for-us');
      expectRejected(handWrap({ encryptWrapTo: mallory.publicKey }), 'decrypt-failed');
      expectRejected(handWrap({ rumor: { tags: [['p', mallory.publicKey], [...SKCOMM_TAG]] } }), 'not-for-us');
    });

    it('an ordinary NIP-17 chat message to the same key', () => {
      expectRejected(nip17Wrap(alice.secretKey, { publicKey: bob.publicKey }, 'hello bob'), 'not-skcomm');
    });

    it('a rumor whose content is not base64, or empty', () => {
      expectRejected(handWrap({ rumor: { content: 'not base64!' } }), 'malformed');
      expectRejected(handWrap({ rumor: { content: '' } }), 'malformed');
    });

    it('a gift wrap whose signature or content was changed', () => {
      const wrap = wrapEnvelope(new Uint8Array([1, 2, 3]), alice, bob.publicKey);
      expectRejected({ ...wrap, sig: wrap.sig.replace(/^./, (c) => (c === '0' ? '1' : '0')) }, 'bad-signature');
      expectRejected({ ...wrap, content: `${wrap.content.slice(0, -4)}AAAA` }, 'bad-signature');
      expectRejected({ ...wrap, created_at: wrap.created_at - 1 }, 'bad-signature');
    });

    it('anything at all, with a NostrEventRejectedError and nothing else', () => {
      const wrap = wrapEnvelope(new Uint8Array([7]), alice, bob.publicKey);
      const eventLike = fc.record(
        {
          id: fc.oneof(fc.constant(wrap.id), fc.stringMatching(/^[0-9a-f]{64}$/), fc.string()),
          pubkey: fc.oneof(fc.constant(wrap.pubkey), fc.string()),
          sig: fc.oneof(fc.constant(wrap.sig), fc.string()),
          kind: fc.oneof(fc.constant(GIFT_WRAP_KIND), fc.integer(), fc.double(), fc.string()),
          created_at: fc.oneof(fc.constant(wrap.created_at), fc.integer(), fc.constant(Number.NaN)),
          content: fc.oneof(fc.constant(wrap.content), fc.string(), fc.base64String()),
          tags: fc.oneof(fc.constant(wrap.tags), fc.anything()),
        },
        { requiredKeys: [] },
      );
      fc.assert(
        fc.property(fc.oneof(fc.anything(), eventLike), (input) => {
          try {
            unwrapEnvelope(input, bobContext);
          } catch (error) {
            expect(error).toBeInstanceOf(NostrEventRejectedError);
            return;
          }
          // Only the untouched wrap may pass.
          expect(input).toMatchObject(wrap);
        }),
        { numRuns: 1000 },
      );
    });

    it('a single flipped character anywhere in a valid wrap', () => {
      const wrap = wrapEnvelope(new TextEncoder().encode('{"envelope_id":"flip"}'), alice, bob.publicKey);
      const fields = ['id', 'pubkey', 'sig', 'content'] as const;
      fc.assert(
        fc.property(fc.constantFrom(...fields), fc.nat(), (field, position) => {
          const value = wrap[field];
          const index = position % value.length;
          const replacement = value[index] === 'a' ? 'b' : 'a';
          const changed = { ...wrap, [field]: value.slice(0, index) + replacement + value.slice(index + 1) };
          expect(() => unwrapEnvelope(changed, bobContext)).toThrow(NostrEventRejectedError);
        }),
        { numRuns: 300 },
      );
    });
  });
});
