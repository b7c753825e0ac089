/** Threat model T14 across restarts: a real relay on 127.0.0.1 and its data directory. */
import { appendFile, cp, mkdtemp, readdir, readFile, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startRelay } from '../src/index.js';
import { digestToken, encodeSeenTokenLine, SEEN_TOKENS_FILE } from '../src/seen-tokens.js';
import { handshake, headersFor, nowSeconds, recordingLogger, type TempRelay, tempRelay, testIdentities, tokenFor } from './support.js';

let relay: TempRelay | undefined;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await relay?.destroy();
  relay = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function statusOf(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const result = await handshake(url, headers);
  if ('client' in result) {
    await result.client.close();
    return { status: 101, body: '' };
  }
  return result;
}

async function expectUsed(url: string, headers: Record<string, string>): Promise<void> {
  const result = await statusOf(url, headers);
  expect(result.status).toBe(401);
  expect(result.body).toContain('already used');
}

const seenFile = (dataDir: string) => join(dataDir, SEEN_TOKENS_FILE);

describe('token replay across restarts (T14)', () => {
  it('refuses a token accepted before a clean restart with 401 "already used"', async () => {
    const [alice] = await testIdentities();
    relay = await tempRelay();
    const headers = await headersFor(alice!);
    expect((await statusOf(relay.relay.url, headers)).status).toBe(101);
    await relay.restart();
    await expectUsed(relay.relay.url, headers);
    // A fresh token still works.
    expect((await statusOf(relay.relay.url, await headersFor(alice!))).status).toBe(101);
  });

  it('refuses a token accepted just before a crash: the data directory as a kill leaves it, taken while the relay runs', async () => {
    const [alice] = await testIdentities();
    relay = await tempRelay();
    const headers = await headersFor(alice!);
    expect((await statusOf(relay.relay.url, headers)).status).toBe(101);
    // No close, no flush on the way out: what is on disk the moment the connection was accepted.
    const crashed = await mkdtemp(join(tmpdir(), 'skcomm-relay-crashed-'));
    cleanups.push(() => rm(crashed, { recursive: true, force: true }));
    await cp(relay.dataDir, crashed, { recursive: true });
    const restarted = await startRelay({ port: 0, dataDir: crashed, logger: recordingLogger() });
    cleanups.unshift(() => restarted.close());
    await expectUsed(restarted.url, headers);
  });

  it('drops expired entries at start, so the file shrinks, and keeps refusing the live ones', async () => {
    const [alice] = await testIdentities();
    relay = await tempRelay();
    const headers = await headersFor(alice!);
    expect((await statusOf(relay.relay.url, headers)).status).toBe(101);
    await relay.relay.close();
    const expired = Array.from({ length: 50 }, (_, index) => encodeSeenTokenLine({ digest: digestToken(`expired ${index}`), expiresAtSeconds: nowSeconds() - 10 }));
    await appendFile(seenFile(relay.dataDir), expired.join(''));
    const before = (await stat(seenFile(relay.dataDir))).size;

    await relay.restart();
    expect((await stat(seenFile(relay.dataDir))).size).toBeLessThan(before / 10);
    expect(relay.logger.lines.filter((line) => line.startsWith('info seen tokens loaded')).at(-1)).toContain('"live":1,"expired":50,"unreadable":0');
    await expectUsed(relay.relay.url, headers);
  });

  it('starts over a corrupt line and a torn tail, logs the count, and keeps refusing the other tokens', async () => {
    const [alice, bob] = await testIdentities();
    relay = await tempRelay();
    const aliceHeaders = await headersFor(alice!);
    const bobHeaders = await headersFor(bob!);
    expect((await statusOf(relay.relay.url, aliceHeaders)).status).toBe(101);
    expect((await statusOf(relay.relay.url, bobHeaders)).status).toBe(101);
    await relay.relay.close();
    const [aliceLine, bobLine] = (await readFile(seenFile(relay.dataDir), 'latin1')).split('\n');
    const torn = encodeSeenTokenLine({ digest: digestToken('torn'), expiresAtSeconds: nowSeconds() + 300 }).slice(0, 50);
    await writeFile(seenFile(relay.dataDir), `${aliceLine}\ngarbage that is no line of ours\n${bobLine}\n${torn}`, 'latin1');

    await relay.restart();
    expect(relay.logger.lines.filter((line) => line.startsWith('warn skipped unreadable lines')).at(-1)).toContain('"lines":2');
    await expectUsed(relay.relay.url, aliceHeaders);
    await expectUsed(relay.relay.url, bobHeaders);
    expect((await statusOf(relay.relay.url, await headersFor(alice!))).status).toBe(101);
  });

  it('never writes the token to the data directory or the logs', async () => {
    const [alice] = await testIdentities();
    relay = await tempRelay();
    const token = await tokenFor(alice!);
    const headers = await headersFor(alice!, token);
    expect((await statusOf(relay.relay.url, headers)).status).toBe(101);
    await expectUsed(relay.relay.url, headers);
    await relay.restart();
    await expectUsed(relay.relay.url, headers);

    const signature = token.split('.')[2]!;
    const names = await readdir(relay.dataDir, { recursive: true });
    expect(names).toContain(SEEN_TOKENS_FILE);
    for (const name of names) {
      const path = join(relay.dataDir, name);
      if (!(await stat(path)).isFile()) continue;
      const content = await readFile(path, 'latin1');
      expect(content).not.toContain(signature);
      expect(content).not.toContain(Buffer.from(signature, 'base64url').toString('latin1'));
    }
    expect(await readFile(seenFile(relay.dataDir), 'latin1')).toContain(digestToken(token));
    expect(relay.logger.lines.join('\n')).not.toContain(signature);
  });

  it('refuses the handshake with 503 when the token cannot be recorded, and accepts no unrecorded token', async () => {
    const [alice] = await testIdentities();
    relay = await tempRelay();
    // A disk that is always full: the relay opens the file on its first accepted token.
    await symlink('/dev/full', seenFile(relay.dataDir));
    const headers = await headersFor(alice!);
    const refused = await statusOf(relay.relay.url, headers);
    expect(refused.status).toBe(503);
    expect(refused.body).toContain('cannot record the token');
    expect(relay.logger.lines.join('\n')).toMatch(/error cannot record an accepted token.*no space left on device/);
    expect(relay.relay.metrics.connectionsOpened).toBe(0);

    // The disk recovers: the token was never used, so it opens one connection, and only one.
    await unlink(seenFile(relay.dataDir));
    expect((await statusOf(relay.relay.url, headers)).status).toBe(101);
    await relay.restart();
    await expectUsed(relay.relay.url, headers);
  });
});
