/**
 * R5 (primary down), R6 (flapping), R7 (broadcast + duplicates, reordered) and R11 (lost
 * acks) over @skcomm/transport-memory's fault injection, with real agents, stores and
 * crypto. Pass: 0 lost, 0 duplicated, 0 unexpected.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@skcomm/core';
import { file } from '@skcomm/transport-file';
import { memory, MemoryNetwork } from '@skcomm/transport-memory';
import { afterAll, describe, expect, test } from 'vitest';
import { summarize } from '../src/history.js';
import { scaled } from '../src/harness.js';
import { runScenario } from '../src/scenario.js';

const context = (selfFingerprint: string) => ({ selfFingerprint, logger: silentLogger });
const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

describe('fault runs (history checked)', () => {
  test('R5 primary transport down: failover delivers everything via the next', async () => {
    const primary = new MemoryNetwork({ seed: 5 });
    const secondary = new MemoryNetwork({ seed: 6 });
    const folder = await mkdtemp(join(tmpdir(), 'skcomm-r5-'));
    folders.push(folder);
    primary.faults.set({ down: true });
    const result = await runScenario({
      name: 'R5',
      count: scaled(200),
      transports: ({ sender, receiver }) => ({
        sender: [
          memory({ network: primary, name: 'primary', priority: 1 })(context(sender)),
          memory({ network: secondary, name: 'secondary', priority: 2 })(context(sender)),
          file({ root: folder, name: 'folder', priority: 3, pollIntervalMs: 50, expectedLatencyMs: 100 })(context(sender)),
        ],
        receiver: [
          memory({ network: primary, name: 'primary', priority: 1 })(context(receiver)),
          memory({ network: secondary, name: 'secondary', priority: 2 })(context(receiver)),
          file({ root: folder, name: 'folder', priority: 3, pollIntervalMs: 50, expectedLatencyMs: 100 })(context(receiver)),
        ],
      }),
    });
    console.info(summarize('R5 primary down', result.verdict), `avg rounds ${result.averageRounds.toFixed(2)}`, result.handedOffBy);
    expect(result.undelivered).toEqual([]);
    expect(result.verdict).toMatchObject({ lost: [], duplicated: [], unexpected: [], valid: true });
    expect(result.verdict.ok).toBe(scaled(200));
    expect(result.handedOffBy.secondary).toBe(scaled(200));
    expect(result.handedOffBy.primary ?? 0).toBe(0);
  }, 180_000);

  test('R6 flapping transport (up/down every 100 ms – 2 s)', async () => {
    const network = new MemoryNetwork({ seed: 66 });
    network.faults.set({ flapping: { upMs: [100, 2000], downMs: [100, 2000] } });
    const result = await runScenario({
      name: 'R6',
      count: scaled(500),
      settings: { retrySeconds: [0.5, 1, 2], cooldownAfterFailures: 3, cooldownSeconds: 0.1 },
      transports: ({ sender, receiver }) => ({
        sender: [memory({ network, name: 'flappy' })(context(sender))],
        receiver: [memory({ network, name: 'flappy' })(context(receiver))],
      }),
      // The schedule is compressed 10x; so is the retry budget's span: allow more rounds.
      maxRetries: 100,
      timeoutMs: 150_000,
    });
    console.info(summarize('R6 flapping', result.verdict), `avg rounds ${result.averageRounds.toFixed(2)}`);
    expect(result.undelivered).toEqual([]);
    expect(result.verdict).toMatchObject({ lost: [], duplicated: [], unexpected: [], valid: true });
    expect(result.verdict.ok).toBe(scaled(500));
  }, 180_000);

  test('R7 broadcast over 3 transports, 10 % of envelopes landing 2–6 times, reordered: each seen once', async () => {
    const networks = [1, 2, 3].map((seed) => {
      const network = new MemoryNetwork({ seed: 70 + seed });
      network.faults.set({ duplicateRate: 0.1, maxCopies: 6, reorderRate: 0.3, jitterMs: 3 });
      return network;
    });
    const result = await runScenario({
      name: 'R7',
      count: scaled(200),
      mode: 'broadcast',
      transports: ({ sender, receiver }) => ({
        sender: networks.map((network, index) => memory({ network, name: `m${index + 1}`, priority: index + 1 })(context(sender))),
        receiver: networks.map((network, index) => memory({ network, name: `m${index + 1}`, priority: index + 1 })(context(receiver))),
      }),
    });
    console.info(summarize('R7 broadcast', result.verdict), result.handedOffBy);
    expect(result.undelivered).toEqual([]);
    expect(result.verdict).toMatchObject({ lost: [], duplicated: [], unexpected: [], valid: true });
    expect(result.handedOffBy).toEqual({ m1: scaled(200), m2: scaled(200), m3: scaled(200) });
  }, 180_000);

  test('R11 lost acks (30 % of acks dropped): retried until acked, never a duplicate to the application', async () => {
    const forward = new MemoryNetwork({ seed: 110 });
    const back = new MemoryNetwork({ seed: 111 });
    back.faults.set({ dropRate: 0.3 });
    const result = await runScenario({
      name: 'R11',
      count: scaled(300),
      settings: { retrySeconds: [1, 1.5, 2] },
      // Messages go forward; acks come back over the lossy network.
      transports: ({ sender, receiver }) => ({
        sender: [memory({ network: forward, name: 'forward', priority: 1 })(context(sender)), memory({ network: back, name: 'back', priority: 2 })(context(sender))],
        receiver: [memory({ network: back, name: 'back', priority: 1 })(context(receiver)), memory({ network: forward, name: 'forward', priority: 2 })(context(receiver))],
      }),
    });
    console.info(summarize('R11 lost acks', result.verdict), `avg rounds ${result.averageRounds.toFixed(2)}`);
    expect(result.undelivered).toEqual([]);
    expect(result.verdict).toMatchObject({ lost: [], duplicated: [], unexpected: [], valid: true });
    expect(result.averageRounds).toBeGreaterThan(1);
  }, 180_000);
});
