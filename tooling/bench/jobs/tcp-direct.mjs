/**
 * TCP direct on loopback, 1 KiB messages. Variants (param `variant`), measured the same way:
 *
 *   e2e        sealEnvelope + serialize -> durable outbox enqueue (fsync) -> @skcomm/transport-tcp
 *              send (resolves on the receiver's hop ack) -> the receiver's subscriber parses,
 *              opens and commits it -> outbox state handed-off. One op = one message done.
 *   crypto     seal + serialize + parse + open, nothing else: the crypto floor of e2e.
 *   transport  @skcomm/transport-tcp alone: pre-sealed envelopes, send -> hop ack, and the
 *              receiver's subscriber commits each one.
 *   raw        bare node:net with the same framing: the pre-sealed envelope and "\n" out, an
 *              "OK <n>\n" line back from a node:net server that splits lines: TCP's floor here.
 *
 * `latency: true` sends one at a time and reports p50 (value), p90 and p99 in ms.
 * Needs packages/transport-tcp/dist (pnpm build).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseEnvelope, serializeEnvelope } from '@skcomm/core';
import { openEnvelope, sealEnvelope } from '@skcomm/core/crypto';
import { Outbox } from '@skcomm/core/store';
import { coreKeys } from './core.mjs';
import { body1KiB, measure, params, report, run, latencies } from './lib.mjs';

const FINGERPRINT_B = 'B'.repeat(40);
const logger = { debug() {}, info() {}, warn() {}, error() {} };

async function tcpPair() {
  const { tcp } = await import('../../../packages/transport-tcp/dist/index.js');
  const receiver = tcp({ listen: '127.0.0.1:0' })({ selfFingerprint: FINGERPRINT_B, logger });
  const sender = tcp({ listen: '127.0.0.1:0' })({ selfFingerprint: 'A'.repeat(40), logger });
  await Promise.all([receiver.start(), sender.start()]);
  return { receiver, sender, target: { fingerprint: FINGERPRINT_B, address: receiver.address } };
}

async function e2eVariant(keys, body) {
  const { receiver, sender, target } = await tcpPair();
  const directory = await mkdtemp(join(tmpdir(), 'skcomm-bench-tcp-'));
  const outbox = await Outbox.open(directory);
  const waiting = new Map();
  receiver.subscribe(async (inbound) => {
    const opened = await openEnvelope(parseEnvelope(inbound.bytes), keys.open);
    if (opened.document.body.length !== body.length) throw new Error('wrong body');
    await inbound.commit();
    waiting.get(opened.document.envelope_id)?.();
  });
  const send = async () => {
    const envelope = await sealEnvelope({ body }, keys.seal);
    const bytes = serializeEnvelope(envelope);
    const id = envelope.envelope_id;
    const arrived = new Promise((resolve) => waiting.set(id, resolve));
    await outbox.enqueue({
      envelopeId: id,
      peer: 'bob',
      recipientFingerprint: FINGERPRINT_B,
      documentSha256: createHash('sha256').update(bytes).digest('hex'),
      mode: 'failover',
      createdAt: envelope.timestamp,
      ttlSeconds: 604800,
      maxRetries: 5,
      envelope: bytes,
    });
    await sender.send(bytes, target);
    await arrived;
    waiting.delete(id);
    await outbox.setState(id, 'handed-off', { via: 'tcp' });
  };
  return {
    send,
    close: async () => {
      await outbox.close();
      await Promise.all([sender.stop(), receiver.stop()]);
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function cryptoVariant(keys, body) {
  return {
    send: async () => {
      const bytes = serializeEnvelope(await sealEnvelope({ body }, keys.seal));
      const opened = await openEnvelope(parseEnvelope(bytes), keys.open);
      if (opened.document.body.length !== body.length) throw new Error('wrong body');
    },
    close: async () => undefined,
  };
}

async function sealedPool(keys, body, count = 32) {
  const pool = [];
  for (let index = 0; index < count; index++) pool.push(serializeEnvelope(await sealEnvelope({ body }, keys.seal)));
  return pool;
}

async function transportVariant(keys, body) {
  const pool = await sealedPool(keys, body);
  const { receiver, sender, target } = await tcpPair();
  receiver.subscribe((inbound) => inbound.commit());
  return {
    send: (index) => sender.send(pool[index % pool.length], target),
    close: () => Promise.all([sender.stop(), receiver.stop()]),
  };
}

async function rawVariant(keys, body) {
  const pool = (await sealedPool(keys, body)).map((bytes) => Buffer.concat([bytes, Buffer.from('\n')]));
  const server = createServer({ noDelay: true }, (socket) => {
    let pending = Buffer.alloc(0);
    let count = 0;
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      let newline;
      while ((newline = pending.indexOf(10)) !== -1) {
        pending = pending.subarray(newline + 1);
        socket.write(`OK ${++count}\n`);
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = connect({ host: '127.0.0.1', port: server.address().port, noDelay: true });
  await new Promise((resolve) => socket.once('connect', resolve));
  const acks = [];
  let replies = '';
  socket.on('data', (chunk) => {
    replies += chunk.toString('latin1');
    let newline;
    while ((newline = replies.indexOf('\n')) !== -1) {
      replies = replies.slice(newline + 1);
      acks.shift()?.();
    }
  });
  return {
    send: (index) =>
      new Promise((resolve) => {
        acks.push(resolve);
        socket.write(pool[index % pool.length]);
      }),
    close: async () => {
      socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const VARIANTS = { e2e: e2eVariant, crypto: cryptoVariant, transport: transportVariant, raw: rawVariant };


run(async () => {
  const options = params({ variant: 'e2e', latency: false });
  const keys = await coreKeys();
  const body = body1KiB();
  const subject = await VARIANTS[options.variant](keys, body);
  try {
    await subject.send(0); // sanity: one full round before the clock
    report(options.latency ? await latencies(subject.send, options) : await measure(subject.send, options));
  } finally {
    await subject.close();
  }
});
