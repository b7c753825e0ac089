/** The bounded queue realtime transports hold received envelopes in until commit(). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReceiveQueue } from '../../src/index.js';

const bytes = (length: number): Uint8Array => new Uint8Array(length);

describe('ReceiveQueue', () => {
  it('lists oldest first, at most `limit`, and keeps entries until committed', () => {
    const queue = new ReceiveQueue({ maxEnvelopes: 10, maxBytes: 1_000 });
    const first = queue.add(bytes(3), 'peer-a');
    const second = queue.add(bytes(5), 'peer-b');
    expect(queue.list().map((entry) => entry.id)).toEqual([first.id, second.id]);
    expect(queue.list(1)).toEqual([first]);
    expect(second.source).toBe('peer-b');
    expect(queue.size).toBe(2);
    expect(queue.byteSize).toBe(8);

    queue.commit(first.id);
    expect(queue.has(first.id)).toBe(false);
    expect(queue.has(second.id)).toBe(true);
    expect(queue.list()).toEqual([second]);
    expect(queue.byteSize).toBe(5);
  });

  it('hands an entry out as an InboundEnvelope whose commit() forgets it', async () => {
    const queue = new ReceiveQueue();
    const entry = queue.add(bytes(4), 'peer');
    const inbound = queue.inbound(entry, 'tcp');
    expect(inbound).toMatchObject({ bytes: entry.bytes, transport: 'tcp', source: 'peer', receivedAt: entry.receivedAt });
    await inbound.commit();
    expect(queue.has(entry.id)).toBe(false);
    await inbound.commit();
    expect(queue.size).toBe(0);
  });

  it('commit is idempotent', () => {
    const queue = new ReceiveQueue({ maxEnvelopes: 10, maxBytes: 1_000 });
    const entry = queue.add(bytes(4), 'peer');
    queue.commit(entry.id);
    queue.commit(entry.id);
    expect(queue.size).toBe(0);
    expect(queue.byteSize).toBe(0);
  });

  it('has room until either limit is reached, and an empty queue takes any one envelope', () => {
    const queue = new ReceiveQueue({ maxEnvelopes: 2, maxBytes: 10 });
    expect(queue.hasRoomFor(50)).toBe(true);
    queue.add(bytes(6), 'peer');
    expect(queue.hasRoomFor(4)).toBe(true);
    expect(queue.hasRoomFor(5)).toBe(false);
    queue.add(bytes(1), 'peer');
    expect(queue.hasRoomFor(0)).toBe(false);
  });

  it('without limits never reports itself full', () => {
    const queue = new ReceiveQueue();
    for (let index = 0; index < 100; index++) queue.add(bytes(1_000), 'peer');
    expect(queue.hasRoomFor(1_000_000)).toBe(true);
  });

  it('wakes space waiters on every commit until they unsubscribe', () => {
    const queue = new ReceiveQueue({ maxEnvelopes: 1, maxBytes: 10 });
    let wakes = 0;
    const stop = queue.onSpace(() => wakes++);
    queue.commit(queue.add(bytes(1), 'peer').id);
    queue.commit(12_345);
    expect(wakes).toBe(1);
    stop();
    queue.commit(queue.add(bytes(1), 'peer').id);
    expect(wakes).toBe(1);
  });

  it('keeps size and byteSize equal to what is still queued, whatever is added and committed', () => {
    const step = fc.oneof(
      fc.record({ add: fc.integer({ min: 0, max: 64 }) }),
      fc.record({ commit: fc.nat({ max: 40 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const queue = new ReceiveQueue({ maxEnvelopes: 8, maxBytes: 256 });
        const model = new Map<number, number>();
        for (const item of steps) {
          if ('add' in item) {
            const entry = queue.add(bytes(item.add), 'peer');
            expect(model.has(entry.id)).toBe(false);
            model.set(entry.id, item.add);
          } else {
            queue.commit(item.commit);
            model.delete(item.commit);
          }
        }
        expect(queue.list().map((entry) => entry.id)).toEqual([...model.keys()]);
        expect(queue.size).toBe(model.size);
        expect(queue.byteSize).toBe([...model.values()].reduce((sum, length) => sum + length, 0));
      }),
    );
  });
});
