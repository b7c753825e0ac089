/**
 * WebSocket via the relay on loopback, 1 KiB sealed envelopes. The relay (or the bare ws
 * echo server) runs in a child process (relay-server.mjs). Variants (param `variant`):
 *
 *   e2e        sealEnvelope + serialize -> durable outbox enqueue (fsync) -> @skcomm/transport-websocket
 *              send (resolves on the relay's hop ack, after the relay's fsync) -> relay pushes to the
 *              receiving transport -> its subscriber parses, opens and commits -> outbox handed-off.
 *   crypto     seal + serialize + parse + open only: the crypto floor of e2e.
 *   transport  the websocket transport + relay alone: pre-sealed envelopes, send -> hop ack, and
 *              the receiver's subscriber commits each one when it arrives; one op = one arrival.
 *   raw        bare ws: the same bytes to an echo server and back (the library's floor).
 *   route      the relay alone with `clients` connections (devAuth: 1,000 real keys would take
 *              minutes to generate): client i sends pre-sealed bytes to client i+1, which acks
 *              the delivery; one op = one envelope routed end to end (stored, hop-acked, pushed, acked).
 *   echo       bare ws with the same `clients` connections: each frame echoed (baseline of route).
 *   drain      `count` envelopes stored for an offline recipient, then it connects: envelopes/s
 *              from connect to the last acknowledgement (value), relay RSS before and after.
 *   stream     bare ws baseline of drain: the echo server returns `count` frames sent at once.
 *
 * `latency: true` (e2e, transport, raw) sends one at a time: p50 ms (value), p90, p99.
 * Needs packages/transport-websocket/dist and apps/relay/dist (pnpm build).
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseEnvelope, serializeEnvelope } from '@skcomm/core';
import { createCapauthToken, openEnvelope, sealEnvelope } from '@skcomm/core/crypto';
import { Outbox } from '@skcomm/core/store';
import WebSocket from 'ws';
import { coreKeys } from './core.mjs';
import { body1KiB, measure, params, report, run, latencies } from './lib.mjs';

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const SERVER = fileURLToPath(new URL('./relay-server.mjs', import.meta.url));
const protocol = () => import('../../../packages/relay-protocol/dist/index.js');

async function startServer(mode, devAuth = false) {
  const dataDir = await mkdtemp(join(tmpdir(), 'skcomm-bench-relay-'));
  const child = spawn(process.execPath, [SERVER, mode, dataDir, devAuth ? 'devAuth' : ''], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const rssWaiters = [];
  const port = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`relay-server exited ${code}`)));
    child.stdout.on('data', (chunk) => {
      output += chunk;
      for (const line of output.split('\n').slice(0, -1)) {
        if (line.startsWith('LISTENING ')) resolve(Number(line.slice(10)));
        if (line.startsWith('RSS ')) rssWaiters.shift()?.(Number(line.slice(4)));
      }
      output = output.slice(output.lastIndexOf('\n') + 1);
    });
  });
  return {
    url: `ws://127.0.0.1:${port}`,
    rss: () => new Promise((resolve) => { rssWaiters.push(resolve); child.kill('SIGUSR2'); }),
    close: async () => {
      child.removeAllListeners('exit');
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function contextFor(identity) {
  return {
    selfFingerprint: identity.fingerprint,
    logger,
    authToken: async () => ({ token: await createCapauthToken(identity, Math.floor(Date.now() / 1000)), armoredPublicKey: identity.armored }),
  };
}

async function transportPair(keys) {
  const { websocket } = await import('../../../packages/transport-websocket/dist/index.js');
  const server = await startServer('relay');
  const sender = websocket({ url: server.url })(contextFor(keys.seal.sender));
  const receiver = websocket({ url: server.url })(contextFor(keys.open.self));
  await Promise.all([sender.start(), receiver.start()]);
  const target = { fingerprint: keys.open.self.fingerprint };
  return { sender, receiver, target, close: async () => { await Promise.all([sender.stop(), receiver.stop()]); await server.close(); } };
}

async function sealedPool(keys, body, count = 32) {
  const pool = [];
  for (let index = 0; index < count; index++) pool.push(serializeEnvelope(await sealEnvelope({ body }, keys.seal)));
  return pool;
}

const idOf = (bytes) => JSON.parse(Buffer.from(bytes).toString('utf8')).envelope_id;

async function e2eVariant(keys, body) {
  const pair = await transportPair(keys);
  const directory = await mkdtemp(join(tmpdir(), 'skcomm-bench-ws-'));
  const outbox = await Outbox.open(directory);
  const waiting = new Map();
  pair.receiver.subscribe(async (inbound) => {
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
      recipientFingerprint: pair.target.fingerprint,
      documentSha256: createHash('sha256').update(bytes).digest('hex'),
      mode: 'failover',
      createdAt: envelope.timestamp,
      ttlSeconds: 604800,
      maxRetries: 5,
      envelope: bytes,
    });
    await pair.sender.send(bytes, pair.target);
    await arrived;
    waiting.delete(id);
    await outbox.setState(id, 'handed-off', { via: 'websocket' });
  };
  return { send, close: async () => { await outbox.close(); await pair.close(); await rm(directory, { recursive: true, force: true }); } };
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

async function transportVariant(keys, body) {
  // Distinct envelope ids per send: the pool's bytes are reused, so arrivals are counted, not matched.
  const pool = await sealedPool(keys, body);
  const pair = await transportPair(keys);
  const arrivals = [];
  pair.receiver.subscribe(async (inbound) => {
    await inbound.commit();
    arrivals.shift()?.();
  });
  return {
    send: async (index) => {
      const arrived = new Promise((resolve) => arrivals.push(resolve));
      await pair.sender.send(pool[index % pool.length], pair.target);
      await arrived;
    },
    close: pair.close,
  };
}

async function connectRaw(url, headers = {}) {
  const socket = new WebSocket(url, { headers, perMessageDeflate: false, maxPayload: 4 * 1024 * 1024 });
  socket.binaryType = 'nodebuffer';
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
  return socket;
}

async function rawVariant(keys, body) {
  const pool = await sealedPool(keys, body);
  const server = await startServer('echo');
  const socket = await connectRaw(server.url);
  const waiting = [];
  socket.on('message', () => waiting.shift()?.());
  return {
    send: (index) => new Promise((resolve) => { waiting.push(resolve); socket.send(pool[index % pool.length]); }),
    close: async () => { socket.terminate(); await server.close(); },
  };
}

function fakeFingerprint(index) {
  return index.toString(16).toUpperCase().padStart(40, 'F');
}

/** `clients` authenticated relay connections (devAuth tokens), or bare echo connections. */
async function manyClients(server, clients, relay) {
  const sockets = [];
  for (let start = 0; start < clients; start += 100) {
    const batch = [];
    for (let index = start; index < Math.min(clients, start + 100); index++) {
      const headers = relay ? { authorization: `Bearer ${fakeFingerprint(index)}.${Math.floor(Date.now() / 1000)}.` } : {};
      batch.push(connectRaw(server.url, headers));
    }
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

/** 1 KiB payloads whose first 8 bytes carry a sequence number the receiver reads back. */
function numbered(sequence, filler) {
  const bytes = Buffer.from(filler);
  bytes.writeDoubleBE(sequence, 0);
  return bytes;
}

async function routeVariant(keys, body, options) {
  const { decodeRelayFrame, encodeAck, encodeSend } = await protocol();
  const server = await startServer('relay', true);
  const sockets = await manyClients(server, options.clients, true);
  const filler = randomBytes(1024);
  const waiting = new Map();
  sockets.forEach((socket) => {
    const acks = [];
    socket.on('message', (data) => {
      const frame = decodeRelayFrame(data);
      if (frame.type !== 'deliver') return;
      acks.push(frame.messageId);
      if (acks.length === 1) setImmediate(() => socket.send(encodeAck(acks.splice(0))));
      const sequence = Buffer.from(frame.envelope).readDoubleBE(0);
      waiting.get(sequence)?.();
      waiting.delete(sequence);
    });
  });
  const rssBefore = await server.rss();
  // The relay's RSS every 5 s while it routes, to show whether it stays flat.
  const rssSamples = [];
  const sampler = setInterval(() => void server.rss().then((rss) => rssSamples.push(Math.round(rss / 2 ** 20))), 5000);
  let requestId = 0;
  return {
    send: (index) =>
      new Promise((resolve) => {
        waiting.set(index, resolve);
        const from = index % sockets.length;
        sockets[from].send(encodeSend(++requestId % 0xffffffff, fakeFingerprint((from + 1) % sockets.length), numbered(index, filler)));
      }),
    extra: async () => ({ clients: sockets.length, relayRssBeforeMiB: rssBefore / 2 ** 20, relayRssAfterMiB: (await server.rss()) / 2 ** 20, relayRssEvery5sMiB: rssSamples }),
    close: async () => { clearInterval(sampler); for (const socket of sockets) socket.terminate(); await server.close(); },
  };
}

async function echoVariant(keys, body, options) {
  const server = await startServer('echo');
  const sockets = await manyClients(server, options.clients, false);
  const filler = randomBytes(1024);
  const waiting = new Map();
  sockets.forEach((socket) =>
    socket.on('message', (data) => {
      const sequence = data.readDoubleBE(0);
      waiting.get(sequence)?.();
      waiting.delete(sequence);
    }),
  );
  return {
    send: (index) => new Promise((resolve) => { waiting.set(index, resolve); sockets[index % sockets.length].send(numbered(index, filler)); }),
    close: async () => { for (const socket of sockets) socket.terminate(); await server.close(); },
  };
}

/** One-shot: store `count` envelopes for an offline recipient, then time its drain. */
async function drainOnce(options) {
  const { decodeRelayFrame, encodeAck, encodeSend } = await protocol();
  const server = await startServer('relay', true);
  const [sender] = await manyClients(server, 1, true);
  const recipient = fakeFingerprint(1);
  const filler = randomBytes(1024);
  let accepted = 0;
  await new Promise((resolve) => {
    sender.on('message', (data) => { if (decodeRelayFrame(data).type === 'accepted' && ++accepted === options.count) resolve(); });
    for (let index = 0; index < options.count; index++) sender.send(encodeSend((index % 0xfffffffe) + 1, recipient, numbered(index, filler)));
  });
  const rssBefore = await server.rss();
  const started = performance.now();
  const socket = new WebSocket(server.url, { headers: { authorization: `Bearer ${recipient}.${Math.floor(Date.now() / 1000)}.` }, perMessageDeflate: false });
  let delivered = 0;
  await new Promise((resolve) => {
    const acks = [];
    socket.on('message', (data) => {
      const frame = decodeRelayFrame(data);
      if (frame.type !== 'deliver') return;
      acks.push(frame.messageId);
      if (acks.length === 1) setImmediate(() => socket.send(encodeAck(acks.splice(0))));
      if (++delivered === options.count) resolve();
    });
  });
  const seconds = (performance.now() - started) / 1000;
  const rssAfter = await server.rss();
  sender.terminate();
  socket.terminate();
  await server.close();
  return { value: options.count / seconds, unit: 'envelopes/s', better: 'higher', count: options.count, seconds, relayRssBeforeMiB: rssBefore / 2 ** 20, relayRssAfterMiB: rssAfter / 2 ** 20 };
}

/** Baseline of drain: the echo server returns `count` frames written at once. */
async function streamOnce(options) {
  const server = await startServer('echo');
  const socket = await connectRaw(server.url);
  const filler = randomBytes(1024);
  let received = 0;
  const started = performance.now();
  await new Promise((resolve) => {
    socket.on('message', () => { if (++received === options.count) resolve(); });
    for (let index = 0; index < options.count; index++) socket.send(numbered(index, filler));
  });
  const seconds = (performance.now() - started) / 1000;
  socket.terminate();
  await server.close();
  return { value: options.count / seconds, unit: 'envelopes/s', better: 'higher', count: options.count, seconds };
}

const VARIANTS = { e2e: e2eVariant, crypto: cryptoVariant, transport: transportVariant, raw: rawVariant, route: routeVariant, echo: echoVariant };


run(async () => {
  const options = params({ variant: 'e2e', latency: false, clients: 1000, count: 20000 });
  if (options.variant === 'drain') return report(await drainOnce(options));
  if (options.variant === 'stream') return report(await streamOnce(options));
  const needsKeys = ['e2e', 'crypto', 'transport', 'raw'].includes(options.variant);
  const keys = needsKeys ? await coreKeys() : undefined;
  const body = body1KiB();
  const subject = await VARIANTS[options.variant](keys, body, options);
  try {
    await subject.send(0); // sanity: one full round before the clock
    const result = options.latency ? await latencies(subject.send, options) : await measure(subject.send, options);
    report({ ...result, ...(subject.extra ? await subject.extra() : {}) });
  } finally {
    await subject.close();
  }
});
