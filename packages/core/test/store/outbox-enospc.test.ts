/**
 * R4 for the outbox: ENOSPC injected at open, write and fsync of the log. `send` fails
 * with E_STORAGE_FULL before anything is sent, nothing half-written stays in the log,
 * and sending works again once space returns.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { Outbox } from '../../src/store/index.js';
import { agentPair, type AgentPair } from '../helpers/agents.js';

type FaultPoint = 'open' | 'write' | 'sync';
const fault = vi.hoisted(() => ({ at: undefined as FaultPoint | undefined, path: 'outbox.log' }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const enospc = (call: string) => Object.assign(new Error(`ENOSPC: no space left on device, ${call}`), { code: 'ENOSPC', errno: -28 });
  const wrapHandle = (handle: import('node:fs/promises').FileHandle, path: string) =>
    new Proxy(handle, {
      get(target, property) {
        const hit = path.endsWith(fault.path);
        if (hit && fault.at === 'write' && property === 'write') {
          // A partial write first, as a full disk does: some bytes land, then the error.
          return async (buffer: Buffer, offset = 0, length = buffer.length) => {
            await target.write(buffer, offset, Math.max(1, Math.floor(length / 2)));
            throw enospc('write');
          };
        }
        if (hit && fault.at === 'sync' && property === 'sync') return async () => Promise.reject(enospc('fsync'));
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  const open: typeof actual.open = async (path, flags, mode) => {
    const writing = typeof flags === 'string' && /[wa]/.test(flags);
    if (fault.at === 'open' && writing && String(path).endsWith(fault.path)) throw enospc(`open '${String(path)}'`);
    return wrapHandle(await actual.open(path, flags, mode), String(path));
  };
  return { ...actual, open, default: { ...actual, open } };
});

let pair: AgentPair;
afterEach(async () => {
  fault.at = undefined;
  await pair?.cleanup();
});

describe('outbox under ENOSPC (R4)', () => {
  test.each(['open', 'write', 'sync'] as const)('at %s: send rejects with E_STORAGE_FULL, nothing is sent or half-written, then it recovers', async (point) => {
    pair = await agentPair();
    const { alice, network, testAgents } = pair;
    // An open log keeps its descriptor; the open fault hits the first send, which creates it.
    const before = point === 'open' ? 0 : 1;
    if (before === 1) await alice.send('bob', { body: 'before' });
    fault.at = point;
    await expect(alice.send('bob', { body: 'disk full' })).rejects.toMatchObject({ code: ErrorCode.StorageFull });
    expect(network.waiting(testAgents.bob.identity.fingerprint)).toHaveLength(before);
    fault.at = undefined;

    const reopened = await Outbox.open(testAgents.alice.layout.outboxDir);
    expect(reopened.corruptRecords).toBe(0);
    expect(reopened.list()).toHaveLength(before);
    const { report } = await alice.send('bob', { body: 'space is back' });
    expect(report.state).toBe('handed-off');
    expect(network.waiting(testAgents.bob.identity.fingerprint)).toHaveLength(before + 1);
    const again = await Outbox.open(testAgents.alice.layout.outboxDir);
    expect(again.corruptRecords).toBe(0);
    expect(again.list()).toHaveLength(before + 1);
  });
});
