import { readdir, readFile, readlink, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { ErrorCode, RejectionError } from '../../src/index.js';
import { createFileLogger } from '../../src/store/index.js';
import { modeOf, removeTempDirs, tempDir } from '../helpers/temp.js';

afterAll(removeTempDirs);

async function lines(path: string): Promise<Array<Record<string, unknown>>> {
  return (await readFile(path, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function messagesIn(path: string): Promise<unknown[]> {
  return (await lines(path)).map((line) => line.message);
}

/** How many descriptors this process holds on `path` (Linux /proc). */
async function descriptorsOn(path: string): Promise<number> {
  const targets = await Promise.all((await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return targets.filter((target) => target === path).length;
}

afterEach(() => {
  vi.useRealTimers();
});

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

  test('keeps one descriptor open across lines; close() lets go of it and the next line reopens', async () => {
    const path = join(await tempDir(), 'transport.log');
    const logger = createFileLogger(path);
    expect(await descriptorsOn(path)).toBe(0);
    for (let index = 0; index < 50; index += 1) logger.info(`line ${index}`);
    expect(await descriptorsOn(path)).toBe(1);
    logger.close();
    expect(await descriptorsOn(path)).toBe(0);
    logger.info('after close');
    expect(await descriptorsOn(path)).toBe(1);
    logger.close();
    expect((await messagesIn(path)).length).toBe(51);
    expect((await messagesIn(path)).at(-1)).toBe('after close');
  });

  test('loggers sharing one file (several processes) append whole lines and never overwrite each other', async () => {
    const path = join(await tempDir(), 'transport.log');
    const daemon = createFileLogger(path);
    const cli = createFileLogger(path);
    const long = 'x'.repeat(400);
    for (let index = 0; index < 100; index += 1) {
      daemon.info('daemon', { index, long });
      cli.info('cli', { index });
    }
    daemon.close();
    cli.close();
    const written = await lines(path);
    expect(written.length).toBe(200);
    expect(written.filter((line) => line.message === 'daemon').map((line) => line.index)).toEqual([...Array(100).keys()]);
    expect(written.filter((line) => line.message === 'cli').map((line) => line.index)).toEqual([...Array(100).keys()]);
  });

  test('follows a rotated or removed log file to the new one at its path', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const path = join(await tempDir(), 'transport.log');
    const logger = createFileLogger(path);
    logger.info('first');
    await rename(path, `${path}.1`);
    vi.advanceTimersByTime(1000);
    logger.info('after rotation');
    expect(await messagesIn(`${path}.1`)).toEqual(['first']);
    expect(await messagesIn(path)).toEqual(['after rotation']);

    await unlink(path);
    vi.advanceTimersByTime(1000);
    logger.info('after removal');
    expect(await messagesIn(path)).toEqual(['after removal']);
    expect(modeOf(await stat(path))).toBe(0o600);
    logger.close();
  });
});
