/**
 * libp2p direct on loopback (TCP + noise + yamux), 1 KiB messages. Variants (param `variant`):
 *
 *   e2e        sealEnvelope + serialize -> @skcomm/transport-libp2p send (resolves on the
 *              receiver's hop ack) -> the receiver's subscriber parses, opens and commits it.
 *              One op = one message done. Crypto-bound.
 *   transport  @skcomm/transport-libp2p alone: pre-sealed envelopes, send -> hop ack, and the
 *              receiver's subscriber commits each one ("sealed messages/s through libp2p").
 *   raw        bare libp2p 3, same stack: the same pre-sealed bytes written with lpStream on
 *              one stream, echoed back by a lpStream handler: libp2p's own floor here.
 *
 * Both nodes run in this process. Needs packages/transport-libp2p/dist (pnpm build).
 */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { tcp } from '@libp2p/tcp';
import { lpStream } from '@libp2p/utils';
import { createLibp2p } from 'libp2p';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnvelope, serializeEnvelope } from '@skcomm/core';
import { openEnvelope, sealEnvelope } from '@skcomm/core/crypto';
import { coreKeys } from './core.mjs';
import { body1KiB, measure, params, report, run } from './lib.mjs';

const FINGERPRINT_B = 'B'.repeat(40);
const logger = { debug() {}, info() {}, warn() {}, error() {} };

async function libp2pPair() {
  // The package entry also installs the Promise.withResolvers polyfill the raw variant relies on.
  const { libp2p } = await import('../../../packages/transport-libp2p/dist/index.js');
  const stateDir = await mkdtemp(join(tmpdir(), 'skcomm-bench-libp2p-'));
  const receiver = libp2p()({ selfFingerprint: FINGERPRINT_B, stateDir: join(stateDir, 'b'), logger });
  const sender = libp2p()({ selfFingerprint: 'A'.repeat(40), stateDir: join(stateDir, 'a'), logger });
  await Promise.all([receiver.start(), sender.start()]);
  return {
    receiver,
    sender,
    target: { fingerprint: FINGERPRINT_B, address: receiver.address },
    close: async () => {
      await Promise.all([sender.stop(), receiver.stop()]);
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

async function sealedPool(keys, body, count = 32) {
  const pool = [];
  for (let index = 0; index < count; index++) pool.push(serializeEnvelope(await sealEnvelope({ body }, keys.seal)));
  return pool;
}

async function e2eVariant(keys, body) {
  const pair = await libp2pPair();
  const waiting = new Map();
  pair.receiver.subscribe(async (inbound) => {
    const opened = await openEnvelope(parseEnvelope(inbound.bytes), keys.open);
    if (opened.document.body.length !== body.length) throw new Error('wrong body');
    await inbound.commit();
    waiting.get(opened.document.envelope_id)?.();
  });
  return {
    send: async () => {
      const envelope = await sealEnvelope({ body }, keys.seal);
      const arrived = new Promise((resolve) => waiting.set(envelope.envelope_id, resolve));
      await pair.sender.send(serializeEnvelope(envelope), pair.target);
      await arrived;
      waiting.delete(envelope.envelope_id);
    },
    close: pair.close,
  };
}

async function transportVariant(keys, body) {
  const pool = await sealedPool(keys, body);
  const pair = await libp2pPair();
  pair.receiver.subscribe((inbound) => inbound.commit());
  return { send: (index) => pair.sender.send(pool[index % pool.length], pair.target), close: pair.close };
}

async function rawVariant(keys, body) {
  await import('../../../packages/transport-libp2p/dist/index.js'); // the polyfill, nothing else
  const pool = await sealedPool(keys, body);
  const node = () =>
    createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] });
  const [server, client] = await Promise.all([node(), node()]);
  await server.handle('/bench/echo/1.0.0', async (stream) => {
    const framed = lpStream(stream);
    try {
      for (;;) await framed.write(await framed.read());
    } catch {
      // the client went away
    }
  });
  const framed = lpStream(await client.dialProtocol(server.getMultiaddrs()[0], '/bench/echo/1.0.0'));
  // One reader matches echoes to writers in order (one stream, FIFO).
  const waiting = [];
  void (async () => {
    try {
      for (;;) {
        await framed.read();
        waiting.shift()?.();
      }
    } catch {
      // closed
    }
  })();
  return {
    send: (index) => {
      const echoed = new Promise((resolve) => waiting.push(resolve));
      return framed.write(pool[index % pool.length]).then(() => echoed);
    },
    close: () => Promise.all([client.stop(), server.stop()]),
  };
}

const VARIANTS = { e2e: e2eVariant, transport: transportVariant, raw: rawVariant };

run(async () => {
  const options = params({ variant: 'transport' });
  const keys = await coreKeys();
  const subject = await VARIANTS[options.variant](keys, body1KiB());
  try {
    await subject.send(0); // sanity: one full round before the clock
    report(await measure(subject.send, options));
  } finally {
    await subject.close();
  }
});
