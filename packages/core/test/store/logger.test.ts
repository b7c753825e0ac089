import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ErrorCode, RejectionError } from '../../src/index.js';
import { createFileLogger } from '../../src/store/index.js';
import { modeOf, removeTempDirs, tempDir } from '../helpers/temp.js';

afterAll(removeTempDirs);

async function lines(path: string): Promise<Array<Record<string, unknown>>> {
  return (await readFile(path, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('file logger', () => {
  test('writes one JSON line per event, 0600, from the configured level up', async () => {
    const path = join(await tempDir(), 'transport.log');
    const logger = createFileLogger(path, { now: () => new Date('2026-01-01T00:00:00.000Z') });
    logger.debug('dropped');
    logger.info('envelope accepted', { envelopeId: 'abc', from: 'F'.repeat(40), transport: 'file' });
    logger.warn('envelope rejected', { code: ErrorCode.Replay, error: new RejectionError(ErrorCode.Replay, 'seen', { field: 'envelope_id' }) });
    expect(modeOf(await stat(path))).toBe(0o600);
    expect(await lines(path)).toEqual([
      { at: '2026-01-01T00:00:00.000Z', level: 'info', message: 'envelope accepted', envelopeId: 'abc', from: 'F'.repeat(40), transport: 'file' },
      { at: '2026-01-01T00:00:00.000Z', level: 'warn', message: 'envelope rejected', code: 'E_REPLAY', error: { code: 'E_REPLAY', message: 'seen', field: 'envelope_id' } },
    ]);
  });

  test('never writes passphrases, private keys or bodies', async () => {
    const path = join(await tempDir(), 'transport.log');
    const logger = createFileLogger(path, { level: 'debug' });
    const privateKey = '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nxcLYBGabc\n-----END PGP PRIVATE KEY BLOCK-----';
    logger.debug('unlocking', { passphrase: 'hunter2-passphrase', key: privateKey, nested: { body: 'the secret plan', password: 'pw-123' } });
    logger.error(`failed with ${privateKey}`, { content: 'plaintext body here', plaintext: 'more secret', token: 'bearer-xyz' });
    logger.info('array', { items: [{ privateKey: 'k' }, privateKey] });
    const text = await readFile(path, 'utf8');
    for (const secret of ['hunter2', 'xcLYBGabc', 'the secret plan', 'pw-123', 'plaintext body', 'more secret', 'bearer-xyz', 'BEGIN PGP']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[redacted]');
  });

  test('a log that cannot be written does not throw', () => {
    const logger = createFileLogger('/nonexistent-directory/transport.log');
    expect(() => logger.error('still fine')).not.toThrow();
  });
});
