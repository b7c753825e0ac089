/**
 * R1 and R2: kill -9 of the sending process and of the receiving daemon at random
 * points, real processes over a real shared folder (@skcomm/transport-file), then a
 * restart and a drain. Every message is classified by the history checker.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@skcomm/core';
import { Inbox } from '@skcomm/core/store';
import { file } from '@skcomm/transport-file';
import { afterAll, describe, expect, test } from 'vitest';
import { checkHistory, summarize } from '../src/history.js';
import { allDelivered, consume, inParallel, makeHomes, openAgent, scaled, waitFor } from '../src/harness.js';
import { fixture, killHard, startChild } from '../src/processes.js';

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

async function sharedFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'skcomm-crash-'));
  folders.push(folder);
  return folder;
}

const random = (low: number, high: number) => low + Math.floor(Math.random() * (high - low + 1));

describe('crash faults (history checked)', () => {
  test('R1 kill -9 of the sender at random points while sending, then restart and drain', async () => {
    const cycles = scaled(10);
    const total = scaled(200);
    const homes = await makeHomes(['sender', 'receiver'], { retrySeconds: [0.3, 0.6, 1] });
    const root = await sharedFolder();
    const receiver = await openAgent(homes.receiver, [
      file({ root, pollIntervalMs: 50, expectedLatencyMs: 200 })({ selfFingerprint: homes.receiver.identity.fingerprint, logger: silentLogger }),
    ]);
    const attempted: string[] = [];
    const confirmed: string[] = [];
    const consumed: string[] = [];
    const senderArgs = { home: homes.sender.home, passphrase: homes.sender.passphrase, root, prefix: 'R1', end: total };
    let next = 0;
    const collect = (lines: string[]) => {
      for (const line of lines) {
        const [kind, body] = line.split(' ');
        if (kind === 'attempt' && body) {
          attempted.push(body);
          next = Math.max(next, Number(body.split('-')[1]) + 1);
        } else if (kind === 'sent' && body) confirmed.push(body);
      }
    };
    try {
      for (let cycle = 0; cycle < cycles && next < total; cycle++) {
        const child = startChild(fixture('sender.mjs'), { ...senderArgs, start: next, drain: false });
        const sentBefore = random(1, Math.max(1, Math.floor(total / cycles)));
        let seen = 0;
        await child.waitForLine((line) => line.startsWith('sent ') && ++seen >= sentBefore, `${sentBefore} sends`).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, random(0, 50)));
        await killHard(child);
        collect(child.lines);
        // The receiver runs between crashes too, as a real peer would.
        await receiver.receive();
        await consume(receiver, consumed);
      }
      // Last run: send the rest, then retry and take acks until the outbox is empty.
      const last = startChild(fixture('sender.mjs'), { ...senderArgs, start: next, drain: true });
      const stop = new AbortController();
      const receiving = (async () => {
        while (!stop.signal.aborted) {
          await receiver.receive();
          await consume(receiver, consumed);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      try {
        await last.waitForLine((line) => line.startsWith('drained '), 'the drain', 120_000);
      } finally {
        stop.abort();
        await receiving;
      }
      expect((await last.exited).code).toBe(0);
      collect(last.lines);
      await receiver.receive();
      await consume(receiver, consumed);
      const verdict = checkHistory({ attempted, confirmed, consumed });
      console.info(summarize(`R1 sender kill -9 x${cycles}`, verdict));
      expect(verdict).toMatchObject({ lost: [], duplicated: [], unexpected: [], valid: true });
      expect(confirmed.length).toBeGreaterThanOrEqual(total - cycles);
    } finally {
      await receiver.close();
      await homes.cleanup();
    }
  }, 240_000);

  test('R2 kill -9 of the receiving daemon between decrypt, inbox append and ack, then restart and drain', async () => {
    const cycles = scaled(10);
    const total = scaled(200);
    const homes = await makeHomes(['sender', 'receiver'], { retrySeconds: [0.3, 0.6, 1] });
    const root = await sharedFolder();
    const sender = await openAgent(homes.sender, [
      file({ root, pollIntervalMs: 50, expectedLatencyMs: 200 })({ selfFingerprint: homes.sender.identity.fingerprint, logger: silentLogger }),
    ]);
    const receiverArgs = { home: homes.receiver.home, passphrase: homes.receiver.passphrase, root };
    const attempted: string[] = [];
    const confirmed: string[] = [];
    const stop = new AbortController();
    let sending: Promise<void> | undefined;
    let senderLoop: Promise<void> | undefined;
    try {
      const bodies = Array.from({ length: total }, (_, index) => `R2-${index}`);
      sending = inParallel(bodies, 4, async (body) => {
        attempted.push(body);
        await sender.send('receiver', { body, maxRetries: 1000 });
        confirmed.push(body);
      });
      // The sender keeps retrying and taking acks the whole time.
      senderLoop = (async () => {
        while (!stop.signal.aborted) {
          await sender.receive();
          await sender.retryDue();
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      for (let cycle = 0; cycle < cycles; cycle++) {
        const child = startChild(fixture('receiver.mjs'), receiverArgs);
        await child.waitForLine((line) => line === 'ready', 'the daemon to start');
        await new Promise((resolve) => setTimeout(resolve, random(20, 400)));
        await killHard(child);
      }
      await sending;
      const last = startChild(fixture('receiver.mjs'), receiverArgs);
      await last.waitForLine((line) => line === 'ready', 'the daemon to start');
      await waitFor(() => allDelivered(sender, total), 'every message acked', 120_000, 50);
      stop.abort();
      await senderLoop;
      last.process.kill('SIGTERM');
      expect((await last.exited).code).toBe(0);

      // The application's view: everything in the durable inbox, read through a fresh process' eyes.
      const consumed = (await new Inbox(homes.receiver.layout.inboxDir).list()).map((entry) => entry.message.body);
      const verdict = checkHistory({ attempted, confirmed, consumed });
      console.info(summarize(`R2 receiver kill -9 x${cycles}`, verdict));
      expect(verdict).toMatchObject({ lost: [], duplicated: [], unexpected: [], valid: true });
      expect(verdict.ok).toBe(total);
    } finally {
      stop.abort();
      await Promise.allSettled([sending, senderLoop]);
      await sender.close();
      await homes.cleanup();
    }
  }, 240_000);
});
