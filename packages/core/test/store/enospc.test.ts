/**
 * Disk full (R4): ENOSPC injected at each file-system call the stores make (open, write,
 * fsync, rename, link). Every store surfaces E_STORAGE_FULL, leaves no partial or temp
 * file, keeps the previous content, and works again once space returns.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { Inbox, Quarantine, ReplayStore, writeFileAtomic } from '../../src/store/index.js';
import { inboundEnvelope, makeTestAgents } from '../../src/testing/index.js';
import { removeTempDirs, tempDir, tempFilesIn } from '../helpers/temp.js';

type FaultPoint = 'open' | 'write' | 'torn-write' | 'sync' | 'rename' | 'link';
const fault = vi.hoisted(() => ({ at: undefined as FaultPoint | undefined, tornWrites: 0 }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const enospc = (call: string) => Object.assign(new Error(`ENOSPC: no space left on device, ${call}`), { code: 'ENOSPC', errno: -28 });
  const failing = (call: string) => async () => {
    throw enospc(call);
  };
  const wrapHandle = (handle: import('node:fs/promises').FileHandle) =>
    new Proxy(handle, {
      get(target, property) {
        if (fault.at === 'write' && (property === 'write' || property === 'writeFile')) return failing('write');
        // The disk fills up midway: the first write takes half of what it was given, the next one fails.
        if (fault.at === 'torn-write' && property === 'write') {
          return async (buffer: Uint8Array, offset = 0, length = buffer.length - offset) => {
            if (fault.tornWrites++ > 0) throw enospc('write');
            return target.write(buffer, offset, Math.max(1, Math.floor(length / 2)));
          };
        }
        if (fault.at === 'sync' && property === 'sync') return failing('fsync');
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  const open: typeof actual.open = async (path, flags, mode) => {
    const writing = typeof flags === 'string' && /[wa]/.test(flags);
    if (fault.at === 'open' && writing) throw enospc(`open '${String(path)}'`);
    return wrapHandle(await actual.open(path, flags, mode));
  };
  const rename: typeof actual.rename = async (from, to) => {
    if (fault.at === 'rename') throw enospc('rename');
    return actual.rename(from, to);
  };
  const link: typeof actual.link = async (from, to) => {
    if (fault.at === 'link') throw enospc('link');
    return actual.link(from, to);
  };
  return { ...actual, open, rename, link, default: { ...actual, open, rename, link } };
});

afterEach(() => {
  fault.at = undefined;
});
afterAll(removeTempDirs);

describe('writeFileAtomic under ENOSPC', () => {
  test.each(['open', 'write', 'sync', 'rename'] as const)('at %s: E_STORAGE_FULL, old content intact, no temp file', async (point) => {
    const directory = await tempDir();
    const path = join(directory, 'record.json');
    await writeFile(path, 'old');
    fault.at = point;
    await expect(writeFileAtomic(path, 'new content')).rejects.toMatchObject({ code: ErrorCode.StorageFull });
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await tempFilesIn(directory)).toEqual([]);
    fault.at = undefined;
    await writeFileAtomic(path, 'new content');
    expect(await readFile(path, 'utf8')).toBe('new content');
  });

  test('at link (exclusive create): E_STORAGE_FULL and nothing created', async () => {
    const directory = await tempDir();
    fault.at = 'link';
    await expect(writeFileAtomic(join(directory, 'new'), 'x', { exclusive: true })).rejects.toMatchObject({ code: ErrorCode.StorageFull });
    expect(await tempFilesIn(directory)).toEqual([]);
    await expect(readFile(join(directory, 'new'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('stores under ENOSPC', () => {
  const fingerprint = 'A'.repeat(40);
  const envelopeId = '0b7f2a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

  test.each([
    ['open', false],
    ['write', false],
    // The line reached the file before the fsync failed: it counts as seen (errs towards no redelivery).
    ['sync', true],
  ] as const)('replay store add at %s: typed error; recorded after space returns', async (point, seenAfterFailure) => {
    const path = join(await tempDir(), 'seen.log');
    const store = await ReplayStore.open(path);
    fault.at = point;
    await expect(store.add(fingerprint, envelopeId, new Date(Date.now() + 60_000))).rejects.toMatchObject({ code: ErrorCode.StorageFull });
    fault.at = undefined;
    expect(await store.has(fingerprint, envelopeId)).toBe(seenAfterFailure);
    await store.add(fingerprint, envelopeId, new Date(Date.now() + 60_000));
    expect(await (await ReplayStore.open(path)).has(fingerprint, envelopeId)).toBe(true);
  });

  test('replay store add torn by a full disk midway: typed error, and the half line does not spoil the next ones', async () => {
    const path = join(await tempDir(), 'seen.log');
    const store = await ReplayStore.open(path);
    fault.at = 'torn-write';
    fault.tornWrites = 0;
    await expect(store.add(fingerprint, envelopeId, new Date(Date.now() + 60_000))).rejects.toMatchObject({ code: ErrorCode.StorageFull });
    fault.at = undefined;
    const next = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
    await store.add(fingerprint, envelopeId, new Date(Date.now() + 60_000));
    await store.add(fingerprint, next, new Date(Date.now() + 60_000));
    const reopened = await ReplayStore.open(path);
    expect([await reopened.has(fingerprint, envelopeId), await reopened.has(fingerprint, next)]).toEqual([true, true]);
  });

  test('quarantine put: typed error', async () => {
    const quarantine = new Quarantine(await tempDir());
    fault.at = 'write';
    await expect(
      quarantine.put(new Uint8Array([1]), { code: ErrorCode.EnvelopeInvalid, message: 'bad', transport: 'memory', at: new Date() }),
    ).rejects.toMatchObject({ code: ErrorCode.StorageFull });
  });

  test('inbox append: typed error, nothing listed', async () => {
    const agents = await makeTestAgents(['opus', 'bob']);
    try {
      const outcome = await agents.bob.pipeline().process(inboundEnvelope(await agents.opus.seal(agents.bob)));
      if (outcome.status !== 'accepted') throw new Error('setup failed');
      const inbox = new Inbox(await tempDir());
      fault.at = 'link';
      await expect(inbox.append(outcome.message)).rejects.toMatchObject({ code: ErrorCode.StorageFull });
      fault.at = undefined;
      expect(await inbox.list()).toEqual([]);
    } finally {
      await agents.cleanup();
    }
  });
});

describe('receive pipeline under ENOSPC', () => {
  test.each([
    ['the inbox append', 'link', 'accepted'],
    // The inbox entry is durable and the replay line reached the file: the redelivery is a duplicate.
    ['the replay record (after the inbox append)', 'sync', 'duplicate'],
  ] as const)('a full disk at %s propagates uncommitted; the redelivery leaves exactly one message', async (_where, point, redeliveryStatus) => {
    const agents = await makeTestAgents(['opus', 'bob']);
    try {
      const envelope = await agents.opus.seal(agents.bob);
      const pipeline = agents.bob.pipeline();
      const inbound = inboundEnvelope(envelope);
      if (point === 'sync') {
        // Let the inbox write through, then fail the first fsync of the replay log.
        const append = agents.bob.inbox.append.bind(agents.bob.inbox);
        vi.spyOn(agents.bob.inbox, 'append').mockImplementationOnce(async (message) => {
          const stored = await append(message);
          fault.at = 'sync';
          return stored;
        });
      } else {
        fault.at = point;
      }
      await expect(pipeline.process(inbound)).rejects.toMatchObject({ code: ErrorCode.StorageFull });
      expect(inbound.commits).toBe(0);
      fault.at = undefined;

      const redelivered = await pipeline.process(inbound);
      expect(redelivered.status).toBe(redeliveryStatus);
      expect(inbound.commits).toBe(1);
      expect((await agents.bob.inbox.list()).length).toBe(1);
      expect((await pipeline.process(inboundEnvelope(envelope))).status).toBe('duplicate');
    } finally {
      await agents.cleanup();
    }
  });
});
