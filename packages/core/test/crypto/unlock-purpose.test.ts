/**
 * Unlocking for a purpose: `sign` runs the S2K of the signing key only (what sending needs),
 * `all` also unlocks the encryption subkey (what receiving needs). Both check the same things.
 */
import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  createCapauthToken,
  generateIdentity,
  type GeneratedIdentity,
  type IdentityHandle,
  openEnvelope,
  sealEnvelope,
  unlockIdentity,
  verifyCapauthToken,
} from '../../src/crypto/index.js';
import { ErrorCode } from '../../src/index.js';

const passphrase = 'purpose test';
let alice: GeneratedIdentity;
let bob: IdentityHandle;

beforeAll(async () => {
  alice = await generateIdentity({ name: 'alice', passphrase });
  bob = await unlockIdentity((await generateIdentity({ name: 'bob', passphrase })).armoredPrivateKey, passphrase);
});

/** [primary key packet decrypted, encryption subkey packet decrypted] */
function unlockedPackets(key: openpgp.PrivateKey): boolean[] {
  return key.getKeys().map(({ keyPacket }) => keyPacket.isDecrypted());
}

describe('unlockIdentity purposes', () => {
  test('`all` is the default and unlocks every key packet', async () => {
    const identity = await unlockIdentity(alice.armoredPrivateKey, passphrase);
    expect(identity.purpose).toBe('all');
    expect(identity.fingerprint).toBe(alice.fingerprint);
    expect(unlockedPackets(identity.privateKey)).toEqual([true, true]);
  });

  test('`sign` unlocks the signing (primary) key only', async () => {
    const identity = await unlockIdentity(alice.armoredPrivateKey, passphrase, { purpose: 'sign' });
    expect(identity.purpose).toBe('sign');
    expect(identity.fingerprint).toBe(alice.fingerprint);
    expect(unlockedPackets(identity.privateKey)).toEqual([true, false]);
  });

  test('a `sign` identity seals a message the recipient opens and verifies, and signs CapAuth tokens', async () => {
    const sender = { ...(await unlockIdentity(alice.armoredPrivateKey, passphrase, { purpose: 'sign' })), name: 'alice' };
    const envelope = await sealEnvelope({ body: 'hello bob' }, { sender, recipient: { ...bob, name: 'bob' } });
    const opened = await openEnvelope(envelope, { self: bob, senderKey: sender });
    expect(opened.document.body).toBe('hello bob');
    expect(opened.document.from.fingerprint).toBe(alice.fingerprint);

    const token = await createCapauthToken(sender, 1_800_000_000);
    await expect(verifyCapauthToken(token, sender.armored, { nowSeconds: 1_800_000_000 })).resolves.toBe(alice.fingerprint);
  });

  test('a `sign` identity cannot open messages: its decryption subkey stays locked', async () => {
    const full = { ...(await unlockIdentity(alice.armoredPrivateKey, passphrase)), name: 'alice' };
    const signOnly = await unlockIdentity(alice.armoredPrivateKey, passphrase, { purpose: 'sign' });
    const envelope = await sealEnvelope({ body: 'for alice' }, { sender: { ...bob, name: 'bob' }, recipient: full });
    await expect(openEnvelope(envelope, { self: full, senderKey: bob })).resolves.toMatchObject({ document: { body: 'for alice' } });
    // The types forbid this; at run time openpgp.js refuses the locked subkey.
    await expect(openEnvelope(envelope, { self: signOnly as unknown as IdentityHandle, senderKey: bob })).rejects.toThrow();
  });

  test.each(['sign', 'all'] as const)('`%s`: a wrong passphrase is E_PASSPHRASE_WRONG', async (purpose) => {
    await expect(unlockIdentity(alice.armoredPrivateKey, 'wrong', { purpose })).rejects.toMatchObject({ code: ErrorCode.PassphraseWrong });
  });

  test.each(['sign', 'all'] as const)('`%s`: secret key material that does not match the public key is refused', async (purpose) => {
    // Alice's public primary key with another key's secret, re-encrypted with the same passphrase.
    const other = await openpgp.decryptKey({
      privateKey: await openpgp.readPrivateKey({ armoredKey: (await generateIdentity({ name: 'mallory', passphrase })).armoredPrivateKey }),
      passphrase,
    });
    const forged = await openpgp.decryptKey({ privateKey: await openpgp.readPrivateKey({ armoredKey: alice.armoredPrivateKey }), passphrase });
    const packet = forged.keyPacket as openpgp.SecretKeyPacket & { privateParams: object | null };
    packet.privateParams = (other.keyPacket as openpgp.SecretKeyPacket).privateParams;
    const armored = (await openpgp.encryptKey({ privateKey: forged, passphrase })).armor();
    await expect(unlockIdentity(armored, passphrase, { purpose })).rejects.toMatchObject({ code: ErrorCode.PassphraseWrong });
  });

  test.each(['sign', 'all'] as const)('`%s`: a revoked key is refused', async (purpose) => {
    const key = await openpgp.decryptKey({ privateKey: await openpgp.readPrivateKey({ armoredKey: alice.armoredPrivateKey }), passphrase });
    const { privateKey: revoked } = await openpgp.revokeKey({ key, format: 'object' });
    const armored = (await openpgp.encryptKey({ privateKey: revoked, passphrase })).armor();
    await expect(unlockIdentity(armored, passphrase, { purpose })).rejects.toMatchObject({ code: ErrorCode.KeyRevoked });
  });
});
