/** Group commit of directory fsyncs: shared, but never one that started before the caller's change. */
import { describe, expect, it } from 'vitest';
import { DirectorySyncs } from '../src/directory-sync.js';

/** A fake fsync that the test finishes by hand, recording each start. */
function manualSync() {
  const started: Array<{ path: string; finish: (error?: Error) => void }> = [];
  const sync = (path: string) =>
    new Promise<void>((resolve, reject) => started.push({ path, finish: (error) => (error ? reject(error) : resolve()) }));
  return { started, sync };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('DirectorySyncs', () => {
  it('callers arriving during an fsync share the next one, and none resolves with an fsync that started before it', async () => {
    const { started, sync } = manualSync();
    const syncs = new DirectorySyncs(sync);
    const done: string[] = [];
    const first = syncs.sync('/d').then(() => done.push('first'));
    const second = syncs.sync('/d').then(() => done.push('second'));
    const third = syncs.sync('/d').then(() => done.push('third'));
    expect(started).toHaveLength(1);
    started[0]!.finish();
    await settled();
    expect(done).toEqual(['first']);
    expect(started).toHaveLength(2); // one fsync for the two that waited
    started[1]!.finish();
    await Promise.all([first, second, third]);
    expect(done).toEqual(['first', 'second', 'third']);
    expect(started).toHaveLength(2);
  });

  it('directories do not wait for each other, and a failure reaches only those who shared that fsync', async () => {
    const { started, sync } = manualSync();
    const syncs = new DirectorySyncs(sync);
    const a = syncs.sync('/a');
    const b = syncs.sync('/b');
    expect(started.map((entry) => entry.path)).toEqual(['/a', '/b']);
    started[0]!.finish(new Error('EIO'));
    started[1]!.finish();
    await expect(a).rejects.toThrow('EIO');
    await expect(b).resolves.toBeUndefined();
    const again = syncs.sync('/a');
    expect(started).toHaveLength(3);
    started[2]!.finish();
    await expect(again).resolves.toBeUndefined();
  });
});
