import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nip19 } from 'nostr-tools';
import { generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode } from '@skcomm/core';
import { nostr, nostrBindingStatement, parsePublicKey } from '../src/index.js';
import { FINGERPRINT_A, recordingLogger, TempDirs } from './support.js';

const directories = new TempDirs();
afterAll(() => directories.cleanup());

const relays = 'ws://127.0.0.1:1';

function create(init: { secretKeyFile?: string }, stateDir?: string, logger = recordingLogger()) {
  return nostr({ relays, ...init })({ selfFingerprint: FINGERPRINT_A, logger, ...(stateDir === undefined ? {} : { stateDir }) });
}

function configError(action: () => unknown): ConfigError {
  try {
    action();
  } catch (error) {
    expect(ConfigError.is(error)).toBe(true);
    return error as ConfigError;
  }
  return expect.unreachable('no ConfigError thrown');
}

describe('the agent\u2019s Nostr key', () => {
  it('is read from a 0600 secretKeyFile, as 64 hex digits or an nsec', async () => {
    const directory = await directories.make();
    const secretKey = generateSecretKey();
    const hexFile = join(directory, 'hex.key');
    const nsecFile = join(directory, 'nsec.key');
    await writeFile(hexFile, `${Buffer.from(secretKey).toString('hex')}\n`, { mode: 0o600 });
    await writeFile(nsecFile, nip19.nsecEncode(secretKey), { mode: 0o600 });
    expect(create({ secretKeyFile: hexFile }).publicKey).toBe(getPublicKey(secretKey));
    expect(create({ secretKeyFile: nsecFile }).publicKey).toBe(getPublicKey(secretKey));
  });

  it('refuses a key file others can read, without echoing its content', async () => {
    const directory = await directories.make();
    const file = join(directory, 'open.key');
    const secret = Buffer.from(generateSecretKey()).toString('hex');
    await writeFile(file, secret);
    await chmod(file, 0o644);
    const error = configError(() => create({ secretKeyFile: file }));
    expect(error.code).toBe(ErrorCode.InsecurePermissions);
    expect(error.message).toContain('chmod 600');
    expect(error.message).not.toContain(secret);
  });

  it('refuses a file that holds no key, without echoing it', async () => {
    const directory = await directories.make();
    const file = join(directory, 'bad.key');
    await writeFile(file, 'my-password-123', { mode: 0o600 });
    const error = configError(() => create({ secretKeyFile: file }));
    expect(error.code).toBe(ErrorCode.KeyInvalid);
    expect(error.message).not.toContain('my-password-123');
  });

  it('is generated once into the state directory (0600) and kept across restarts', async () => {
    const stateDir = join(await directories.make(), 'state');
    const first = create({}, stateDir);
    const second = create({}, stateDir);
    expect(first.publicKey).toMatch(/^[0-9a-f]{64}$/);
    expect(second.publicKey).toBe(first.publicKey);
    expect((await stat(join(stateDir, 'nostr-secret-key'))).mode & 0o777).toBe(0o600);
  });

  it('is required: no key file and no state directory is a ConfigError naming secretKeyFile', () => {
    expect(configError(() => create({})).field).toBe('secretKeyFile');
  });

  it('is never logged', async () => {
    const stateDir = await directories.make();
    const logger = recordingLogger();
    const transport = create({}, stateDir, logger);
    await transport.start();
    await transport.healthCheck();
    await transport.send(new Uint8Array([1]), { fingerprint: FINGERPRINT_A, address: transport.publicKey }).catch(() => undefined);
    await transport.stop();
    const secret = (await readFile(join(stateDir, 'nostr-secret-key'), 'utf8')).trim();
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(logger.lines)).not.toContain(secret);
  });
});

describe('peer addresses', () => {
  it('accept a hex public key (any case) or an npub, and nothing else', () => {
    const publicKey = getPublicKey(generateSecretKey());
    expect(parsePublicKey(publicKey)).toBe(publicKey);
    expect(parsePublicKey(` ${publicKey.toUpperCase()} `)).toBe(publicKey);
    expect(parsePublicKey(nip19.npubEncode(publicKey))).toBe(publicKey);
    expect(parsePublicKey(nip19.nsecEncode(generateSecretKey()))).toBeUndefined();
    expect(parsePublicKey(publicKey.slice(1))).toBeUndefined();
    expect(parsePublicKey('npub1garbage')).toBeUndefined();
    expect(parsePublicKey('')).toBeUndefined();
  });

  it('a binding statement names both keys, for a detached PGP signature', () => {
    expect(nostrBindingStatement(FINGERPRINT_A, 'AB'.repeat(32))).toBe(
      `skcomm/nostr-key-binding/v1\nfingerprint:${FINGERPRINT_A}\nnostr:${'ab'.repeat(32)}\n`,
    );
  });
});
