/**
 * A received file is saved once per message whatever the crash point, between two real
 * agent homes over the reference transport. A first delivery fails at the inbox write (so
 * the envelope stays uncommitted and comes again); the receiver's disk is then put in the
 * state a crash at another point would have left: the marker back to its intent (no path)
 * with the file named, or with the file still a `.part`, or with a user's identical file
 * under the name. The receiver restarts and the redelivery is saved once, never onto the
 * user's file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Logger } from '@skcomm/core';
import { receivedFileOf } from '@skcomm/core/agent';
import { agentPairPerTest, type Side } from './agent-pair.js';

/** What the receiver records about a file it saves (`files/received/.partial/<key>.saved.json`). */
interface Marker {
  envelope_id: string;
  dev: string;
  ino: string;
  birthtime_ns: string;
  mtime_ns: string;
  path?: string;
  expires_at: string;
}

const logger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const { setUp, restart, scratch } = agentPairPerTest({ seed: 11, logger });

function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A file's identity as the marker records it. */
async function identityOf(path: string): Promise<Pick<Marker, 'dev' | 'ino' | 'birthtime_ns' | 'mtime_ns'>> {
  const stats = await stat(path, { bigint: true });
  return { dev: stats.dev.toString(), ino: stats.ino.toString(), birthtime_ns: stats.birthtimeNs.toString(), mtime_ns: stats.mtimeNs.toString() };
}

const KINDS = [
  // Over 256 KiB: a `webrtc_file` manifest with its attachment, decrypted into `.partial/`.
  { kind: 'streamed', size: 700_000, method: 'stream' },
  { kind: 'inline', size: 20_000, method: 'inline' },
] as const;

/**
 * Alice sends photo.raw; bob saves it and then cannot write his inbox, so the envelope
 * stays uncommitted. Returns what that delivery left: the saved file and its marker.
 */
async function deliverUntilTheInboxWrite(kind: (typeof KINDS)[number]) {
  const { network, alice, bob } = await setUp();
  const bytes = randomBytes(kind.size);
  const source = join(scratch(), 'photo.raw');
  await writeFile(source, bytes);
  expect(await alice.agent.sendFile('bob', source)).toMatchObject({ file: { method: kind.method } });
  const inboxDir = join(bob.test.home, 'queue', 'inbox');
  await rm(inboxDir, { recursive: true, force: true });
  await writeFile(inboxDir, '');
  await expect(bob.agent.receive()).rejects.toMatchObject({ code: 'E_STORAGE' });

  const received = join(bob.test.home, 'files', 'received');
  const partial = join(received, '.partial');
  const markers = (await readdir(partial)).filter((name) => name.endsWith('.saved.json'));
  expect(markers).toHaveLength(1);
  const markerPath = join(partial, markers[0]!);
  const marker = JSON.parse(await readFile(markerPath, 'utf8')) as Marker;
  const saved = join(received, 'photo.raw');
  // The marker names the saved file by path and by inode.
  expect(marker).toMatchObject({ path: saved, ...(await identityOf(saved)) });
  return { network, bob, sha256: sha256Of(bytes), received, partial, saved, markerPath, marker, inboxDir };
}

/** The marker as it stands before the file is named: the same record without its path. */
async function rewriteAsIntent(markerPath: string, marker: Marker): Promise<void> {
  const { path: _path, ...intent } = marker;
  await writeFile(markerPath, `${JSON.stringify(intent)}\n`);
}

/** The saved file back to a `.part` in `.partial/` (the same inode), as before its link. */
async function unname(saved: string, partial: string): Promise<void> {
  await link(saved, join(partial, `crashed.${randomBytes(6).toString('hex')}.part`));
  await unlink(saved);
}

/** Bob starts again with a writable inbox and receives the redelivered envelope. */
async function redeliver(setup: Awaited<ReturnType<typeof deliverUntilTheInboxWrite>>) {
  const reborn = await restart(setup.bob);
  await rm(setup.inboxDir);
  await mkdir(setup.inboxDir, { mode: 0o700 });
  const { messages } = await reborn.agent.receive();
  expect(messages).toHaveLength(1);
  expect(setup.network.pendingCount(setup.bob.test.identity.fingerprint)).toBe(0);
  return receivedFileOf(messages[0]!);
}

async function namesIn(directory: string): Promise<string[]> {
  return (await readdir(directory)).filter((name) => !name.startsWith('.')).sort();
}

describe('a received file is saved once whatever the crash point', () => {
  for (const kind of KINDS) {
    it(`${kind.kind}: a crash after the file got its name and before the marker was completed reuses the file`, async () => {
      const setup = await deliverUntilTheInboxWrite(kind);
      const named = await identityOf(setup.saved);
      await rewriteAsIntent(setup.markerPath, setup.marker);

      const saved = await redeliver(setup);
      expect(saved).toMatchObject({ path: setup.saved, sha256: setup.sha256 });
      expect(await namesIn(setup.received)).toEqual(['photo.raw']);
      expect(await identityOf(setup.saved)).toEqual(named);
      // In the inbox now: the marker has done its job.
      await expect(stat(setup.markerPath)).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it(`${kind.kind}: a crash before the link (an intent whose inode is named nowhere) saves the file once under the free name`, async () => {
      const setup = await deliverUntilTheInboxWrite(kind);
      await unname(setup.saved, setup.partial);
      await rewriteAsIntent(setup.markerPath, setup.marker);

      const saved = await redeliver(setup);
      expect(saved).toMatchObject({ path: setup.saved, sha256: setup.sha256 });
      expect(await namesIn(setup.received)).toEqual(['photo.raw']);
      expect(sha256Of(await readFile(setup.saved))).toBe(setup.sha256);
      // A new file: the crashed `.part` still holds the recorded inode.
      expect((await identityOf(setup.saved)).ino).not.toBe(setup.marker.ino);
    });

    it(`${kind.kind}: a user's identical file under the name is not taken for the saved one`, async () => {
      const setup = await deliverUntilTheInboxWrite(kind);
      const bytes = await readFile(setup.saved);
      await unname(setup.saved, setup.partial);
      await writeFile(setup.saved, bytes);
      const users = await identityOf(setup.saved);
      await rewriteAsIntent(setup.markerPath, setup.marker);

      const saved = await redeliver(setup);
      const numbered = join(setup.received, 'photo (1).raw');
      expect(saved).toMatchObject({ path: numbered, sha256: setup.sha256 });
      expect(await namesIn(setup.received)).toEqual(['photo (1).raw', 'photo.raw']);
      expect(sha256Of(await readFile(numbered))).toBe(setup.sha256);
      expect(await identityOf(setup.saved)).toEqual(users);
    });

    it(`${kind.kind}: a complete marker whose file the user replaced with an identical copy saves the file anew`, async () => {
      const setup = await deliverUntilTheInboxWrite(kind);
      const bytes = await readFile(setup.saved);
      await unlink(setup.saved);
      await writeFile(setup.saved, bytes);

      const saved = await redeliver(setup);
      expect(saved).toMatchObject({ path: join(setup.received, 'photo (1).raw'), sha256: setup.sha256 });
      expect(await namesIn(setup.received)).toEqual(['photo (1).raw', 'photo.raw']);
    });
  }

  it('an intent marker past its message ttl goes at the first receive; a fresh one stays', async () => {
    const setup = await deliverUntilTheInboxWrite(KINDS[1]);
    await rewriteAsIntent(setup.markerPath, setup.marker);
    const expired = join(setup.partial, `${'c'.repeat(32)}.saved.json`);
    const { path: _path, ...intent } = setup.marker;
    await writeFile(expired, JSON.stringify({ ...intent, envelope_id: 'another', expires_at: new Date(Date.now() - 1000).toISOString() }));

    const reborn = await restart(setup.bob);
    // Nothing comes: the receive only sweeps.
    setup.network.faults.set({ down: true });
    expect(await reborn.agent.receive()).toMatchObject({ messages: [] });
    await expect(stat(expired)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(JSON.parse(await readFile(setup.markerPath, 'utf8'))).toEqual(intent);
  });
});
