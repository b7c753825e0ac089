import { describe, expect, it } from 'vitest';
import { InflightWindow } from '../../src/transport/inflight-window.js';

describe('InflightWindow', () => {
  it('grants `size` slots at once and the next one only after a release, in order', async () => {
    const window = new InflightWindow(2);
    await window.acquire();
    await window.acquire();
    const granted: number[] = [];
    const third = window.acquire().then(() => granted.push(3));
    const fourth = window.acquire().then(() => granted.push(4));
    await Promise.resolve();
    expect(granted).toEqual([]);
    window.release();
    await third;
    expect(granted).toEqual([3]);
    window.release();
    await fourth;
    expect(granted).toEqual([3, 4]);
  });

  it('an aborted wait rejects with the reason and gives its turn to the next waiter', async () => {
    const window = new InflightWindow(1);
    await window.acquire();
    const controller = new AbortController();
    const aborted = window.acquire(controller.signal);
    const next = window.acquire();
    controller.abort(new Error('gave up'));
    await expect(aborted).rejects.toThrow('gave up');
    window.release();
    await expect(next).resolves.toBeUndefined();
    expect(() => window.acquire(controller.signal)).toThrow('gave up');
  });
});
