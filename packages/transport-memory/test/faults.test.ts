import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode, TransportError } from '@skcomm/core';
import { memory, MemoryNetwork, type FaultSettings } from '../src/index.js';
import { contextFor, FINGERPRINT_A, FINGERPRINT_B, labelOf, payload } from './support.js';

async function started(network: MemoryNetwork) {
  const a = memory({ network })(contextFor(FINGERPRINT_A));
  const b = memory({ network })(contextFor(FINGERPRINT_B));
  await Promise.all([a.start(), b.start()]);
  return { a, b };
}

async function sendNumbered(network: MemoryNetwork, count: number): Promise<string[]> {
  const { a, b } = await started(network);
  for (let index = 0; index < count; index++) await a.send(payload(String(index)), { fingerprint: FINGERPRINT_B });
  return (await b.receive()).map((envelope) => labelOf(envelope.bytes));
}

async function lossyRun(seed: number, faults: Partial<FaultSettings>): Promise<string[]> {
  const network = new MemoryNetwork({ seed });
  network.faults.set(faults);
  return sendNumbered(network, 1000);
}

describe('fault injection', () => {
  it('down: send fails retryably, receive fails, health says why; all recover when it comes back', async () => {
    const network = new MemoryNetwork();
    const { a, b } = await started(network);
    network.faults.set({ down: true });
    const error = await a.send(payload('x'), { fingerprint: FINGERPRINT_B }).catch((caught: unknown) => caught);
    expect(TransportError.isTransportError(error) && error.retryable).toBe(true);
    expect((error as TransportError).code).toBe(ErrorCode.TransportUnavailable);
    await expect(b.receive()).rejects.toThrow(/network is down/);
    expect(await a.healthCheck()).toMatchObject({ status: 'down', detail: 'network is down' });
    expect(await a.isAvailable()).toBe(false);
    network.faults.set({ down: false });
    await a.send(payload('x'), { fingerprint: FINGERPRINT_B });
    expect(await b.receive()).toHaveLength(1);
  });

  it('an endpoint that is down refuses traffic to and from it, while others stay up', async () => {
    const network = new MemoryNetwork();
    const { a, b } = await started(network);
    b.faults.set({ down: true });
    await expect(a.send(payload('x'), { fingerprint: FINGERPRINT_B })).rejects.toThrow(`endpoint ${FINGERPRINT_B} is down`);
    await expect(b.send(payload('x'), { fingerprint: FINGERPRINT_A })).rejects.toThrow(/is down/);
    expect((await a.healthCheck()).status).toBe('up');
    expect((await b.healthCheck()).status).toBe('down');
  });

  it('flapping on an interval: up for upMs, down for downMs, over and over', async () => {
    let now = 0;
    const network = new MemoryNetwork({ clock: () => now });
    const { a } = await started(network);
    network.faults.set({ flapping: { upMs: 100, downMs: 50 } });
    const timeline: string[] = [];
    for (now = 0; now < 450; now += 25) timeline.push((await a.healthCheck()).status === 'up' ? 'U' : 'D');
    expect(timeline.join('')).toBe('UUUUDDUUUUDDUUUUDD');
    now = 120;
    await expect(a.send(payload('x'), { fingerprint: FINGERPRINT_B })).rejects.toThrow(/flapping and in a down phase/);
    network.faults.set({ flapping: null });
    expect((await a.healthCheck()).status).toBe('up');
  });

  it('flapping on a seeded schedule: phases within the ranges, the same for the same seed', async () => {
    const schedule = (seed: number) => {
      let now = 0;
      const network = new MemoryNetwork({ seed, clock: () => now });
      network.faults.set({ flapping: { upMs: [10, 50], downMs: [5, 20] } });
      const states: boolean[] = [];
      for (now = 0; now < 2000; now++) states.push(network.faults.downReason() === undefined);
      return states;
    };
    const first = schedule(3);
    expect(schedule(3)).toEqual(first);
    expect(schedule(4)).not.toEqual(first);
    const runs: { up: boolean; length: number }[] = [];
    for (const up of first) {
      const last = runs.at(-1);
      if (last?.up === up) last.length++;
      else runs.push({ up, length: 1 });
    }
    for (const run of runs.slice(1, -1)) {
      const [min, max] = run.up ? [10, 50] : [5, 20];
      expect(run.length).toBeGreaterThanOrEqual(min);
      expect(run.length).toBeLessThanOrEqual(max);
    }
  });

  it('latency: send resolves once the envelope landed, health reports the configured delay', async () => {
    const network = new MemoryNetwork();
    const { a, b } = await started(network);
    network.faults.set({ latencyMs: 30 });
    b.faults.set({ latencyMs: 10 });
    const startedAt = performance.now();
    await a.send(payload('slow'), { fingerprint: FINGERPRINT_B });
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(38);
    expect(await b.receive()).toHaveLength(1);
    expect((await b.healthCheck()).latencyMs).toBe(40);
  });

  it('latency: an abort while in flight rejects the send and delivers nothing', async () => {
    const network = new MemoryNetwork();
    const { a, b } = await started(network);
    network.faults.set({ latencyMs: 50 });
    const controller = new AbortController();
    const sending = a.send(payload('aborted'), { fingerprint: FINGERPRINT_B }, { signal: controller.signal });
    controller.abort();
    await expect(sending).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await b.receive()).toEqual([]);
  });

  it('latency: a recipient that stops while the envelope is in flight makes the send fail', async () => {
    const network = new MemoryNetwork();
    const { a, b } = await started(network);
    network.faults.set({ latencyMs: 30 });
    const sending = a.send(payload('x'), { fingerprint: FINGERPRINT_B });
    await b.stop();
    await expect(sending).rejects.toThrow(/no endpoint is listening/);
  });

  it('drop rate: send succeeds, about that share is lost, and the same seed loses the same ones', async () => {
    const received = await lossyRun(11, { dropRate: 0.2 });
    expect(received.length).toBeGreaterThan(740);
    expect(received.length).toBeLessThan(860);
    expect(await lossyRun(11, { dropRate: 0.2 })).toEqual(received);
    expect(await lossyRun(12, { dropRate: 0.2 })).not.toEqual(received);
  });

  it('duplicate rate: some envelopes land 2..maxCopies times, each copy committed on its own', async () => {
    const received = await lossyRun(5, { duplicateRate: 0.3, maxCopies: 4 });
    const counts = new Map<string, number>();
    for (const label of received) counts.set(label, (counts.get(label) ?? 0) + 1);
    expect(counts.size).toBe(1000);
    const duplicated = [...counts.values()].filter((count) => count > 1);
    expect(duplicated.length).toBeGreaterThan(240);
    expect(duplicated.length).toBeLessThan(360);
    expect(new Set(duplicated)).toEqual(new Set([2, 3, 4]));
  });

  it('reordering: envelopes land out of order, none lost; without it the order is kept', async () => {
    const inOrder = Array.from({ length: 1000 }, (_, index) => String(index));
    const shuffled = await lossyRun(9, { reorderRate: 0.3 });
    expect(shuffled).not.toEqual(inOrder);
    expect([...shuffled].sort()).toEqual([...inOrder].sort());
    expect(await lossyRun(9, {})).toEqual(inOrder);
  });

  it('jitter reorders concurrent sends', async () => {
    const network = new MemoryNetwork({ seed: 2 });
    network.faults.set({ jitterMs: 20 });
    const { a, b } = await started(network);
    await Promise.all(Array.from({ length: 50 }, (_, index) => a.send(payload(String(index)), { fingerprint: FINGERPRINT_B })));
    const labels = (await b.receive()).map((envelope) => labelOf(envelope.bytes));
    expect(labels).toHaveLength(50);
    expect(labels).not.toEqual(Array.from({ length: 50 }, (_, index) => String(index)));
  });

  it('settings change at run time, keep the others, and reset to none', () => {
    const network = new MemoryNetwork();
    network.faults.set({ dropRate: 0.5 });
    network.faults.set({ latencyMs: 3 });
    expect(network.faults.settings).toMatchObject({ dropRate: 0.5, latencyMs: 3 });
    network.faults.reset();
    expect(network.faults.settings).toMatchObject({ dropRate: 0, latencyMs: 0, down: false, flapping: null });
  });

  it.each<[Partial<FaultSettings>, string]>([
    [{ dropRate: 1.5 }, 'faults.dropRate'],
    [{ duplicateRate: -0.1 }, 'faults.duplicateRate'],
    [{ latencyMs: Number.NaN }, 'faults.latencyMs'],
    [{ maxCopies: 1 }, 'faults.maxCopies'],
    [{ flapping: { upMs: 0, downMs: 10 } }, 'faults.flapping.upMs'],
    [{ flapping: { upMs: 10, downMs: [20, 10] } }, 'faults.flapping.downMs'],
  ])('rejects invalid settings %j with a ConfigError naming %s', (settings, field) => {
    const network = new MemoryNetwork();
    try {
      network.faults.set(settings);
      expect.unreachable('set() accepted invalid settings');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe(field);
    }
    expect(network.faults.settings.dropRate).toBe(0);
  });
});
