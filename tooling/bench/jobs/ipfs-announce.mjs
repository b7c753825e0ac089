/**
 * Fetch-by-announcement latency of @skcomm/transport-ipfs, next to raw helia fetch-by-CID,
 * both between two helia nodes in this process on 127.0.0.1 (tcp + noise + yamux +
 * identify + bitswap, no discovery, no routing), one envelope at a time:
 *
 *   variant "skcomm": a.send() (put block, announce the CID on /skcomm/ipfs-announce/1.0.0,
 *     b fetches it by bitswap, verifies, pins, queues, replies) -> subscribe() push on b,
 *     committed (unpin + delete). Target p50 <= 30 ms.
 *   variant "raw": helia as it comes, same offline libp2p config: a puts the block, b
 *     gets it by CID (bitswap with its default 10 ms debounces); no announce, no pinning.
 *   variant "raw-nodebounce": raw with the bitswap settings the transport uses (debounces 0).
 *
 * Reports the median (p50) in ms plus p90/p99/max. Needs packages/transport-ipfs/dist.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { body1KiB, params, report, run } from './lib.mjs';

const { ipfs } = await import('../../../packages/transport-ipfs/dist/index.js');

const FINGERPRINT_A = 'A'.repeat(40);
const FINGERPRINT_B = 'B'.repeat(40);
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const content = body1KiB();

function envelope() {
  return new TextEncoder().encode(
    JSON.stringify({
      skcomm_version: '1.0.0',
      envelope_id: randomUUID(),
      timestamp: new Date().toISOString(),
      from: { name: 'alice', fingerprint: FINGERPRINT_A },
      to: { name: 'bob', fingerprint: FINGERPRINT_B },
      payload: { type: 'message', content_encrypted: content, signature: 'c2lnbmF0dXJl' },
    }),
  );
}

async function skcommVariant() {
  const b = ipfs()({ selfFingerprint: FINGERPRINT_B, logger: silent });
  await b.start();
  const address = b.addresses[0];
  const a = ipfs({ peers: [address] })({ selfFingerprint: FINGERPRINT_A, logger: silent });
  await a.start();
  let waiting;
  b.subscribe(async (inbound) => {
    await inbound.commit();
    waiting?.(inbound.bytes.length);
  });
  return {
    async once() {
      const bytes = envelope();
      const arrived = new Promise((resolve) => (waiting = resolve));
      const started = performance.now();
      await a.send(bytes, { fingerprint: FINGERPRINT_B, address });
      const length = await arrived;
      const elapsed = performance.now() - started;
      if (length !== bytes.length) throw new Error(`received ${length} bytes, sent ${bytes.length}`);
      return elapsed;
    },
    close: async () => {
      await a.stop();
      await b.stop();
    },
  };
}

/** Raw helia, imported the way the transport imports it (after the Node 20 polyfill in its entry). */
async function rawVariant(bitswapOptions) {
  const { createHeliaLight } = await import('helia');
  const { withLibp2pLight } = await import('@helia/libp2p');
  const { withBitswap } = await import('@helia/bitswap');
  const { tcp } = await import('@libp2p/tcp');
  const { noise } = await import('@libp2p/noise');
  const { yamux } = await import('@libp2p/yamux');
  const { identify } = await import('@libp2p/identify');
  const { CID } = await import('multiformats/cid');
  const raw = await import('multiformats/codecs/raw');
  const { sha256 } = await import('multiformats/hashes/sha2');
  const node = () =>
    withBitswap(
      withLibp2pLight(createHeliaLight(), {
        addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        peerDiscovery: [],
        services: { identify: identify() },
      }),
      bitswapOptions,
    );
  const a = node();
  const b = node();
  await a.start();
  await b.start();
  await b.libp2p.dial(a.libp2p.getMultiaddrs()[0]);
  return {
    async once() {
      const bytes = envelope();
      const started = performance.now();
      const cid = CID.createV1(raw.code, await sha256.digest(bytes));
      await a.blockstore.put(cid, bytes);
      let length = 0;
      for await (const chunk of b.blockstore.get(cid)) length += chunk.length;
      const elapsed = performance.now() - started;
      if (length !== bytes.length) throw new Error(`fetched ${length} bytes, stored ${bytes.length}`);
      return elapsed;
    },
    close: async () => {
      await a.stop();
      await b.stop();
    },
  };
}

const VARIANTS = {
  skcomm: skcommVariant,
  raw: () => rawVariant({}),
  'raw-nodebounce': () => rawVariant({ sendWantlistDebounce: 0, sendBlocksDebounce: 0 }),
};

async function latencies(once, { warmup, duration }) {
  const samples = [];
  const warmupEnd = performance.now() + warmup * 1000;
  const end = warmupEnd + duration * 1000;
  while (performance.now() < end || samples.length < 10) {
    const inWindow = performance.now() >= warmupEnd;
    const elapsed = await once();
    if (inWindow) samples.push(elapsed);
  }
  samples.sort((left, right) => left - right);
  const at = (fraction) => samples[Math.min(samples.length - 1, Math.floor(fraction * samples.length))];
  return { value: at(0.5), unit: 'ms', better: 'lower', p90Ms: at(0.9), p99Ms: at(0.99), maxMs: samples.at(-1), samples: samples.length };
}

run(async () => {
  const options = params({ variant: 'skcomm' });
  const subject = await VARIANTS[options.variant]();
  try {
    await subject.once(); // sanity: one full round before the clock
    report(await latencies(subject.once, options));
  } finally {
    await subject.close();
  }
});
