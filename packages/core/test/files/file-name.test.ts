/** safeFileName: names a remote sender chose, made safe to create in a local directory (T20). */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MAX_FILE_NAME_BYTES, numberedFileName, safeFileName } from '../../src/files/index.js';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('safeFileName', () => {
  const corpus: Array<[string, string]> = [
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['/abs', 'abs'],
    ['/', 'file'],
    ['a\\b', 'b'],
    ['C:\\Users\\me\\evil.exe', 'evil.exe'],
    ['dir/', 'dir'],
    ['nul\u0000byte.txt', 'nulbyte.txt'],
    ['line\nbreak\r.txt', 'linebreak.txt'],
    ['.hidden', 'hidden'],
    ['...', 'file'],
    ['..', 'file'],
    ['.', 'file'],
    ['', 'file'],
    ['   ', 'file'],
    ['trailing. . ', 'trailing'],
    ['CON', '_CON'],
    ['con.txt', '_con.txt'],
    ['LPT1', '_LPT1'],
    ['COM9.tar.gz', '_COM9.tar.gz'],
    ['CON .txt', '_CON .txt'],
    ['CONSOLE.txt', 'CONSOLE.txt'],
    ['what?<>:"|*.txt', 'what_______.txt'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['résumé.pdf', 'résumé.pdf'],
    ['re\u0301sume\u0301.pdf', 'résumé.pdf'],
    ['日本語のファイル.txt', '日本語のファイル.txt'],
    ['emoji 🎉.png', 'emoji 🎉.png'],
    ['lone\ud800surrogate', 'lone\ufffdsurrogate'],
    ['a\u0000\u0301.txt', '\u00e1.txt'],
  ];
  for (const [input, expected] of corpus) {
    test(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => {
      expect(safeFileName(input)).toBe(expected);
    });
  }

  test('a 1000-character name is cut to 255 bytes, keeping the extension', () => {
    const name = `${'a'.repeat(1000)}.tar.gz`;
    const safe = safeFileName(name);
    expect(bytes(safe)).toBe(MAX_FILE_NAME_BYTES);
    expect(safe.endsWith('.gz')).toBe(true);
  });

  test('multi-byte names are cut on code point boundaries', () => {
    const safe = safeFileName(`${'😀'.repeat(300)}.txt`);
    expect(bytes(safe)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(safe).toBe(`${'😀'.repeat(62)}.txt`);
    expect(safeFileName('é'.repeat(1000))).toBe('é'.repeat(127));
  });

  test('an absurd extension is not kept whole', () => {
    const safe = safeFileName(`name.${'x'.repeat(400)}`);
    expect(bytes(safe)).toBe(MAX_FILE_NAME_BYTES);
    expect(safe.startsWith('name.')).toBe(true);
  });

  test('numberedFileName puts the number before the extension and stays within 255 bytes', () => {
    expect(numberedFileName('notes.txt', 1)).toBe('notes (1).txt');
    expect(numberedFileName('README', 12)).toBe('README (12)');
    const long = safeFileName(`${'a'.repeat(400)}.pdf`);
    const numbered = numberedFileName(long, 9999);
    expect(bytes(numbered)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(numbered.endsWith(' (9999).pdf')).toBe(true);
  });

  const anyName = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 400 }),
    fc.string({ unit: fc.constantFrom('.', '/', '\\', '\u0000', ' ', 'a', 'é', 'e\u0301', '\u0301', '😀', '\ud800', 'CON', 'nul', '\u202e', ':'), maxLength: 80 }),
    fc.string({ unit: 'grapheme', minLength: 200, maxLength: 300 }),
  );

  test('property: one safe component, never empty, never "." or "..", at most 255 bytes', () => {
    fc.assert(
      fc.property(anyName, (name) => {
        const safe = safeFileName(name);
        expect(safe).not.toMatch(/[/\\\u0000-\u001f\u007f]/);
        expect(safe).not.toMatch(/^\./);
        expect(['', '.', '..']).not.toContain(safe);
        expect(bytes(safe)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
        expect(safe).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
        expect(safe).not.toMatch(/^(CON|PRN|AUX|NUL|COM\d|LPT\d)\s*(\.|$)/i);
      }),
      { numRuns: 2_000 },
    );
  });

  test('property: idempotent', () => {
    fc.assert(
      fc.property(anyName, (name) => {
        const safe = safeFileName(name);
        expect(safeFileName(safe)).toBe(safe);
      }),
      { numRuns: 2_000 },
    );
  });
});
