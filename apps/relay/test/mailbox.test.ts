/** The durable mailbox: restart, bounds, TTL, corrupt and torn records. */
import { appendFile, readdir, readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, Mailbox, MailboxFullError, type MailboxLimits } from '../src/index.js';
import { recordingLogger } from './support.js';

const ALICE = 'A1'.repeat(20);
const BOB = 'B2'.repeat(20);
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'skcomm-mailbox-'));
});
afterEach(() => rm(directory, { recursive: true, force: true }));

async function openMailbox(limits: Partial<MailboxLimits> = {}, now?: () => number) {
  const logger = recordingLogger();
  const opened = await Mailbox.open(directory, { ...DEFAULT_LIMITS, ...limits }, { logger, ...(now ? { now } : {}) });
  return { ...opened, logger };
}

function undelivered(mailbox: Mailbox, recipient: string): string[] {
  return mailbox.takeUndelivered(recipient, 1000).map((entry) => text(entry.envelope));
}

describe('mailbox', () => {
  it('survives a restart: what was put and not removed comes back, in order, with its ids', async () => {
    const { mailbox } = await openMailbox();
    const first = await mailbox.put(BOB, bytes('one'));
    await mailbox.put(BOB, bytes('two'));
    await mailbox.put(ALICE, bytes('for alice'));
    await mailbox.put(BOB, bytes('three'));
    mailbox.remove(BOB, first.id);
    await mailbox.close();

    const { mailbox: reopened } = await openMailbox();
    expect(undelivered(reopened, BOB)).toEqual(['two', 'three']);
    expect(undelivered(reopened, ALICE)).toEqual(['for alice']);
    const next = await reopened.put(BOB, bytes('four'));
    expect(next.id).toBeGreaterThan(first.id);
    await reopened.close();
  });

  it('bounds each recipient by count and bytes, and all mailboxes by total bytes', async () => {
    const { mailbox } = await openMailbox({ maxMessagesPerRecipient: 2, maxBytesPerRecipient: 10, maxTotalBytes: 14 });
    await mailbox.put(BOB, bytes('12345'));
    await mailbox.put(BOB, bytes('12345'));
    await expect(mailbox.put(BOB, bytes('1'))).rejects.toBeInstanceOf(MailboxFullError);
    await mailbox.put(ALICE, bytes('1234'));
    await expect(mailbox.put(ALICE, bytes('1'))).rejects.toThrow(/exceed 14 bytes/);
    // Draining makes room again.
    const [entry] = mailbox.takeUndelivered(BOB, 1);
    mailbox.remove(BOB, entry!.id);
    await mailbox.put(ALICE, bytes('12345'));
    await mailbox.close();
  });

  it('expires envelopes past their TTL, also across a restart', async () => {
    let now = 1_000_000;
    const { mailbox } = await openMailbox({ ttlSeconds: 60 }, () => now);
    await mailbox.put(BOB, bytes('old'));
    now += 30_000;
    await mailbox.put(BOB, bytes('young'));
    now += 31_000;
    expect(await mailbox.expire()).toBe(1);
    expect(mailbox.stats().messages).toBe(1);
    await mailbox.close();
    now += 60_000;
    const { mailbox: reopened } = await openMailbox({ ttlSeconds: 60 }, () => now);
    expect(reopened.stats().messages).toBe(0);
    await reopened.close();
  });

  it('skips a record with a flipped bit and keeps the rest', async () => {
    const { mailbox } = await openMailbox();
    await mailbox.put(BOB, bytes('first envelope'));
    await mailbox.put(BOB, bytes('second envelope'));
    await mailbox.put(BOB, bytes('third envelope'));
    await mailbox.close();
    const [segment] = await readdir(directory);
    const path = join(directory, segment!);
    const data = await readFile(path);
    const at = data.indexOf('second envelope');
    data[at]! ^= 0x20;
    await writeFile(path, data);

    const { mailbox: reopened, replay, logger } = await openMailbox();
    expect(replay.corrupt).toBe(1);
    expect(undelivered(reopened, BOB)).toEqual(['first envelope', 'third envelope']);
    expect(logger.lines.join('\n')).toContain('checksum mismatch');
    await reopened.close();
  });

  it('ignores a torn tail (a crash mid-write) and appends after it in a new segment', async () => {
    const { mailbox } = await openMailbox();
    await mailbox.put(BOB, bytes('whole'));
    await mailbox.close();
    const [segment] = await readdir(directory);
    await appendFile(join(directory, segment!), Buffer.from([0, 0, 0, 50, 1, 2, 3]));

    const { mailbox: reopened, replay } = await openMailbox();
    expect(replay.tornSegments).toBe(1);
    await reopened.put(BOB, bytes('after the crash'));
    await reopened.close();
    const { mailbox: again } = await openMailbox();
    expect(undelivered(again, BOB)).toEqual(['whole', 'after the crash']);
    await again.close();
  });

  it('deletes segments once every envelope in them is gone', async () => {
    const { mailbox } = await openMailbox({ segmentBytes: 200 });
    const entries = [];
    for (let index = 0; index < 20; index++) entries.push(await mailbox.put(BOB, bytes(`envelope ${index} ${'x'.repeat(40)}`)));
    const before = (await readdir(directory)).length;
    expect(before).toBeGreaterThan(3);
    for (const entry of entries) mailbox.remove(BOB, entry.id);
    await mailbox.put(ALICE, bytes('x'.repeat(300))); // forces a rotation after the removals
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await readdir(directory)).length).toBeLessThan(before);
    await mailbox.close();
    const { mailbox: reopened } = await openMailbox();
    expect(reopened.stats()).toMatchObject({ messages: 1, recipients: 1 });
    await reopened.close();
  });
});
