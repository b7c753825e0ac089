/**
 * Nostr on loopback: a real relay (@nostr-relay/core, the one the transport's tests use)
 * in a child process; 1 KiB envelope-shaped messages. Param `variant`:
 *
 *   transport  @skcomm/transport-nostr: send() = NIP-17 gift wrap (rumor -> seal -> wrap) +
 *              publish + the relay's OK; a second NostrTransport receives (unwrap, checks, push).
 *   raw        bare nostr-tools: nip17.wrapEvent + relay.publish (awaiting OK), a bare
 *              subscription receiving with nip17.unwrapEvent. The baseline.
 *
 * Param `metric`:
 *   throughput  sequential sends (one in flight, each awaiting the relay's OK), ops/s. The
 *               receiver is a second agent: a child process (this file, role "receiver")
 *               that subscribes and counts; the job checks that everything sent arrived.
 *   latency     publish-to-receive, one at a time: an already wrapped event is published and
 *               the clock stops when the receiver has the envelope (relay + verify + unwrap).
 *               p50 ms (value), p90/p99 in --json. Wrap cost is in the throughput figure.
 *
 * Needs packages/transport-nostr/dist (pnpm build).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { AbstractRelay } from 'nostr-tools/abstract-relay';
import * as nip17 from 'nostr-tools/nip17';
import { generateSecretKey, getPublicKey, verifyEvent } from 'nostr-tools/pure';
import { WebSocket } from 'ws';
import { body1KiB, measure, params, report, run } from './lib.mjs';

const PACKAGE = new URL('../../../packages/transport-nostr/', import.meta.url);
const RELAY_SCRIPT = fileURLToPath(new URL('test/relay/relay-server.mjs', PACKAGE));
const logger = { debug() {}, info() {}, warn() {}, error() {} };

function startRelay() {
  const child = spawn(process.execPath, [RELAY_SCRIPT, '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /LISTENING (\d+)/.exec(output);
      if (match) resolve({ url: `ws://127.0.0.1:${match[1]}`, stop: () => child.kill('SIGKILL') });
    });
    child.once('exit', (code) => reject(new Error(`relay exited with ${code}`)));
  });
}

/** A 1 KiB envelope-shaped JSON document with a unique id. */
const envelopeText = (body, index) => JSON.stringify({ skcomm_version: '1.0.0', envelope_id: `bench-${index}`, payload: { content_encrypted: body } });

function rawClient(url) {
  return new AbstractRelay(url, { verifyEvent, websocketImplementation: WebSocket });
}

async function transportVariant(relayUrl, body) {
  const { nostr, wrapEnvelope, ConversationKeys } = await import(new URL('dist/index.js', PACKAGE));
  const directories = [await mkdtemp(join(tmpdir(), 'skcomm-bench-nostr-')), await mkdtemp(join(tmpdir(), 'skcomm-bench-nostr-'))];
  const make = (fingerprint, stateDir) => nostr({ relays: relayUrl })({ selfFingerprint: fingerprint, stateDir, logger });
  const sender = make('A'.repeat(40), directories[0]);
  const receiver = make('B'.repeat(40), directories[1]);
  await Promise.all([sender.start(), receiver.start()]);
  const target = { fingerprint: 'B'.repeat(40), address: receiver.publicKey };
  const waiting = new Map();
  receiver.subscribe(async (inbound) => {
    await inbound.commit();
    waiting.get(JSON.parse(Buffer.from(inbound.bytes).toString('utf8')).envelope_id)?.();
  });
  const arrival = (index) => new Promise((resolve) => waiting.set(`bench-${index}`, resolve));
  // For the latency metric: events wrapped exactly as send() does, published by a plain client.
  const secretKey = generateSecretKey();
  const wrapper = { secretKey, publicKey: getPublicKey(secretKey), conversationKeys: new ConversationKeys(secretKey) };
  const publisher = rawClient(relayUrl);
  await publisher.connect();
  return {
    send: (index) => sender.send(new TextEncoder().encode(envelopeText(body, index)), target),
    wrap: (index) => wrapEnvelope(new TextEncoder().encode(envelopeText(body, index)), wrapper, receiver.publicKey),
    publish: (event) => publisher.publish(event),
    arrival,
    async close() {
      publisher.close();
      await Promise.all([sender.stop(), receiver.stop()]);
      await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
    },
  };
}

async function rawVariant(relayUrl, body) {
  const senderKey = generateSecretKey();
  const receiverKey = generateSecretKey();
  const receiverPublicKey = getPublicKey(receiverKey);
  const [publisher, subscriber] = [rawClient(relayUrl), rawClient(relayUrl)];
  await Promise.all([publisher.connect(), subscriber.connect()]);
  const waiting = new Map();
  const seen = new Set();
  subscriber.subscribe([{ kinds: [1059], '#p': [receiverPublicKey], since: Math.floor(Date.now() / 1000) - 2 * 24 * 3600 - 600 }], {
    onevent(event) {
      if (seen.has(event.id)) return;
      seen.add(event.id);
      try {
        const rumor = nip17.unwrapEvent(event, receiverKey);
        waiting.get(JSON.parse(rumor.content).envelope_id)?.();
      } catch {
        // another receiver's wrap (the relay broadcasts every gift wrap)
      }
    },
  });
  const wrap = (index) => nip17.wrapEvent(senderKey, { publicKey: receiverPublicKey }, envelopeText(body, index));
  return {
    send: (index) => publisher.publish(wrap(index)),
    wrap,
    publish: (event) => publisher.publish(event),
    arrival: (index) => new Promise((resolve) => waiting.set(`bench-${index}`, resolve)),
    async close() {
      publisher.close();
      subscriber.close();
    },
  };
}

async function latencies(subject, { warmup, duration }) {
  const samples = [];
  const warmupEnd = performance.now() + warmup * 1000;
  const end = warmupEnd + duration * 1000;
  for (let index = 1_000_000; ; index++) {
    const event = subject.wrap(index);
    const arrived = subject.arrival(index);
    const start = performance.now();
    if (start >= end) break;
    await Promise.all([subject.publish(event), arrived]);
    if (start >= warmupEnd) samples.push(performance.now() - start);
  }
  samples.sort((left, right) => left - right);
  const at = (fraction) => samples[Math.min(samples.length - 1, Math.floor(fraction * samples.length))];
  return { value: at(0.5), unit: 'ms', better: 'lower', p90Ms: at(0.9), p99Ms: at(0.99), samples: samples.length };
}

/** The receiving agent of the throughput metric, in its own process: prints READY <pubkey>, answers "count" with COUNT <n>. */
async function receiverRole({ variant, relayUrl }) {
  let received = 0;
  let publicKey;
  let close;
  if (variant === 'raw') {
    const secretKey = generateSecretKey();
    publicKey = getPublicKey(secretKey);
    const subscriber = rawClient(relayUrl);
    await subscriber.connect();
    const seen = new Set();
    subscriber.subscribe([{ kinds: [1059], '#p': [publicKey], since: Math.floor(Date.now() / 1000) - 2 * 24 * 3600 - 600 }], {
      onevent(event) {
        if (seen.has(event.id)) return;
        seen.add(event.id);
        try {
          nip17.unwrapEvent(event, secretKey);
          received++;
        } catch {
          // not ours
        }
      },
    });
    close = async () => subscriber.close();
  } else {
    const { nostr } = await import(new URL('dist/index.js', PACKAGE));
    const stateDir = await mkdtemp(join(tmpdir(), 'skcomm-bench-nostr-'));
    const receiver = nostr({ relays: relayUrl })({ selfFingerprint: 'B'.repeat(40), stateDir, logger });
    await receiver.start();
    receiver.subscribe(async (inbound) => {
      received++;
      await inbound.commit();
    });
    publicKey = receiver.publicKey;
    close = async () => {
      await receiver.stop();
      await rm(stateDir, { recursive: true, force: true });
    };
  }
  process.stdout.write(`READY ${publicKey}\n`);
  process.stdin.setEncoding('utf8');
  for await (const line of process.stdin) {
    if (line.includes('count')) process.stdout.write(`COUNT ${received}\n`);
  }
  await close();
}

/** Starts the receiving agent; resolves to its public key and a way to ask how many arrived. */
function startReceiver(variant, relayUrl) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), JSON.stringify({ role: 'receiver', variant, relayUrl })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  const waiters = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    output += chunk;
    for (const waiter of [...waiters]) {
      const match = waiter.pattern.exec(output);
      if (match) {
        output = output.slice(match.index + match[0].length);
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match[1]);
      }
    }
  });
  const next = (pattern) => new Promise((resolve) => waiters.push({ pattern, resolve }));
  return next(/READY ([0-9a-f]{64})\n/).then((publicKey) => ({
    publicKey,
    async count() {
      const answer = next(/COUNT (\d+)\n/);
      child.stdin.write('count\n');
      return Number(await answer);
    },
    stop: () => child.stdin.end(),
  }));
}

async function throughput(variant, relayUrl, body, options) {
  const receiver = await startReceiver(variant, relayUrl);
  let send;
  let close;
  if (variant === 'raw') {
    const senderKey = generateSecretKey();
    const publisher = rawClient(relayUrl);
    await publisher.connect();
    send = (index) => publisher.publish(nip17.wrapEvent(senderKey, { publicKey: receiver.publicKey }, envelopeText(body, index)));
    close = async () => publisher.close();
  } else {
    const { nostr } = await import(new URL('dist/index.js', PACKAGE));
    const stateDir = await mkdtemp(join(tmpdir(), 'skcomm-bench-nostr-'));
    const sender = nostr({ relays: relayUrl })({ selfFingerprint: 'A'.repeat(40), stateDir, logger });
    await sender.start();
    const target = { fingerprint: 'B'.repeat(40), address: receiver.publicKey };
    send = (index) => sender.send(new TextEncoder().encode(envelopeText(body, index)), target);
    close = async () => {
      await sender.stop();
      await rm(stateDir, { recursive: true, force: true });
    };
  }
  try {
    let sent = 0;
    const result = await measure(async (index) => {
      await send(index);
      sent++;
    }, options);
    // Every send was acknowledged by the relay; all of them must also have arrived.
    const deadline = Date.now() + 30_000;
    let arrived = await receiver.count();
    while (arrived < sent && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      arrived = await receiver.count();
    }
    if (arrived < sent) throw new Error(`only ${arrived} of ${sent} messages arrived`);
    return result;
  } finally {
    receiver.stop();
    await close();
  }
}

run(async () => {
  const options = params({ variant: 'transport', metric: 'throughput' });
  if (options.role === 'receiver') {
    await receiverRole(options);
    return;
  }
  const body = body1KiB();
  const relay = await startRelay();
  try {
    if (options.metric === 'throughput') {
      report(await throughput(options.variant, relay.url, body, options));
      return;
    }
    const subject = await (options.variant === 'raw' ? rawVariant : transportVariant)(relay.url, body);
    try {
      // Sanity before the clock: one message makes the whole trip.
      const first = subject.arrival(0);
      await subject.send(0);
      await first;
      report(await latencies(subject, options));
    } finally {
      await subject.close();
    }
  } finally {
    relay.stop();
  }
});
