/**
 * 2xx only after the envelope is durable, and what was never committed comes back after
 * a crash. The "crashed" receiver is abandoned, never stop()ped: the spool holds no state
 * in memory that a clean stop would flush, so a new transport on the same spool directory
 * sees exactly what a restarted process would.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { InboundEnvelope } from '@skcomm/core';
import { envelopeFor, eventually, FINGERPRINT_A, FINGERPRINT_B, sandbox, startedReceiver, transportFor } from './support.js';
import type { HttpTransport } from '../src/index.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function receiverOn(spool: string): Promise<{ transport: HttpTransport; endpoint: string }> {
  const started = await startedReceiver(FINGERPRINT_B, { spool, rateLimit: 0, pollIntervalMs: 20 });
  cleanups.push(() => started.transport.stop());
  return started;
}

async function spoolFolder(): Promise<string> {
  const folder = await sandbox();
  cleanups.push(folder.cleanup);
  return join(folder.directory, 'spool');
}

it('the envelope is on disk, byte-exact, by the time send() resolves', async () => {
  const spool = await spoolFolder();
  const { endpoint } = await receiverOn(spool);
  const envelope = envelopeFor();
  await transportFor(FINGERPRINT_A, {}).send(envelope.bytes, { fingerprint: FINGERPRINT_B, address: endpoint });
  const names = (await readdir(join(spool, 'inbox'))).filter((name) => name.endsWith('.skc.json'));
  expect(names).toHaveLength(1);
  expect(new Uint8Array(await readFile(join(spool, 'inbox', names[0] as string)))).toEqual(envelope.bytes);
});

it('a crash before commit() delivers the envelope again from the spool; committed ones never come back', async () => {
  const spool = await spoolFolder();
  const crashed = await receiverOn(spool);
  const sender = transportFor(FINGERPRINT_A, {});
  const [kept, committed, neverRead] = [envelopeFor(), envelopeFor(), envelopeFor()];
  for (const envelope of [kept, committed]) await sender.send(envelope.bytes, { fingerprint: FINGERPRINT_B, address: crashed.endpoint });
  const firstLook = await crashed.transport.receive();
  expect(firstLook.map((envelope) => envelope.bytes)).toEqual([kept.bytes, committed.bytes]);
  await firstLook[1]?.commit();
  await sender.send(neverRead.bytes, { fingerprint: FINGERPRINT_B, address: crashed.endpoint });
  // An interrupted write leaves a temp file: it was never answered 2xx and must not be delivered.
  await writeFile(join(spool, 'inbox', '.tmp', '000000000000001-abcdefabcdef.skc.json'), '{"half":');

  const restarted = await receiverOn(spool); // the crashed one is abandoned, not stopped
  const afterRestart = await restarted.transport.receive();
  expect(afterRestart.map((envelope) => envelope.bytes)).toEqual([kept.bytes, neverRead.bytes]);
  for (const envelope of afterRestart) await envelope.commit();
  expect(await restarted.transport.receive()).toEqual([]);
  expect(await readdir(join(spool, 'inbox', '.tmp'))).toEqual([]);
});

it('uncommitted envelopes are returned again, and commit() is idempotent', async () => {
  const spool = await spoolFolder();
  const { transport, endpoint } = await receiverOn(spool);
  const envelope = envelopeFor();
  await transportFor(FINGERPRINT_A, {}).send(envelope.bytes, { fingerprint: FINGERPRINT_B, address: endpoint });
  const [first] = await transport.receive();
  const [again] = await transport.receive();
  expect(again?.bytes).toEqual(first?.bytes);
  await Promise.all([first?.commit(), again?.commit()]);
  await first?.commit();
  expect(await transport.receive()).toEqual([]);
});

it('a subscriber that was pushed an envelope but crashed before committing gets it again after the restart', async () => {
  const spool = await spoolFolder();
  const crashed = await receiverOn(spool);
  const handled: InboundEnvelope[] = [];
  crashed.transport.subscribe((envelope) => {
    handled.push(envelope); // never commits: the process "dies" here
  });
  const envelope = envelopeFor();
  await transportFor(FINGERPRINT_A, {}).send(envelope.bytes, { fingerprint: FINGERPRINT_B, address: crashed.endpoint });
  await eventually(() => handled.length > 0, 'the first push');
  await crashed.transport.stop();

  const restarted = await receiverOn(spool);
  const pushed: InboundEnvelope[] = [];
  restarted.transport.subscribe(async (inbound) => {
    pushed.push(inbound);
    await inbound.commit();
  });
  await eventually(() => pushed.length > 0, 'the push after the restart');
  expect(pushed[0]?.bytes).toEqual(envelope.bytes);
  expect(await restarted.transport.receive()).toEqual([]);
});
