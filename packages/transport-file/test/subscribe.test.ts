import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InboundEnvelope } from '@skcomm/core';
import { envelopeFor, FINGERPRINT_A, FINGERPRINT_B, recordingLogger, sandbox, transportFor } from './support.js';

let folder: Awaited<ReturnType<typeof sandbox>>;
beforeEach(async () => {
  folder = await sandbox();
});
afterEach(() => folder.cleanup());

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('subscribe', () => {
  it.each([
    ['fs.watch and polling', true, 60_000],
    ['polling only (network file systems)', false, 50],
  ])('pushes new envelope files with %s', async (_, watch, pollIntervalMs) => {
    const receiver = transportFor(FINGERPRINT_B, { root: folder.root, watch, pollIntervalMs });
    await receiver.start();
    const pushed: Uint8Array[] = [];
    const unsubscribe = receiver.subscribe(async (envelope) => {
      pushed.push(envelope.bytes);
      await envelope.commit();
    });
    const envelope = envelopeFor();
    await transportFor(FINGERPRINT_A, { root: folder.root }).send(envelope.bytes, { fingerprint: FINGERPRINT_B });
    await waitFor(() => pushed.length === 1);
    expect(pushed).toEqual([envelope.bytes]);
    unsubscribe();
    await receiver.stop();
  });

  it('pushes an uncommitted file again on a later look, but never twice at once', async () => {
    const logger = recordingLogger();
    const receiver = transportFor(FINGERPRINT_B, { root: folder.root, watch: false, pollIntervalMs: 50 }, logger);
    await receiver.start();
    let running = 0;
    let maximum = 0;
    const pushes: InboundEnvelope[] = [];
    receiver.subscribe(async (envelope) => {
      running++;
      maximum = Math.max(maximum, running);
      pushes.push(envelope);
      await new Promise((resolve) => setTimeout(resolve, 120));
      running--;
      if (pushes.length === 2) throw new Error('inbox full');
    });
    await transportFor(FINGERPRINT_A, { root: folder.root }).send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B });
    await waitFor(() => pushes.length >= 3);
    await receiver.stop();
    expect(maximum).toBe(1);
    expect(logger.lines.some((line) => line.level === 'warn' && /subscriber failed/.test(line.message))).toBe(true);
  });

  it('pushes nothing after stop(), and resumes after start()', async () => {
    const receiver = transportFor(FINGERPRINT_B, { root: folder.root, pollIntervalMs: 50 });
    await receiver.start();
    const pushed: InboundEnvelope[] = [];
    receiver.subscribe((envelope) => {
      pushed.push(envelope);
    });
    await receiver.stop();
    await transportFor(FINGERPRINT_A, { root: folder.root }).send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(pushed).toEqual([]);
    await receiver.start();
    await waitFor(() => pushed.length >= 1);
    await receiver.stop();
  });
});
