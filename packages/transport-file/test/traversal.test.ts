/** Threat model T20: no id or fingerprint, however crafted, makes a file outside the root. */
import { mkdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, TransportError } from '@skcomm/core';
import { FINGERPRINT_A, FINGERPRINT_B, sandbox, transportFor, tree } from './support.js';

const TRAVERSAL_IDS = [
  '../../x',
  '../../../../tmp/pwned',
  '..\\..\\x',
  '/etc/passwd',
  '/tmp/x',
  'C:\\Windows\\x',
  '\\\\host\\share\\x',
  '%2e%2e%2f%2e%2e%2fx',
  '..%2f..%2fx',
  'abc\u0000def',
  '3f1c9a2e-5b7d-4c1e-9a8b-2d4f6e8a0c1e\u0000../../x',
  'CON',
  'NUL',
  'x.',
  'x ',
  '',
  '.',
  '..',
  '3F1C9A2E-5B7D-4C1E-9A8B-2D4F6E8A0C1E',
  '{3f1c9a2e-5b7d-4c1e-9a8b-2d4f6e8a0c1e}',
  '3f1c9a2e-5b7d-4c1e-9a8b-2d4f6e8a0c1e/../../x',
  '3f1c9a2e-5b7d-1c1e-9a8b-2d4f6e8a0c1e',
  'a'.repeat(4096),
];

const TRAVERSAL_FINGERPRINTS = ['../../x', `../${FINGERPRINT_B}`, `${FINGERPRINT_B}/../../x`, FINGERPRINT_B.toLowerCase(), '/etc', 'B2'.repeat(8), ''];

const encoder = new TextEncoder();
const withId = (id: unknown) => encoder.encode(JSON.stringify({ skcomm_version: '1.0.0', envelope_id: id }));

let folder: Awaited<ReturnType<typeof sandbox>>;
beforeEach(async () => {
  folder = await sandbox();
  await mkdir(`${folder.root}/${FINGERPRINT_B}`);
});
afterEach(() => folder.cleanup());

async function expectRefused(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(TransportError.isTransportError(error), `expected a TransportError, got ${String(error)}`).toBe(true);
  expect((error as TransportError).retryable).toBe(false);
  expect((error as TransportError).code).toBe(code);
}

describe('path traversal (T20)', () => {
  it.each(TRAVERSAL_IDS.map((id) => [JSON.stringify(id).slice(0, 60), id]))('refuses envelope_id %s and creates no file', async (_, id) => {
    const before = await tree(folder.parent);
    const transport = transportFor(FINGERPRINT_A, { root: folder.root });
    await expectRefused(transport.send(withId(id), { fingerprint: FINGERPRINT_B }), ErrorCode.EnvelopeInvalid);
    expect(await tree(folder.parent)).toEqual(before);
  });

  it.each([
    ['no envelope_id', encoder.encode('{"skcomm_version":"1.0.0"}')],
    ['a number', withId(42)],
    ['null', withId(null)],
    ['an array', encoder.encode('["3f1c9a2e-5b7d-4c1e-9a8b-2d4f6e8a0c1e"]')],
    ['not JSON', encoder.encode('envelope_id=3f1c9a2e-5b7d-4c1e-9a8b-2d4f6e8a0c1e')],
    ['not UTF-8', Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d])],
    ['an inherited id only', encoder.encode('{"__proto__":{"envelope_id":"3f1c9a2e-5b7d-4c1e-9a8b-2d4f6e8a0c1e"}}')],
  ])('refuses bytes with %s', async (_, bytes) => {
    const before = await tree(folder.parent);
    await expectRefused(transportFor(FINGERPRINT_A, { root: folder.root }).send(bytes, { fingerprint: FINGERPRINT_B }), ErrorCode.EnvelopeInvalid);
    expect(await tree(folder.parent)).toEqual(before);
  });

  it.each(TRAVERSAL_FINGERPRINTS)('refuses target fingerprint %j and creates no file', async (fingerprint) => {
    const before = await tree(folder.parent);
    const bytes = withId('3f1c9a2e-5b7d-4c1e-9a8b-2d4f6e8a0c1e');
    await expectRefused(transportFor(FINGERPRINT_A, { root: folder.root }).send(bytes, { fingerprint }), ErrorCode.Transport);
    expect(await tree(folder.parent)).toEqual(before);
  });

  it('writes a valid id exactly where the layout says, and nowhere else', async () => {
    const id = '3f1c9a2e-5b7d-4c1e-9a8b-2d4f6e8a0c1e';
    const result = await transportFor(FINGERPRINT_A, { root: folder.root }).send(withId(id), { fingerprint: FINGERPRINT_B });
    expect(result.detail).toBe(`${folder.root}/${FINGERPRINT_B}/${id}.skc.json`);
    expect(await tree(folder.parent)).toEqual(['shared', `shared/${FINGERPRINT_B}`, `shared/${FINGERPRINT_B}/.tmp`, `shared/${FINGERPRINT_B}/${id}.skc.json`]);
  });
});
