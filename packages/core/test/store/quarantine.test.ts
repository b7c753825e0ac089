import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { Quarantine } from '../../src/store/index.js';
import { modeOf, removeTempDirs, tempDir } from '../helpers/temp.js';

afterAll(removeTempDirs);

describe('Quarantine', () => {
  test('keeps the exact bytes and the reason', async () => {
    const quarantine = new Quarantine(await tempDir());
    const bytes = new Uint8Array([0, 255, 10, 123, 34]);
    const at = new Date('2026-03-01T12:00:00.000Z');
    const id = await quarantine.put(bytes, {
      code: ErrorCode.SignatureInvalid,
      message: 'envelope signature does not verify',
      field: 'payload.signature',
      transport: 'file',
      source: 'inbox/abc.json',
      at,
    });
    const [record] = await quarantine.list();
    expect(record).toMatchObject({
      id,
      code: 'E_SIGNATURE_INVALID',
      message: 'envelope signature does not verify',
      field: 'payload.signature',
      transport: 'file',
      source: 'inbox/abc.json',
      at: at.toISOString(),
      size: 5,
    });
    expect([...(await readFile(record!.bytesFile))]).toEqual([...bytes]);
    expect(modeOf(await stat(record!.bytesFile))).toBe(0o600);
  });

  test('names come from the time and the hash, never from the input', async () => {
    const directory = await tempDir();
    const quarantine = new Quarantine(directory);
    const hostile = new TextEncoder().encode('{"envelope_id":"../../../etc/passwd"}');
    await quarantine.put(hostile, { code: ErrorCode.EnvelopeInvalid, message: 'x', transport: '../../x', source: '/etc/passwd', at: new Date() });
    await quarantine.put(new Uint8Array(), { code: ErrorCode.EnvelopeInvalid, message: 'empty', transport: 'memory', at: new Date(Number.NaN) });
    const names = await readdir(directory);
    expect(names).toHaveLength(4);
    for (const name of names) expect(name).toMatch(/^\d{13}-[0-9a-f]{32}\.(envelope|reason\.json)$/);
  });

  test('clips long messages and lists oldest first', async () => {
    const quarantine = new Quarantine(await tempDir());
    await quarantine.put(new Uint8Array([2]), { code: ErrorCode.Expired, message: 'm'.repeat(5000), transport: 't', at: new Date(2000) });
    await quarantine.put(new Uint8Array([1]), { code: ErrorCode.Replay, message: 'first', transport: 't', at: new Date(1000) });
    const records = await quarantine.list();
    expect(records.map((record) => record.code)).toEqual([ErrorCode.Replay, ErrorCode.Expired]);
    expect(records[1]!.message.length).toBeLessThanOrEqual(1001);
  });

  test('an empty or missing quarantine lists nothing', async () => {
    expect(await new Quarantine(join(await tempDir(), 'absent')).list()).toEqual([]);
  });
});
