/** DESIGN §3 relay auth against a real relay: 401 for no or bad tokens, 403 off the allow list. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHORIZATION_HEADER, PUBLIC_KEY_HEADER } from '@skcomm/relay-protocol';
import { DEV_AUTH_WARNING, startRelay } from '../src/index.js';
import { handshake, headersFor, nowSeconds, type TempRelay, tempRelay, testIdentities, tokenFor } from './support.js';

let relay: TempRelay;

beforeAll(async () => {
  relay = await tempRelay();
});
afterAll(() => relay.destroy());

async function statusOf(headers: Record<string, string>, url = relay.relay.url): Promise<{ status: number; body: string }> {
  const result = await handshake(url, headers);
  if ('client' in result) {
    await result.client.close();
    return { status: 101, body: '' };
  }
  return result;
}

describe('relay auth', () => {
  it('accepts a fresh token for the presented key', async () => {
    const [alice] = await testIdentities();
    expect((await statusOf(await headersFor(alice!))).status).toBe(101);
  });

  it('refuses a handshake without a token with 401', async () => {
    const result = await statusOf({});
    expect(result).toMatchObject({ status: 401 });
    expect(result.body).toContain('missing bearer token');
  });

  it('refuses a malformed token with 401', async () => {
    const [alice] = await testIdentities();
    for (const token of ['nonsense', `${alice!.fingerprint}.abc.AAAA`, `${alice!.fingerprint.toLowerCase()}.${nowSeconds()}.AAAA`, 'a.b.c.d']) {
      expect((await statusOf(await headersFor(alice!, token))).status).toBe(401);
    }
  });

  it('refuses a bad signature with 401', async () => {
    const [alice] = await testIdentities();
    const token = await tokenFor(alice!);
    const [fingerprint, time, signature = ''] = token.split('.');
    const flipped = Buffer.from(signature, 'base64url');
    flipped[flipped.length - 5]! ^= 0x01;
    const result = await statusOf(await headersFor(alice!, `${fingerprint}.${time}.${flipped.toString('base64url')}`));
    expect(result.status).toBe(401);
    // A signature over another time does not carry over either.
    const other = await tokenFor(alice!, nowSeconds() - 10);
    expect((await statusOf(await headersFor(alice!, `${fingerprint}.${time}.${other.split('.')[2]}`))).status).toBe(401);
  });

  it('refuses stale and future tokens (outside ±300 s) with 401, and accepts inside the window', async () => {
    const [alice] = await testIdentities();
    const stale = await statusOf(await headersFor(alice!, await tokenFor(alice!, nowSeconds() - 301)));
    expect(stale.status).toBe(401);
    expect(stale.body).toMatch(/old/);
    expect((await statusOf(await headersFor(alice!, await tokenFor(alice!, nowSeconds() + 310)))).status).toBe(401);
    expect((await statusOf(await headersFor(alice!, await tokenFor(alice!, nowSeconds() - 250)))).status).toBe(101);
  });

  it('refuses a token presented with another key, or for another fingerprint, with 401', async () => {
    const [alice, bob] = await testIdentities();
    // Alice's valid token, but Bob's key: the key is not the token's fingerprint.
    const aliceToken = await tokenFor(alice!);
    expect((await statusOf({ ...(await headersFor(bob!)), [AUTHORIZATION_HEADER]: `Bearer ${aliceToken}` })).status).toBe(401);
    // Bob signs, but claims Alice's fingerprint while presenting Alice's key: the signature is not hers.
    const bobToken = await tokenFor(bob!);
    const [, time, signature] = bobToken.split('.');
    const claimed = `${alice!.fingerprint}.${time}.${signature}`;
    expect((await statusOf(await headersFor(alice!, claimed))).status).toBe(401);
    // No key at all.
    expect((await statusOf({ [AUTHORIZATION_HEADER]: `Bearer ${await tokenFor(alice!)}` })).status).toBe(401);
    expect((await statusOf({ [AUTHORIZATION_HEADER]: `Bearer ${await tokenFor(alice!)}`, [PUBLIC_KEY_HEADER]: 'bm90IGEga2V5' })).status).toBe(401);
  });

  it('refuses a replayed token with 401 (threat model T14)', async () => {
    const [alice] = await testIdentities();
    const headers = await headersFor(alice!);
    expect((await statusOf(headers)).status).toBe(101);
    const replay = await statusOf(headers);
    expect(replay.status).toBe(401);
    expect(replay.body).toContain('already used');
  });

  it('with --allow, refuses a valid token for a fingerprint not on the list with 403', async () => {
    const [alice, bob] = await testIdentities();
    const closed = await tempRelay({ allow: new Set([alice!.fingerprint]) });
    try {
      expect((await statusOf(await headersFor(alice!), closed.relay.url)).status).toBe(101);
      const refused = await statusOf(await headersFor(bob!), closed.relay.url);
      expect(refused.status).toBe(403);
      expect(refused.body).toContain('not allowed');
      // A bad token is still 401, not 403: nothing about the list leaks before the proof.
      expect((await statusOf({}, closed.relay.url)).status).toBe(401);
    } finally {
      await closed.destroy();
    }
  });
});

describe('SKCOMM_DEV_AUTH', () => {
  it('skips the signature check and logs the exact warning at startup', async () => {
    const [alice] = await testIdentities();
    const dev = await tempRelay({ devAuth: true });
    try {
      expect(dev.logger.lines).toContain(`warn ${DEV_AUTH_WARNING}`);
      const unsigned = `${alice!.fingerprint}.${nowSeconds() - 100_000}.`;
      expect((await statusOf({ [AUTHORIZATION_HEADER]: `Bearer ${unsigned}` }, dev.relay.url)).status).toBe(101);
      // A token is still needed: it names whose mail this connection is for.
      expect((await statusOf({}, dev.relay.url)).status).toBe(401);
    } finally {
      await dev.destroy();
    }
  });

  it('is refused on a non-loopback address (threat model T13)', async () => {
    await expect(startRelay({ host: '0.0.0.0', port: 0, dataDir: relay.dataDir, devAuth: true })).rejects.toMatchObject({ code: 'E_CONFIG_INVALID' });
  });

  it('is off unless asked for', async () => {
    expect(relay.logger.lines.join('\n')).not.toContain('DISABLED');
    expect((await statusOf({ [AUTHORIZATION_HEADER]: `Bearer ${(await testIdentities())[0]!.fingerprint}.${nowSeconds()}.` })).status).toBe(401);
  });
});
