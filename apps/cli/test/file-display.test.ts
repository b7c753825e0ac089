import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatBytes, ProgressLine } from '../src/file-display.js';

describe('file display', () => {
  it.each([
    [0, '0 bytes'],
    [1, '1 byte'],
    [1023, '1023 bytes'],
    [1024, '1.0 KiB'],
    [40_000, '39.1 KiB'],
    [24 * 1024 * 1024, '24.0 MiB'],
    [5 * 1024 ** 4, '5.0 TiB'],
  ])('formats %i as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('draws one line rewritten in place, with the percentage, and ends it with a newline', () => {
    const stream = new PassThrough();
    let written = '';
    stream.on('data', (chunk) => (written += chunk));
    const line = new ProgressLine(stream, 'movie.mkv');
    line.update('hashing', 0, 1000);
    line.update('hashing', 1000, 1000);
    line.update('sending', 1000, 1000);
    line.finish();
    const frames = written.split('\r\x1b[2K').filter((frame) => frame !== '');
    expect(frames[0]).toBe('movie.mkv: hashing   0%');
    expect(frames.at(-1)).toMatch(/^movie\.mkv: sending 100%\n$/);
    expect(written.match(/\n/g)).toHaveLength(1);
  });
});
