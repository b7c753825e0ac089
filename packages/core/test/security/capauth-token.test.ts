/** CapAuth relay tokens (DESIGN §3, threat model T14): who may collect whose mail. */
import { describe, expect, it } from 'vitest';
import { createCapauthToken, generateIdentity, parseCapauthToken, unlockIdentity, verifyCapauthToken } from '../../src/crypto/index.js';

const identities = Promise.all(
  ['alice', 'bob'].map(async (name) => {
    const generated = await generateIdentity({ name, passphrase: 'capauth test' });
    return unlockIdentity(generated.armoredPrivateKey, 'capauth test');
  }),
);
const now = 1_800_000_000;

describe('CapAuth tokens', () => {
  it('verify for the presented key within ±300 s, and every token is distinct', async () => {
    const [alice] = await identities;
    const token = await createCapauthToken(alice!, now);
    expect(token).toMatch(new RegExp(`^${alice!.fingerprint}\\.${now}\\.[A-Za-z0-9_-]+$`));
    await expect(verifyCapauthToken(token, alice!.armored, { nowSeconds: now + 300 })).resolves.toBe(alice!.fingerprint);
    await expect(verifyCapauthToken(token, alice!.armored, { nowSeconds: now - 300 })).resolves.toBe(alice!.fingerprint);
    expect(await createCapauthToken(alice!, now)).not.toBe(token);
  });

  it('are refused outside the window', async () => {
    const [alice] = await identities;
    const token = await createCapauthToken(alice!, now);
    await expect(verifyCapauthToken(token, alice!.armored, { nowSeconds: now + 301 })).rejects.toMatchObject({ code: 'E_EXPIRED' });
    await expect(verifyCapauthToken(token, alice!.armored, { nowSeconds: now - 301 })).rejects.toMatchObject({ code: 'E_FROM_FUTURE' });
  });

  it('are refused with another key, for another fingerprint, or over another time', async () => {
    const [alice, bob] = await identities;
    const token = await createCapauthToken(alice!, now);
    await expect(verifyCapauthToken(token, bob!.armored, { nowSeconds: now })).rejects.toMatchObject({ code: 'E_KEY_INVALID' });
    const signature = token.split('.')[2];
    await expect(verifyCapauthToken(`${bob!.fingerprint}.${now}.${signature}`, bob!.armored, { nowSeconds: now })).rejects.toMatchObject({
      code: 'E_SIGNATURE_INVALID',
    });
    await expect(verifyCapauthToken(`${alice!.fingerprint}.${now + 1}.${signature}`, alice!.armored, { nowSeconds: now })).rejects.toMatchObject({
      code: 'E_SIGNATURE_INVALID',
    });
    await expect(verifyCapauthToken(`${alice!.fingerprint}.${now}.`, alice!.armored, { nowSeconds: now })).rejects.toMatchObject({ code: 'E_SIGNATURE_INVALID' });
  });

  it('refuses malformed tokens before any cryptography', () => {
    for (const token of ['', 'x', 'a.b.c', `${'A'.repeat(40)}.-1.AA`, `${'a'.repeat(40)}.1.AA`, `${'A'.repeat(40)}.1.A+A`, `${'A'.repeat(40)}.1.AA.extra`, 'A'.repeat(3000)]) {
      expect(() => parseCapauthToken(token), token.slice(0, 40)).toThrow(/auth token/);
    }
  });
});
