/**
 * A send reads its envelope back from memory, not from the log, even when a refresh()
 * (a receive loop applying an ack) reads the new enqueue line before the appender folds
 * it in. The fsync of the log is held open here so the refresh lands in that window.
 */
import { randomUUID } from 'node:crypto';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { Outbox } from '../../src/store/index.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

const gate = vi.hoisted(() => ({ held: undefined as { reached: () => void; release: Promise<void> } | undefined }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof actual.open = async (path, flags, mode) => {
    const handle = await actual.open(path, flags, mode);
    if (!String(path).endsWith('outbox.log')) return handle;
    return new Proxy(handle, {
      get(target, property) {
        if (property === 'sync' && gate.held !== undefined) {
          const { reached, release } = gate.held;
          return async () => {
            reached();
            await release;
            return target.sync();
          };
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };
  return { ...actual, open, default: { ...actual, open } };
});

afterAll(removeTempDirs);

describe('Outbox recent envelopes', () => {
  test('an envelope whose line a concurrent refresh read first is still served from memory', async () => {
    const directory = await tempDir();
    const outbox = await Outbox.open(directory);
    const envelopeId = randomUUID();
    const envelope = new TextEncoder().encode(`{"envelope_id":"${envelopeId}"}`);
    let reached!: () => void;
    const syncing = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    gate.held = { reached, release: new Promise<void>((resolve) => (release = resolve)) };

    const enqueued = outbox.enqueue({
      envelopeId,
      peer: 'bob',
      recipientFingerprint: 'B'.repeat(40),
      documentSha256: 'a'.repeat(64),
      mode: 'failover',
      createdAt: new Date().toISOString(),
      ttlSeconds: 3600,
      maxRetries: 5,
      envelope,
    });
    await syncing; // the line is written, its fsync not done: the appender has not folded it in
    await outbox.refresh(); // reads the line back first
    expect(outbox.get(envelopeId)?.state).toBe('queued');
    gate.held = undefined;
    release();
    await enqueued;

    // With the log gone, only memory can answer.
    await rename(join(directory, 'outbox.log'), join(directory, 'moved.log'));
    expect(Buffer.from(await outbox.readEnvelope(envelopeId))).toEqual(Buffer.from(envelope));
    await outbox.close();
  });
});
