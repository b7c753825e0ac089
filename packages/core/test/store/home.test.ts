import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { homeLayout, initHome, loadIdentity, readConfig, readOwnPublicKey, resolveHome } from '../../src/store/index.js';
import { modeOf, removeTempDirs, tempDir } from '../helpers/temp.js';

const passphrase = 'correct horse battery staple';
let home: string;
let fingerprint: string;

beforeAll(async () => {
  home = join(await tempDir('skcomm-home-'), 'agent');
  ({ fingerprint } = await initHome(home, { name: 'opus', email: 'opus@example.org', passphrase }));
});
afterAll(removeTempDirs);

describe('resolveHome', () => {
  test('uses SKCOMM_HOME, else ~/.skcomm', () => {
    expect(resolveHome({ SKCOMM_HOME: '/srv/agents/one' })).toBe('/srv/agents/one');
    expect(resolveHome({ SKCOMM_HOME: '' })).toBe(join(homedir(), '.skcomm'));
    expect(resolveHome({})).toBe(join(homedir(), '.skcomm'));
  });
});

describe('initHome', () => {
  test('lays out DESIGN §6 with 0700 directories and 0600 files', async () => {
    const layout = homeLayout(home);
    for (const directory of [layout.home, layout.identityDir, layout.peersDir, layout.transportsDir, layout.outboxDir, layout.inboxDir, layout.quarantineDir, layout.stateDir, layout.logsDir, layout.pluginsDir]) {
      const stats = await stat(directory);
      expect(stats.isDirectory()).toBe(true);
      expect(modeOf(stats), directory).toBe(0o700);
    }
    for (const file of [layout.privateKeyFile, layout.publicKeyFile, layout.fingerprintFile, layout.configFile]) {
      expect(modeOf(await stat(file)), file).toBe(0o600);
    }
    expect(layout.transportLogFile).toBe(join(layout.home, 'logs', 'transport.log'));
    expect(layout.replayLogFile).toBe(join(layout.home, 'state', 'seen.log'));
    expect((await readFile(layout.fingerprintFile, 'utf8')).trim()).toBe(fingerprint);
    expect(await readFile(layout.privateKeyFile, 'utf8')).toMatch(/^-----BEGIN PGP PRIVATE KEY BLOCK-----/);
  });

  test('writes config.yml with the defaults', async () => {
    expect(await readConfig(home)).toEqual({
      name: 'opus',
      email: 'opus@example.org',
      fingerprint,
      default_mode: 'secured',
      max_envelope_bytes: 1024 * 1024,
      retry_schedule_seconds: [5, 15, 60, 300, 900],
      cooldown_after_failures: 3,
      cooldown_seconds: 30,
    });
  });

  test('refuses a home that already has an identity', async () => {
    const before = await readFile(homeLayout(home).privateKeyFile, 'utf8');
    await expect(initHome(home, { name: 'other', passphrase: 'x' })).rejects.toMatchObject({ code: ErrorCode.AlreadyExists });
    expect(await readFile(homeLayout(home).privateKeyFile, 'utf8')).toBe(before);
    expect((await readConfig(home)).name).toBe('opus');
  });

  test('refuses an empty passphrase and a bad name before writing anything', async () => {
    const fresh = join(await tempDir(), 'agent');
    await expect(initHome(fresh, { name: 'a', passphrase: '' })).rejects.toMatchObject({ code: ErrorCode.PassphraseRequired });
    await expect(initHome(fresh, { name: 'bad\nname', passphrase: 'p' })).rejects.toMatchObject({ code: ErrorCode.ConfigInvalid, field: 'name' });
    await expect(stat(fresh)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('loadIdentity', () => {
  test('unlocks the key and takes the name from config.yml', async () => {
    const identity = await loadIdentity(home, passphrase);
    expect(identity.name).toBe('opus');
    expect(identity.fingerprint).toBe(fingerprint);
    expect(identity.privateKey.isDecrypted()).toBe(true);
  });

  test('`sign` unlocks only the signing key; a config already read is used instead of config.yml', async () => {
    const config = { ...(await readConfig(home)), name: 'opus-as-opened' };
    const identity = await loadIdentity(home, passphrase, { purpose: 'sign', config });
    expect(identity.purpose).toBe('sign');
    expect(identity.name).toBe('opus-as-opened');
    expect(identity.privateKey.getKeys().map(({ keyPacket }) => keyPacket.isDecrypted())).toEqual([true, false]);
    await expect(loadIdentity(home, 'wrong', { purpose: 'sign' })).rejects.toMatchObject({ code: ErrorCode.PassphraseWrong });
    await expect(loadIdentity(home, passphrase, { config: { ...config, fingerprint: '0'.repeat(40) } })).rejects.toMatchObject({
      code: ErrorCode.ConfigInvalid,
      field: 'fingerprint',
    });
  });

  test('a wrong passphrase is E_PASSPHRASE_WRONG', async () => {
    await expect(loadIdentity(home, 'wrong')).rejects.toMatchObject({ code: ErrorCode.PassphraseWrong });
  });

  test.each([0o640, 0o604, 0o644, 0o660])('refuses a private key with mode %o (T25)', async (mode) => {
    const { privateKeyFile } = homeLayout(home);
    await chmod(privateKeyFile, mode);
    try {
      await expect(loadIdentity(home, passphrase)).rejects.toMatchObject({
        code: ErrorCode.InsecurePermissions,
        message: expect.stringContaining('chmod 600'),
      });
    } finally {
      await chmod(privateKeyFile, 0o600);
    }
  });

  test('a home without identity says to run init', async () => {
    await expect(loadIdentity(await tempDir(), passphrase)).rejects.toMatchObject({
      code: ErrorCode.NotFound,
      message: expect.stringContaining('skcomm init'),
    });
  });

  test('a config.yml naming another fingerprint is refused', async () => {
    const copy = join(await tempDir(), 'agent');
    await initHome(copy, { name: 'copy', passphrase });
    const config = await readFile(homeLayout(copy).configFile, 'utf8');
    await writeFile(homeLayout(copy).configFile, config.replace(/fingerprint: \S+/, `fingerprint: ${fingerprint}`));
    await expect(loadIdentity(copy, passphrase)).rejects.toMatchObject({ code: ErrorCode.ConfigInvalid, field: 'fingerprint' });
  });
});

describe('readOwnPublicKey', () => {
  test('reads the public key without a passphrase', async () => {
    const key = await readOwnPublicKey(home);
    expect(key.fingerprint).toBe(fingerprint);
    expect(key.name).toBe('opus');
    expect(key.armored).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    expect('privateKey' in key).toBe(false);
  });
});
