/** RFC 8785 canonical JSON: the bytes SKComm signs must not depend on key order. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, detachedSignatureInput } from '../../src/envelope/canonical.js';
import { parseEnvelope } from '../../src/envelope/parse.js';
import { loadVectors, vectorBytes } from './vectors.js';

const RUNS = { numRuns: 1_000 };

/** The same value with every object's keys in a random order (arrays keep theirs). */
function reorderKeys(value: unknown, random: () => number): unknown {
  if (Array.isArray(value)) return value.map((item) => reorderKeys(item, random));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).map(([key, item]) => [key, reorderKeys(item, random)] as const);
  for (let index = entries.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [entries[index], entries[other]] = [entries[other] as (typeof entries)[number], entries[index] as (typeof entries)[number]];
  }
  // defineProperty: a plain assignment of "__proto__" would set the prototype instead.
  const reordered = {};
  for (const [key, item] of entries) Object.defineProperty(reordered, key, { value: item, enumerable: true, writable: true, configurable: true });
  return reordered;
}

const seededRandom = fc.integer().map((seed) => {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
});

describe('canonicalJson', () => {
  it('is the same for any key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), seededRandom, (value, random) => {
        expect(canonicalJson(reorderKeys(value, random))).toBe(canonicalJson(value));
      }),
      RUNS,
    );
  });

  it('is a fixed point: parsing the output and canonicalizing again changes nothing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const once = canonicalJson(value);
        expect(canonicalJson(JSON.parse(once))).toBe(once);
      }),
      RUNS,
    );
  });

  it('sorts keys by UTF-16 code units, as RFC 8785 section 3.2.3 requires', () => {
    // The RFC's own example: "\u20ac" (euro) sorts after "\r" and before "\ud83d\ude00" (emoji).
    const value = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    expect(canonicalJson(value)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('writes numbers the ECMAScript way, as RFC 8785 section 3.2.2.3 requires', () => {
    expect(canonicalJson([1e21, 1e-7, -0, 0.1 + 0.2, 333333333.3333333, 2 ** 53 + 2])).toBe('[1e+21,1e-7,0,0.30000000000000004,333333333.3333333,9007199254740994]');
  });
});

describe('detachedSignatureInput', () => {
  const vectors = Object.values(loadVectors().valid).flat();

  it('does not depend on the key order of the envelope as received, nor on routing', () => {
    fc.assert(
      fc.property(fc.constantFrom(...vectors), seededRandom, fc.nat(1000), (vector, random, retryCount) => {
        const envelope = parseEnvelope(vectorBytes(vector));
        const reordered = reorderKeys({ ...JSON.parse(JSON.stringify(envelope)), routing: { ...envelope.routing, retry_count: retryCount } }, random);
        const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
        expect(text(detachedSignatureInput(parseEnvelope(JSON.stringify(reordered))))).toBe(text(detachedSignatureInput(envelope)));
      }),
      RUNS,
    );
  });
});
