/**
 * Damaged bytes of valid signed envelopes (threat model (d) 1): every truncation and
 * every single-bit flip is rejected with a typed SkcommError, by parseEnvelope or, if
 * it still parses, by openEnvelope. Never an untyped throw.
 *
 * Two regions are not integrity-protected as bytes, by design, and a flip there may be
 * accepted: `routing` (hops change it; it is not signed) and the armor of
 * `payload.signature` (OpenPGP armor has slack: openpgp.js ignores the CRC line and the
 * END label, and an MPI's bit count has unused low bits). For those the property is
 * that nothing signed changed: same signed header, same verified document.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Corpus, type CorpusEnvelope, judge, loadCorpus, signedPart } from './corpus.js';

let corpus: Corpus;

beforeAll(async () => {
  corpus = await loadCorpus();
});

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
  return copy;
}

/** Byte ranges [start, end) of the values of routing and payload.signature. */
function unsignedRegions(item: CorpusEnvelope): Array<[number, number]> {
  const bytes = Buffer.from(item.bytes);
  const routingStart = bytes.indexOf('"routing":{');
  const signatureStart = bytes.indexOf('"signature":"');
  expect(routingStart).toBeGreaterThan(0);
  expect(signatureStart).toBeGreaterThan(0);
  const signatureValue = signatureStart + '"signature":"'.length;
  return [
    [routingStart, bytes.indexOf('}', routingStart) + 1],
    [signatureValue, bytes.indexOf('"', signatureValue)],
  ];
}

/** Why a mutated envelope that was accepted is still acceptable, or a failure. */
async function checkFlip(item: CorpusEnvelope, bit: number): Promise<'rejected' | 'accepted-unsigned-region'> {
  const verdict = await judge(flipBit(item.bytes, bit), corpus);
  if (!verdict.accepted) return 'rejected';
  const offset = bit >> 3;
  const inUnsignedRegion = unsignedRegions(item).some(([start, end]) => offset >= start && offset < end);
  expect(inUnsignedRegion, `flip of bit ${bit} (byte ${offset}) of "${item.name}" was accepted`).toBe(true);
  expect(verdict.opened.documentBytes).toEqual(item.opened.documentBytes);
  expect(signedPart(verdict.envelope)).toEqual(signedPart(item.envelope));
  return 'accepted-unsigned-region';
}

describe('truncation', () => {
  it('rejects every proper prefix of every valid vector with a typed error', async () => {
    let checked = 0;
    for (const item of corpus.envelopes) {
      for (let length = 0; length < item.bytes.length; length++) {
        const verdict = await judge(item.bytes.subarray(0, length), corpus);
        if (verdict.accepted) expect.fail(`"${item.name}" cut to ${length} bytes was accepted`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10_000);
  });
});

describe('single-bit flips', () => {
  it('rejects every flip of every bit of the base secured envelope outside routing and the signature armor', async () => {
    const item = corpus.envelopes.find((candidate) => candidate.name === 'secured message');
    if (item === undefined) throw new Error('the "secured message" vector is missing');
    const outcomes = { rejected: 0, 'accepted-unsigned-region': 0 };
    for (let bit = 0; bit < item.bytes.length * 8; bit++) outcomes[await checkFlip(item, bit)]++;

    expect(outcomes.rejected + outcomes['accepted-unsigned-region']).toBe(item.bytes.length * 8);
    // Most flips in routing and in the signature armor are rejected too; the slack is small.
    expect(outcomes['accepted-unsigned-region']).toBeLessThan(item.bytes.length / 4);
  });

  it('rejects a random flip of a random valid vector unless it only touched unsigned bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), async (which, position) => {
        const item = corpus.envelopes[which % corpus.envelopes.length] as CorpusEnvelope;
        await checkFlip(item, position % (item.bytes.length * 8));
      }),
      { numRuns: 1_000 },
    );
  });
});
