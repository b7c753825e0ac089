/**
 * Durable outbox enqueue rate. `enqueue`: @skcomm/core's Outbox.enqueue of a 2.9 KB
 * serialized envelope (one log line, group commit: concurrent enqueues share one
 * write + fsync; each resolves only once its own record is durable). `raw-file`: the
 * one-file-per-message crash-safe baseline of perf-baselines §4 (write, fsync, rename,
 * directory fsync), same bytes, same disk.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Outbox } from '@skcomm/core/store';
import { body1KiB, measure, params, report, run } from './lib.mjs';

run(async () => {
  const options = params({ variant: 'enqueue' });
  // On the repo's disk, not tmpfs: the figure is about real fsyncs.
  const directory = mkdtempSync(join(process.cwd(), '.bench-outbox-'));
  try {
    const envelope = new TextEncoder().encode(JSON.stringify({ payload: body1KiB().repeat(3) }).slice(0, 2900));
    let op;
    if (options.variant === 'enqueue') {
      const outbox = await Outbox.open(directory);
      op = async () => {
        const envelopeId = randomUUID();
        await outbox.enqueue({
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
      };
      await op();
      if (outbox.list().length !== 1) throw new Error('enqueued record not readable');
    } else {
      const directoryHandle = await open(directory, 'r');
      op = async () => {
        const name = join(directory, `${randomUUID()}.json`);
        const handle = await open(`${name}.tmp`, 'wx', 0o600);
        await handle.writeFile(envelope);
        await handle.sync();
        await handle.close();
        await rename(`${name}.tmp`, name);
        await directoryHandle.sync();
      };
    }
    report(await measure(op, options));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
