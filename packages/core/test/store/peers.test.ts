import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as crypto from '../../src/crypto/index.js';
import { ErrorCode } from '../../src/index.js';
import { DEFAULT_PEER_TRUST, PeerStore } from '../../src/store/index.js';
import { modeOf, removeTempDirs, tempDir } from '../helpers/temp.js';

let bobKey: crypto.GeneratedIdentity;
let carolKey: crypto.GeneratedIdentity;

beforeAll(async () => {
  [bobKey, carolKey] = await Promise.all([
    crypto.generateIdentity({ name: 'bob', passphrase: 'p' }),
    crypto.generateIdentity({ name: 'carol', passphrase: 'p' }),
  ]);
});
afterAll(removeTempDirs);

async function store(): Promise<PeerStore> {
  return new PeerStore(await tempDir('skcomm-peers-'));
}

describe('PeerStore', () => {
  test('adds a peer with the default trust, a 0600 file and the normalized key', async () => {
    const peers = await store();
    const record = await peers.add({ name: 'bob', armoredPublicKey: bobKey.armoredPublicKey, addresses: { file: '/shared/bob' } });
    expect(DEFAULT_PEER_TRUST).toBe('verified');
    expect(record).toMatchObject({ name: 'bob', fingerprint: bobKey.fingerprint, trust: 'verified', revoked: false, addresses: { file: '/shared/bob' } });
    expect(modeOf(await stat(join(peers.directory, 'bob.yml')))).toBe(0o600);
    expect(await peers.get('bob')).toEqual(record);
    expect(await peers.list()).toEqual([record]);
    const found = await peers.findByFingerprint(bobKey.fingerprint);
    expect(found?.record).toEqual(record);
    expect(found?.key.fingerprint).toBe(bobKey.fingerprint);
  });

  test('refuses a duplicate name (any case) and a fingerprint held by another peer', async () => {
    const peers = await store();
    await peers.add({ name: 'bob', armoredPublicKey: bobKey.armoredPublicKey });
    await expect(peers.add({ name: 'Bob', armoredPublicKey: carolKey.armoredPublicKey })).rejects.toMatchObject({
      code: ErrorCode.AlreadyExists,
      field: 'name',
    });
    await expect(peers.add({ name: 'robert', armoredPublicKey: bobKey.armoredPublicKey })).rejects.toMatchObject({
      code: ErrorCode.AlreadyExists,
      field: 'fingerprint',
    });
    expect((await peers.list()).map((peer) => peer.name)).toEqual(['bob']);
  });

  test.each(['../bob', 'bob/x', '.hidden', '', 'a'.repeat(65), 'bob yml', 'bob\u0000'])('refuses the peer name %j', async (name) => {
    const peers = await store();
    await expect(peers.add({ name, armoredPublicKey: bobKey.armoredPublicKey })).rejects.toMatchObject({ code: ErrorCode.ConfigInvalid });
  });

  test('refuses keys that are not valid public keys', async () => {
    const peers = await store();
    await expect(peers.add({ name: 'bob', armoredPublicKey: 'not a key' })).rejects.toMatchObject({ code: ErrorCode.KeyInvalid });
    await expect(peers.add({ name: 'bob', armoredPublicKey: bobKey.armoredPrivateKey })).rejects.toMatchObject({ code: ErrorCode.KeyInvalid });
    expect(await peers.list()).toEqual([]);
  });

  test('setTrust, revoke, setAddress and remove', async () => {
    const peers = await store();
    await peers.add({ name: 'bob', armoredPublicKey: bobKey.armoredPublicKey, trust: 'untrusted' });
    expect((await peers.setTrust('bob', 'trusted')).trust).toBe('trusted');
    expect((await peers.setAddress('bob', 'tcp', '10.0.0.2:7000')).addresses).toEqual({ tcp: '10.0.0.2:7000' });
    const revoked = await peers.revoke('bob');
    expect(revoked.revoked).toBe(true);
    expect(revoked.revoked_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await peers.get('bob')).toEqual(revoked);
    await expect(peers.setTrust('bob', 'godlike' as never)).rejects.toMatchObject({ code: ErrorCode.ConfigInvalid });
    await peers.remove('bob');
    expect(await peers.get('bob')).toBeUndefined();
    expect(await peers.findByFingerprint(bobKey.fingerprint)).toBeUndefined();
    await expect(peers.remove('bob')).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(peers.setTrust('nobody', 'trusted')).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  test('a change written by another PeerStore (another process) is visible at the next lookup', async () => {
    const directory = await tempDir();
    const daemon = new PeerStore(directory);
    const cli = new PeerStore(directory);
    await cli.add({ name: 'bob', armoredPublicKey: bobKey.armoredPublicKey });
    expect((await daemon.findByFingerprint(bobKey.fingerprint))?.record.trust).toBe('verified');

    await cli.setTrust('bob', 'trusted');
    expect((await daemon.findByFingerprint(bobKey.fingerprint))?.record.trust).toBe('trusted');
    await cli.revoke('bob');
    expect((await daemon.findByFingerprint(bobKey.fingerprint))?.record.revoked).toBe(true);
    await cli.add({ name: 'carol', armoredPublicKey: carolKey.armoredPublicKey });
    expect((await daemon.findByFingerprint(carolKey.fingerprint))?.record.name).toBe('carol');
    await cli.remove('carol');
    expect(await daemon.findByFingerprint(carolKey.fingerprint)).toBeUndefined();
  });

  test('a same-size rewrite by another process is seen at once (each write is a new inode)', async () => {
    const peers = await store();
    await peers.add({ name: 'bob', armoredPublicKey: bobKey.armoredPublicKey });
    const daemon = new PeerStore(peers.directory);
    for (const host of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']) {
      await peers.setAddress('bob', 'tcp', `${host}:7000`);
      expect((await daemon.findByFingerprint(bobKey.fingerprint))?.record.addresses).toEqual({ tcp: `${host}:7000` });
      expect((await daemon.get('bob'))?.addresses).toEqual({ tcp: `${host}:7000` });
    }
  });

  test('parsed keys are cached: not re-parsed per lookup, re-parsed when the armored key changes', async () => {
    const peers = await store();
    await peers.add({ name: 'bob', armoredPublicKey: bobKey.armoredPublicKey });
    const other = new PeerStore(peers.directory);
    const first = await other.findByFingerprint(bobKey.fingerprint);
    await peers.setTrust('bob', 'trusted');
    const second = await other.findByFingerprint(bobKey.fingerprint);
    expect(second?.key).toBe(first?.key);
    expect(second?.record.trust).toBe('trusted');
  });

  test('list names a malformed file and key; the receive lookup skips it', async () => {
    const peers = await store();
    await peers.add({ name: 'bob', armoredPublicKey: bobKey.armoredPublicKey });
    const path = join(peers.directory, 'bob.yml');
    const original = await readFile(path, 'utf8');
    await writeFile(path, original.replace('trust: verified', 'trust: total'));
    await expect(peers.list()).rejects.toMatchObject({ code: ErrorCode.ConfigInvalid, field: 'trust', message: expect.stringContaining('bob.yml') });
    expect(await peers.findByFingerprint(bobKey.fingerprint)).toBeUndefined();
    await writeFile(path, original);
    expect((await peers.findByFingerprint(bobKey.fingerprint))?.record.name).toBe('bob');
  });

  test('a peer file whose key does not match its fingerprint is a key error', async () => {
    const peers = await store();
    await peers.add({ name: 'bob', armoredPublicKey: bobKey.armoredPublicKey });
    const path = join(peers.directory, 'bob.yml');
    const carol = await crypto.readPublicKey(carolKey.armoredPublicKey);
    const original = await readFile(path, 'utf8');
    const publicKeyBlock = original.slice(original.indexOf('public_key:'), original.indexOf('added_at:'));
    const swapped = `public_key: |\n${carol.armored.trimEnd().split('\n').map((line) => `  ${line}`).join('\n')}\n`;
    await writeFile(path, original.replace(publicKeyBlock, swapped));
    await expect(peers.findByFingerprint(bobKey.fingerprint)).rejects.toMatchObject({ code: ErrorCode.KeyInvalid });
  });
});
