import { readdir, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { VerifiedMessage } from '../../src/index.js';
import { Inbox } from '../../src/store/index.js';
import { inboundEnvelope, makeTestAgents, type TestAgents } from '../../src/testing/index.js';
import { modeOf, removeTempDirs, tempDir } from '../helpers/temp.js';

let agents: TestAgents<'opus' | 'bob' | 'mallory'>;
const createdAt = new Date(Date.now() - 60_000);
const envelopeId = '5f0c3c52-8a53-4c36-9d5e-2f7a1e9b0c11';

async function accepted(from: 'opus' | 'mallory', body: string, id?: string): Promise<VerifiedMessage> {
  const envelope = await agents[from].seal(agents.bob, { body, createdAt, ...(id === undefined ? {} : { envelopeId: id }) });
  const outcome = await agents.bob.pipeline().process(inboundEnvelope(envelope));
  if (outcome.status !== 'accepted') throw new Error(`setup: ${outcome.status}`);
  return outcome.message;
}

beforeAll(async () => {
  agents = await makeTestAgents(['opus', 'bob', 'mallory']);
});
afterAll(async () => {
  await agents.cleanup();
  await removeTempDirs();
});

describe('Inbox', () => {
  test('stores one 0600 file per message, named <createdAt ms>-<envelope id>.json, and reads it back verified', async () => {
    const directory = await tempDir();
    const inbox = new Inbox(directory);
    const message = await accepted('opus', 'first');
    await inbox.append(message);
    const [file] = await readdir(directory);
    expect(file).toBe(`${String(message.createdAt.getTime()).padStart(13, '0')}-${message.envelopeId}.json`);
    expect(modeOf(await stat(`${directory}/${file}`))).toBe(0o600);
    const [entry] = await inbox.list();
    expect(entry).toEqual({ message, read: false, file });
  });

  test('markRead persists across instances; unreadOnly filters', async () => {
    const directory = await tempDir();
    const inbox = new Inbox(directory);
    const one = await accepted('opus', 'one');
    const two = await accepted('opus', 'two');
    await inbox.append(one);
    await inbox.append(two);
    expect(await inbox.markRead([one.envelopeId, 'not-there'])).toBe(1);
    expect(await inbox.markRead([one.envelopeId])).toBe(0);
    const reopened = new Inbox(directory);
    expect((await reopened.list({ unreadOnly: true })).map((entry) => entry.message.body)).toEqual(['two']);
    expect((await reopened.list()).map((entry) => [entry.message.body, entry.read])).toEqual(
      expect.arrayContaining([['one', true], ['two', false]]),
    );
  });

  test('appending the same (sender, id) again is a no-op', async () => {
    const inbox = new Inbox(await tempDir());
    const message = await accepted('opus', 'once', envelopeId);
    await inbox.append(message);
    await inbox.append(message);
    expect(await inbox.list()).toHaveLength(1);
  });

  test('another sender reusing the id and time does not overwrite the first message', async () => {
    const inbox = new Inbox(await tempDir());
    const sharedId = '7d9e2b1a-3c4d-4e5f-a6b7-c8d9e0f1a2b3';
    const genuine = await accepted('opus', 'genuine', sharedId);
    const copycat = await accepted('mallory', 'copycat', sharedId);
    await inbox.append(genuine);
    await inbox.append(copycat);
    const bodies = (await inbox.list()).map((entry) => `${entry.message.from.name}:${entry.message.body}`);
    expect(bodies.sort()).toEqual(['mallory:copycat', 'opus:genuine']);
  });

  test('a missing inbox directory lists nothing', async () => {
    expect(await new Inbox(`${await tempDir()}/absent`).list()).toEqual([]);
  });
});
