/**
 * P2P failover (issue 5): two real agents with webrtc → nostr → file in priority order,
 * each agent running its daemon (subscriptions, outbox retries, acks). Phase 1 flows over
 * a WebRTC data channel; then the WebRTC path is cut (the recipient's WebRTC side stops
 * and the signaling relay goes away), so phase 2 flows through a real Nostr relay; then
 * that relay is killed with SIGKILL, so phase 3 flows through the shared folder. Acks come
 * back each time over the recipient's own failover. Everything runs on 127.0.0.1.
 * Pass: 0 lost, 0 duplicated, 0 unexpected, and each phase carried by its transport.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@skcomm/core';
import { type Agent, runDaemon } from '@skcomm/core/agent';
import type { TestAgent } from '@skcomm/core/testing';
import { file, type FileTransport } from '@skcomm/transport-file';
import { nostr, type NostrTransport } from '@skcomm/transport-nostr';
import { webrtc, type WebrtcTransport } from '@skcomm/transport-webrtc';
import { describe, expect, test } from 'vitest';
import { checkHistory, summarize } from '../src/history.js';
import { allDelivered, inParallel, makeHomes, openAgent, scaled, transportContext, waitFor } from '../src/harness.js';
import { type Server, startNostrRelay, startSignalingRelay } from '../src/p2p-servers.js';

const PHASES = ['webrtc', 'nostr', 'file'] as const;
type Phase = (typeof PHASES)[number];

interface PeerTransports {
  webrtc: WebrtcTransport;
  nostr: NostrTransport;
  list: [WebrtcTransport, NostrTransport, FileTransport];
}

async function transportsFor(agent: TestAgent, servers: { signaling: Server; nostrRelay: Server }, folder: string): Promise<PeerTransports> {
  // The Nostr key is generated once into the transport's state directory, as the Agent arranges it.
  const stateDir = join(agent.layout.transportsStateDir, 'nostr');
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const context = transportContext(agent);
  // Timeouts are generous: the machine may be loaded; nothing here waits on them unless a path is cut.
  const webrtcTransport = webrtc({ signal: servers.signaling.url, priority: 1, connectTimeoutMs: 15_000, sendTimeoutMs: 15_000, reconnectBaseMs: 50, reconnectMaxMs: 500 })(context);
  const nostrTransport = nostr({ relays: servers.nostrRelay.url, priority: 2, connectTimeoutMs: 5_000, publishTimeoutMs: 10_000, reconnectMaxDelayMs: 500 })({ ...context, stateDir });
  const fileTransport = file({ root: folder, priority: 3, pollIntervalMs: 50 })(context);
  return { webrtc: webrtcTransport, nostr: nostrTransport, list: [webrtcTransport, nostrTransport, fileTransport] };
}

describe('P2P failover: webrtc → nostr → file (history checked)', () => {
  test('the WebRTC path is cut, then the Nostr relay is killed: every message arrives exactly once, each phase over its transport', async () => {
    const perPhase = scaled(15);
    // A message handed off is sent again (hedged to the next transport) only when no ack came
    // within the first step: long enough that a loaded machine does not blur which transport
    // carried a phase; the run itself never waits on it.
    const homes = await makeHomes(['sender', 'receiver'], { retrySeconds: [15, 30, 60] });
    const folder = await mkdtemp(join(tmpdir(), 'skcomm-p2p-folder-'));
    const signaling = await startSignalingRelay();
    const nostrRelay = await startNostrRelay();
    const stop = new AbortController();
    const agents: Agent[] = [];
    const daemons: Promise<unknown>[] = [];
    try {
      const servers = { signaling, nostrRelay };
      const senderTransports = await transportsFor(homes.sender, servers, folder);
      const receiverTransports = await transportsFor(homes.receiver, servers, folder);
      // Each peer record carries the other's Nostr key: the binding a user sets with `peer add --address nostr=...`.
      await homes.sender.peers.setAddress('receiver', 'nostr', receiverTransports.nostr.publicKey);
      await homes.receiver.peers.setAddress('sender', 'nostr', senderTransports.nostr.publicKey);
      const sender = await openAgent(homes.sender, senderTransports.list);
      const receiver = await openAgent(homes.receiver, receiverTransports.list);
      agents.push(sender, receiver);

      const ready = [sender, receiver].map((agent) => {
        let onReady!: () => void;
        const started = new Promise<void>((resolve) => (onReady = resolve));
        daemons.push(runDaemon(agent, { signal: stop.signal, logger: silentLogger, pollIntervalMs: 20, retryTickMs: 20, compactOnStart: false, onReady }));
        return started;
      });
      await Promise.race([Promise.all(ready), ...daemons]);

      // The application's side: what it consumed, in order, and which transport brought each.
      const consumed: Array<{ body: string; transport: string }> = [];
      const consumeUnread = async () => {
        const unread = await receiver.unread();
        consumed.push(...unread.map((message) => ({ body: message.body, transport: message.transport })));
        await receiver.markRead(unread.map((message) => message.envelopeId));
      };
      const consumer = (async () => {
        while (!stop.signal.aborted) {
          await consumeUnread();
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();

      const attempted: string[] = [];
      const confirmed: string[] = [];
      const envelopeIdsOf: Record<Phase, string[]> = { webrtc: [], nostr: [], file: [] };
      const cuts: Record<Phase, () => Promise<void>> = {
        webrtc: async () => undefined,
        nostr: async () => {
          // The recipient's WebRTC side goes (its BYE closes the link), and with the signaling
          // relay gone no new link can be negotiated.
          await receiverTransports.webrtc.stop();
          await signaling.stop();
          await waitFor(() => senderTransports.webrtc.connections().length === 0, 'the sender to drop its WebRTC link', 30_000);
        },
        file: () => nostrRelay.stop(),
      };
      for (const [index, phase] of PHASES.entries()) {
        await cuts[phase]();
        const bodies = Array.from({ length: perPhase }, (_, serial) => `p2p-${phase}-${serial}`);
        await inParallel(bodies, 4, async (body) => {
          attempted.push(body);
          const { envelopeId } = await sender.send('receiver', { body });
          confirmed.push(body);
          envelopeIdsOf[phase].push(envelopeId);
        });
        await waitFor(() => allDelivered(sender, perPhase * (index + 1)), `phase ${phase}: every message acked`, 45_000, 50);
      }

      stop.abort();
      await consumer;
      await Promise.all(daemons);
      await consumeUnread();

      const verdict = checkHistory({ attempted, confirmed, consumed: consumed.map((message) => message.body) });
      const outbox = await sender.outbox();
      await outbox.refresh();
      const entries = new Map(outbox.list().map((entry) => [entry.envelopeId, entry]));
      const carriedBy = (phase: Phase) => countBy(consumed.filter((message) => message.body.startsWith(`p2p-${phase}-`)).map((message) => message.transport));
      const ackedVia = (phase: Phase) => countBy(envelopeIdsOf[phase].map((id) => entries.get(id)?.via ?? '(none)'));
      const handedOff = (phase: Phase, transport: Phase) => envelopeIdsOf[phase].filter((id) => entries.get(id)?.transports[transport]?.outcome === 'handed-off').length;
      console.info(
        summarize('P2P failover', verdict),
        Object.fromEntries(PHASES.map((phase) => [phase, { carriedBy: carriedBy(phase), ackedVia: ackedVia(phase) }])),
      );

      expect(verdict).toMatchObject({ lost: [], duplicated: [], unexpected: [], indeterminate: [], valid: true });
      expect(verdict.ok).toBe(perPhase * PHASES.length);
      for (const phase of PHASES) {
        // The recipient's application got every message of the phase over that phase's transport,
        expect(carriedBy(phase)).toEqual({ [phase]: perPhase });
        // the sender's transport for it took every one of them,
        expect(handedOff(phase, phase)).toBe(perPhase);
        // and the recipient's own failover brought the signed acks back the same way.
        expect(ackedVia(phase)).toEqual({ [phase]: perPhase });
      }
      // Once a path is cut, nothing more is handed to it.
      expect(handedOff('nostr', 'webrtc') + handedOff('file', 'webrtc') + handedOff('file', 'nostr')).toBe(0);
    } finally {
      stop.abort();
      await Promise.allSettled(daemons);
      await Promise.allSettled(agents.map((agent) => agent.close()));
      await Promise.allSettled([signaling.stop(), nostrRelay.stop()]);
      await rm(folder, { recursive: true, force: true });
      await homes.cleanup();
    }
  }, 150_000);
});

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
