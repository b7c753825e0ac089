import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attachmentChunkCount, attachmentChunkLength } from '../../src/transport/attachment-layout.js';

describe('attachment layout', () => {
  it('an empty attachment is one empty chunk; a short last chunk holds the rest', () => {
    expect(attachmentChunkCount(0, 16)).toBe(1);
    expect(attachmentChunkLength(0, 16, 0)).toBe(0);
    expect(attachmentChunkCount(33, 16)).toBe(3);
    expect([0, 1, 2].map((index) => attachmentChunkLength(33, 16, index))).toEqual([16, 16, 1]);
    expect(attachmentChunkCount(32, 16)).toBe(2);
    expect(attachmentChunkLength(32, 16, 1)).toBe(16);
  });

  it('the chunks add up to the size, each between 1 and chunkBytes long (but an empty attachment)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 1, max: 5_000 }), (size, chunkBytes) => {
        const count = attachmentChunkCount(size, chunkBytes);
        const lengths = Array.from({ length: count }, (_, index) => attachmentChunkLength(size, chunkBytes, index));
        expect(lengths.reduce((sum, length) => sum + length, 0)).toBe(size);
        for (const length of lengths) expect(length).toBeLessThanOrEqual(chunkBytes);
        if (size > 0) for (const length of lengths) expect(length).toBeGreaterThan(0);
      }),
    );
  });
});
