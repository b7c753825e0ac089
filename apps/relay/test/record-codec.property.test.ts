import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord, type MailboxRecord } from '../src/record-codec.js';

const record: fc.Arbitrary<MailboxRecord> = fc.oneof(
  fc.record({
    kind: fc.constant('put' as const),
    id: fc.maxSafeInteger().map(Math.abs),
    createdAtMs: fc.integer({ min: 0, max: 2 ** 45 }),
    expiresAtMs: fc.integer({ min: 0, max: 2 ** 45 }),
    recipient: fc.stringMatching(/^[0-9A-F]{40}$/),
    envelope: fc.uint8Array({ maxLength: 512 }),
  }),
  fc.record({ kind: fc.constant('remove' as const), id: fc.maxSafeInteger().map(Math.abs) }),
);

describe('mailbox record codec', () => {
  it('round-trips every record, back to back', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 10 }), (records) => {
        const log = Buffer.concat(records.map(encodeRecord));
        const decoded: MailboxRecord[] = [];
        for (let offset = 0; offset < log.length; ) {
          const result = decodeRecord(log, offset);
          if (result.status !== 'record') throw new Error(`unexpected ${result.status}`);
          decoded.push(result.record);
          offset += result.length;
        }
        expect(decoded).toEqual(records.map((entry) => (entry.kind === 'put' ? { ...entry, envelope: Buffer.from(entry.envelope) } : entry)));
      }),
    );
  });

  it('never misreads a flipped bit or a truncation as a record', () => {
    fc.assert(
      fc.property(record, fc.nat(), fc.integer({ min: 0, max: 7 }), (entry, position, bit) => {
        const encoded = encodeRecord(entry);
        const flipped = Buffer.from(encoded);
        flipped[position % flipped.length]! ^= 1 << bit;
        expect(decodeRecord(flipped, 0).status).not.toBe('record');
        expect(decodeRecord(encoded.subarray(0, position % encoded.length), 0).status).not.toBe('record');
      }),
    );
  });

  it('decodes arbitrary bytes without throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        expect(['record', 'truncated', 'corrupt', 'unreadable']).toContain(decodeRecord(Buffer.from(data), 0).status);
      }),
      { numRuns: 2000 },
    );
  });
});
