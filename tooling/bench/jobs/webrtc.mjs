/**
 * WebRTC data channels on loopback (werift 0.24.4), 1 KiB messages. Both peers run in this
 * process; the relay's signaling broker (started here) negotiates the link. Variants (param `variant`):
 *
 *   transport  @skcomm/transport-webrtc alone: pre-sealed 1 KiB envelopes, send -> the receiver
 *              queues it and acks the hop, its subscriber commits ("sealed messages/s over WebRTC").
 *   e2e        sealEnvelope + serialize -> send/hop ack -> the receiver's subscriber parses, opens
 *              and commits. One op = one message done. Crypto-bound.
 *   raw        bare werift: one pre-negotiated data channel with the same loopback-only ICE config,
 *              the same bytes echoed back by the other peer, `inflight` at a time (the bounded
 *              window werift needs): the library's own floor here.
 *
 * Needs packages/transport-webrtc/dist and apps/relay/dist (pnpm build).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnvelope, serializeEnvelope } from '@skcomm/core';
import { createCapauthToken, openEnvelope, sealEnvelope } from '@skcomm/core/crypto';
import { RTCPeerConnection } from 'werift';
import { coreKeys } from './core.mjs';
import { body1KiB, measure, params, report, run } from './lib.mjs';

const logger = { debug() {}, info() {}, warn() {}, error() {} };

function contextFor(identity) {
  return {
    selfFingerprint: identity.fingerprint,
    logger,
    authToken: async () => ({ token: await createCapauthToken(identity, Math.floor(Date.now() / 1000)), armoredPublicKey: identity.armored }),
  };
}

async function webrtcPair(keys) {
  const { webrtc } = await import('../../../packages/transport-webrtc/dist/index.js');
  const { startRelay } = await import('../../../apps/relay/dist/index.js');
  const dataDir = await mkdtemp(join(tmpdir(), 'skcomm-bench-webrtc-'));
  const relay = await startRelay({ port: 0, dataDir });
  const sender = webrtc({ signal: relay.url })(contextFor(keys.seal.sender));
  const receiver = webrtc({ signal: relay.url })(contextFor(keys.open.self));
  await Promise.all([sender.start(), receiver.start()]);
  return {
    sender,
    receiver,
    target: { fingerprint: keys.open.self.fingerprint },
    close: async () => {
      await Promise.all([sender.stop(), receiver.stop()]);
      await relay.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function sealedPool(keys, body, count = 32) {
  const pool = [];
  for (let index = 0; index < count; index++) pool.push(serializeEnvelope(await sealEnvelope({ body }, keys.seal)));
  return pool;
}

async function transportVariant(keys, body) {
  const pool = await sealedPool(keys, body);
  const pair = await webrtcPair(keys);
  pair.receiver.subscribe((inbound) => inbound.commit());
  return { send: (index) => pair.sender.send(pool[index % pool.length], pair.target), close: pair.close };
}

async function e2eVariant(keys, body) {
  const pair = await webrtcPair(keys);
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

/** The transport's ICE settings, by hand: loopback only, no STUN (werift's default would be Google's). */
function loopbackPeer() {
  return new RTCPeerConnection({
    iceServers: [],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
  });
}

async function rawVariant(keys, body) {
  const pool = await sealedPool(keys, body);
  const [a, b] = [loopbackPeer(), loopbackPeer()];
  const channel = a.createDataChannel('bench', { negotiated: true, id: 0 });
  const echo = b.createDataChannel('bench', { negotiated: true, id: 0 });
  const noStun = (peer) => { for (const transport of peer.iceTransports) transport.connection.stunServer = undefined; };
  const offer = await a.createOffer();
  noStun(a);
  await a.setLocalDescription(offer);
  await b.setRemoteDescription(a.localDescription);
  noStun(b);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription);
  await new Promise((resolve) => channel.stateChanged.subscribe((state) => state === 'open' && resolve()));
  echo.onMessage.subscribe((data) => echo.send(data));
  // One reader matches echoes to senders in order (ordered channel, FIFO).
  const waiting = [];
  channel.onMessage.subscribe(() => waiting.shift()?.());
  return {
    send: (index) => new Promise((resolve) => { waiting.push(resolve); channel.send(pool[index % pool.length]); }),
    close: async () => { await a.close(); await b.close(); },
  };
}

const VARIANTS = { transport: transportVariant, e2e: e2eVariant, raw: rawVariant };

run(async () => {
  const options = params({ variant: 'transport', inflight: 16 });
  const keys = await coreKeys();
  const subject = await VARIANTS[options.variant](keys, body1KiB());
  try {
    await subject.send(0); // sanity: one full round (and the link negotiated) before the clock
    report(await measure(subject.send, options));
  } finally {
    await subject.close();
  }
});
