/** The mailbox's append-only log: group commit never strands a record. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MailboxLog } from '../src/mailbox-log.js';
import type { MailboxRecord } from '../src/record-codec.js';
import { recordingLogger } from './support.js';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'skcomm-mailbox-log-'));
});
afterEach(() => rm(directory, { recursive: true, force: true }));

const put = (id: number): MailboxRecord => ({ kind: 'put', id, createdAtMs: 1, expiresAtMs: Date.now() + 60_000, recipient: 'B2'.repeat(20), envelope: new Uint8Array([id]) });

describe('mailbox log', () => {
  it('writes a record appended the moment the previous append resolves (no append is left behind a finished flush)', async () => {
    const { log } = await MailboxLog.open(directory, { segmentBytes: 1 << 20, logger: recordingLogger() });
    const chained = log.append(put(1)).then(() => log.append(put(2))).then(() => log.append(put(3)));
    const outcome = await Promise.race([chained.then(() => 'written'), new Promise((resolve) => setTimeout(() => resolve('stuck'), 2000))]);
    expect(outcome).toBe('written');
    await log.close();
    const { replay } = await MailboxLog.open(directory, { segmentBytes: 1 << 20, logger: recordingLogger() });
    expect(replay.records.map(({ record }) => record.kind === 'put' && record.id)).toEqual([1, 2, 3]);
  });
});
