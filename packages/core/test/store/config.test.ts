import { writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, test } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { homeLayout, readConfig, writeConfig } from '../../src/store/index.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

afterAll(removeTempDirs);
const fingerprint = '0123456789ABCDEF0123456789ABCDEF01234567';

describe('config.yml', () => {
  test('round-trips and fills the defaults', async () => {
    const home = await tempDir();
    const written = await writeConfig(home, { name: 'opus', fingerprint, default_mode: 'open' });
    expect(written).toEqual({
      name: 'opus',
      fingerprint,
      default_mode: 'open',
      max_envelope_bytes: 1048576,
      retry_schedule_seconds: [5, 15, 60, 300, 900],
      cooldown_after_failures: 3,
      cooldown_seconds: 30,
    });
    expect(await readConfig(home)).toEqual(written);
  });

  test.each([
    ['default_mode: clear\n', 'default_mode'],
    ['max_envelope_bytes: 2000000\n', 'max_envelope_bytes'],
    ['max_envelope_bytes: 10\n', 'max_envelope_bytes'],
    ['email: not-an-email\n', 'email'],
    ['default_mod: open\n', 'default_mod'],
    ['retry_schedule_seconds: []\n', 'retry_schedule_seconds'],
    ['retry_schedule_seconds: [5, -1]\n', 'retry_schedule_seconds.1'],
    ['cooldown_after_failures: 0\n', 'cooldown_after_failures'],
  ])('%j is an error naming the key %s', async (line, key) => {
    const home = await tempDir();
    await writeFile(homeLayout(home).configFile, `name: opus\nfingerprint: ${fingerprint}\n${line}`);
    const error = await readConfig(home).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: ErrorCode.ConfigInvalid, field: key });
    expect((error as Error).message).toContain(key);
  });

  test('a missing key is named', async () => {
    const home = await tempDir();
    await writeFile(homeLayout(home).configFile, 'name: opus\n');
    await expect(readConfig(home)).rejects.toMatchObject({ code: ErrorCode.ConfigInvalid, field: 'fingerprint' });
  });

  test('invalid YAML and duplicate keys are config errors', async () => {
    const home = await tempDir();
    await writeFile(homeLayout(home).configFile, `name: opus\nname: other\nfingerprint: ${fingerprint}\n`);
    await expect(readConfig(home)).rejects.toMatchObject({ code: ErrorCode.ConfigInvalid, field: '(yaml)' });
    await writeFile(homeLayout(home).configFile, 'name: [unclosed\n');
    await expect(readConfig(home)).rejects.toMatchObject({ code: ErrorCode.ConfigInvalid, field: '(yaml)' });
  });

  test('a missing config.yml says to run init', async () => {
    await expect(readConfig(await tempDir())).rejects.toMatchObject({ code: ErrorCode.NotFound, message: expect.stringContaining('skcomm init') });
  });

  test('writeConfig validates before writing', async () => {
    const home = await tempDir();
    await expect(writeConfig(home, { name: '', fingerprint })).rejects.toMatchObject({ code: ErrorCode.ConfigInvalid, field: 'name' });
    await expect(readConfig(home)).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });
});
