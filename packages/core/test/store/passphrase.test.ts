import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { resolvePassphrase } from '../../src/store/index.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

afterAll(removeTempDirs);

async function passphraseFile(content: string, mode = 0o600): Promise<string> {
  const path = join(await tempDir(), 'passphrase');
  await writeFile(path, content);
  await chmod(path, mode);
  return path;
}

describe('resolvePassphrase', () => {
  test('the file wins over the environment and the prompt; trailing newlines are trimmed, spaces kept', async () => {
    const prompt = vi.fn(async () => 'from prompt');
    const passphrase = await resolvePassphrase({
      passphraseFile: await passphraseFile('from file \n'),
      env: { SKCOMM_PASSPHRASE: 'from env' },
      prompt,
      stdinIsTTY: true,
    });
    expect(passphrase).toBe('from file ');
    expect(prompt).not.toHaveBeenCalled();
  });

  test('CRLF endings are trimmed too', async () => {
    expect(await resolvePassphrase({ passphraseFile: await passphraseFile('secret\r\n') })).toBe('secret');
  });

  test('SKCOMM_PASSPHRASE comes next', async () => {
    expect(await resolvePassphrase({ env: { SKCOMM_PASSPHRASE: 'from env' }, prompt: async () => 'p', stdinIsTTY: true })).toBe('from env');
  });

  test('the prompt is used only on a terminal', async () => {
    const prompt = vi.fn(async () => 'typed');
    expect(await resolvePassphrase({ env: {}, prompt, stdinIsTTY: true })).toBe('typed');
    await expect(resolvePassphrase({ env: {}, prompt, stdinIsTTY: false })).rejects.toMatchObject({
      code: ErrorCode.PassphraseRequired,
      message: expect.stringMatching(/--passphrase-file.*SKCOMM_PASSPHRASE/),
    });
    expect(prompt).toHaveBeenCalledTimes(1);
  });

  test('nothing available is E_PASSPHRASE_REQUIRED with a one-line hint', async () => {
    const error = await resolvePassphrase({ env: { SKCOMM_PASSPHRASE: '' }, stdinIsTTY: true }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: ErrorCode.PassphraseRequired });
    expect((error as Error).message).not.toContain('\n');
  });

  test.each([0o640, 0o604, 0o644])('refuses a passphrase file with mode %o', async (mode) => {
    await expect(resolvePassphrase({ passphraseFile: await passphraseFile('secret', mode) })).rejects.toMatchObject({
      code: ErrorCode.InsecurePermissions,
    });
  });

  test('an empty or missing passphrase file is an error, not a fallback', async () => {
    await expect(resolvePassphrase({ passphraseFile: await passphraseFile('\n'), env: { SKCOMM_PASSPHRASE: 'x' } })).rejects.toMatchObject({
      code: ErrorCode.PassphraseRequired,
    });
    await expect(resolvePassphrase({ passphraseFile: join(await tempDir(), 'absent') })).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });
});
